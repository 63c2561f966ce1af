// Package grade holds the checks that the workbook's test cells run on what
// a student's code produced: the count a file holds after a run, a value
// after the processes or goroutines are done, whether a student's locked
// function really holds its lock when it reads the counter.
//
// Each check returns nil when all is well, or an error that says, in the
// student's terms, what is wrong and what to look at ("parallel.txt holds
// 2714, not 3000: 286 updates were lost ..."). A test cell turns that error
// into the cell's failure, which is what a grader (nbgrader, or the
// workbook's own scripts/grade.py) counts:
//
//	// Tests for Exercise 1 (1 point). This cell is read-only: run it after your code.
//	if err := grade.Count("serial.txt", 1000); err != nil {
//		panic(err)
//	}
//	show("Exercise 1: tests passed")
//
// A failing test cell must fail for the same reason on every run, so the
// checks assert only what always holds: a locked or serial count is exact;
// a racy count is at least 1 and at most the increments made (whether a
// race lost updates this time is chance); a lock's placement is checked by
// looking at the lock at the moment the function reads its counter
// (HoldsLock, and ReadsUnlocked for the placement that locks the write
// alone), not by hoping a race shows. A racy count passes only if the run
// used the processes asked for (Processes: a pool of one races nothing), and
// a prediction is checked without giving its answer away (Prediction).
//
// The checks never change what they check (no file is created, emptied or
// removed), never panic, and every wait is bounded.
package grade
