package grade

import (
	"fmt"
	"strings"

	"github.com/golocks/golocks/course/workbook"
)

// Paused checks a run of the paused-holder experiment (workbook.Paused)
// made with the student's pause and, when fenced, the student's fencing
// check, called what in the notebook. Unfenced, A's pause must outlast its
// lock's TTL, so that its late write lands over B's increments (the
// counter says 1 of 4); fenced, the storage must refuse that write and A
// redo its increment (4 of 4). The runs are staged, not raced: each ends
// the same way every time, so the check is exact.
func Paused(what string, run workbook.PausedRun, fenced bool) error {
	if len(run.Events) == 0 {
		return fmt.Errorf("%s is empty: run the experiment and keep what it returns in %s", what, what)
	}
	pausedPast, rejected, landedLate := false, false, false
	for _, e := range run.Events {
		switch {
		case e.Who == "A" && e.What == workbook.EventPause && strings.Contains(e.Label, "past its TTL"):
			pausedPast = true
		case e.Who == "A" && e.What == workbook.EventRejected:
			rejected = true
		case e.Who == "A" && e.What == workbook.EventWrite:
			landedLate = pausedPast
		}
	}
	switch {
	case !pausedPast:
		return fmt.Errorf("in %s, A woke while its lock was still its own, and its write was in time: nothing went wrong to show; pause A for longer than the TTL it is given", what)
	case !fenced && run.Got != 1:
		return fmt.Errorf("in %s, the counter says %d of %d; A's late write should land over B's increments and leave 1: was the experiment run without fencing (no Accept)?", what, run.Got, run.Expected)
	case fenced && landedLate:
		return fmt.Errorf("in %s, A's late write landed (the counter says %d of %d): the storage let an old token through after newer ones; accept must refuse a token older than the newest it has seen", what, run.Got, run.Expected)
	case fenced && !rejected:
		return fmt.Errorf("in %s, nothing was refused: was the experiment run with your check (Accept: accept)?", what)
	case fenced && run.Got != run.Expected:
		return fmt.Errorf("in %s, the counter says %d of %d after A's write was refused", what, run.Got, run.Expected)
	}
	return nil
}
