package grade

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/runtime/cell"
)

// Lowest checks a prediction of the lowest count work can leave in
// filename when two processes, A and B, make one increment each, in any
// order: Exercise 6b's wrong lock placements (lockWriteOnly, lockApart)
// and the right one (workLockedEach). The stepper runs the student's own
// work in every distinct schedule (stepper.Every), so the check holds over
// every order the race can take, never one lucky run, and is the same on
// every run. what names the prediction in the notebook; when it differs,
// the message says what the stepper saw (the final counts, and a schedule
// that leaves the lowest).
//
// filename is the counter the processes share; the stepper also watches
// the lock file beside it, counter.lock (the file the notebook's functions
// lock), so a process that waits for the lock waits there. Every wait is
// bounded (the stepper's), and ends when the cell is interrupted.
func Lowest(what string, predicted int64, work func(maxCount int, filename string) error, filename string) error {
	if work == nil {
		return fmt.Errorf("%s: the function to check is nil: define it first (run its cell)", what)
	}
	name := "the function"
	if f, ok := cell.Lookup(work); ok {
		name = f.Name
	}
	sum, err := stepper.Every(work, []int{1, 1}, filename, stepper.Output(io.Discard, io.Discard))
	if err != nil {
		return fmt.Errorf("%s: the stepper cannot step %s: %w", what, name, err)
	}
	finals := slices.Sorted(maps.Keys(sum.Finals))
	if len(finals) == 0 || finals[len(finals)-1] == 0 {
		return fmt.Errorf("%s: %s left no count in any schedule: write it first (it counts like work)", what, name)
	}
	lowest := finals[0]
	if predicted == int64(lowest) {
		return nil
	}
	example := ""
	for _, t := range sum.Traces {
		if t.Final == lowest {
			example = fmt.Sprintf(" (one of them: %s)", t.Schedule)
			break
		}
	}
	saw := fmt.Sprintf("the stepper ran %s in every schedule of A and B counting once (%d schedules; final count: how many %v): the lowest is %d%s",
		name, sum.Schedules, sum.Finals, lowest, example)
	if predicted == 0 {
		return fmt.Errorf("%s is 0: write your prediction in it before you run anything", what)
	}
	return fmt.Errorf("%s is %d, not what happens: %s", what, predicted, saw)
}
