package grade

import (
	"fmt"

	"github.com/golocks/golocks/runtime/pool"
)

// Processes checks that the pool called what (the variable's name, as the
// student knows it) runs want calls at once: a racy exercise asks for
// processes that race, and a pool of one runs its calls one after the
// other, so that nothing races and a count check alone would pass. Use it
// with the exercise's pool kept in a variable declared outside the
// solution markers (var p *pool.Pool), next to CountAtMost or AtMost.
func Processes(what string, p *pool.Pool, want int) error {
	switch {
	case p == nil:
		return fmt.Errorf("%s is nil: make the pool with pool.New(%d), keep it in %s, and run on it", what, want, what)
	case p.Procs == want:
		return nil
	case p.Procs == 1:
		return fmt.Errorf("%s runs 1 process at a time: its calls take turns and nothing races; this exercise asks for %d processes at once (pool.New(%d))", what, want, want)
	default:
		return fmt.Errorf("%s runs %d processes at a time, not the %d this exercise asks for (pool.New(%d))", what, p.Procs, want, want)
	}
}

// Prediction checks a number the student predicted before running
// anything, such as the count a given schedule leaves. A wrong prediction
// is told it is wrong, with hint (what to think about), never the answer.
func Prediction(what string, got, want int64, hint string) error {
	switch {
	case got == want:
		return nil
	case got == 0:
		return fmt.Errorf("%s is 0: write your prediction in it before you run anything", what)
	default:
		return fmt.Errorf("%s is %d, not what happens: %s", what, got, hint)
	}
}
