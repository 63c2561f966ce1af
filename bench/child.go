package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/golocks/golocks/course/workbook"
)

// The bench's hidden command lines: this program run as a child of itself.

// lockedChild is a process of the contended floor or of the decomposition's
// contended steps: bench -locked-child go|raw DIR N does N increments of
// DIR/parallel.txt under flock(2) on DIR/tmp_lock, with the locked
// workbook counter's os.ReadFile/os.WriteFile (go, flockLoop) or with one
// system call per step (raw, rawLocked).
const lockedChild = "-locked-child"

// floorChild runs a floor in a process of its own, so that its system calls
// can be counted: bench -floor-child KIND DIR N, KIND one of none, call,
// increment (floorCounter), atomic (floorAtomic) or contended-P
// (contendedFloor with P processes).
const floorChild = "-floor-child"

// runChild runs the child command line args (args[0] is lockedChild or
// floorChild) and returns the exit status.
func runChild(args []string) int {
	if err := child(args); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func child(args []string) error {
	if len(args) != 4 {
		return fmt.Errorf("want %s MODE DIR N", args[0])
	}
	mode, dir := args[1], args[2]
	n, err := strconv.Atoi(args[3])
	if err != nil || n < 0 {
		return fmt.Errorf("bad count %q", args[3])
	}
	switch args[0] {
	case lockedChild:
		switch mode {
		case "go":
			return flockLoop(dir, true, n)
		case "raw":
			return rawLocked(dir, n)
		}
	case floorChild:
		var r result
		switch {
		case mode == workbook.SharedAtomic:
			r, err = floorAtomic(dir, n)
		case strings.HasPrefix(mode, "contended-"):
			procs, perr := strconv.Atoi(strings.TrimPrefix(mode, "contended-"))
			if perr != nil || procs < 1 {
				return fmt.Errorf("bad mode %q", mode)
			}
			r, err = contendedFloor(dir, procs, n)
		default:
			r, err = floorCounter(dir, mode, n)
		}
		if err == nil && r.Lost != 0 {
			err = fmt.Errorf("lost %d of %d updates", r.Lost, r.Expected)
		}
		return err
	}
	return fmt.Errorf("unknown mode %q", mode)
}
