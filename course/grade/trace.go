package grade

import (
	"fmt"

	"github.com/golocks/golocks/course/stepper"
)

// Reset checks a schedule the student wrote to make a read find the counter
// file empty (or missing) after a process had counted: the trace the
// stepper recorded (stepper.Replay), called what in the notebook, must
// hold a read marked Reset. A schedule is not random, so this is exact: it
// holds on every run of the same schedule.
func Reset(what string, t *stepper.Trace) error {
	if t == nil || len(t.Steps) == 0 {
		return fmt.Errorf("%s ran no step: write a schedule (\"A read, A truncate, ...\") and run it", what)
	}
	for _, s := range t.Steps {
		if s.Op == stepper.Read && s.Reset != "" && s.File == "" {
			return nil
		}
	}
	return fmt.Errorf("no read in %s found the file empty: a process empties the file (truncate) before it writes; let the other read in between", what)
}
