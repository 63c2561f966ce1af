package stepper

import (
	"fmt"
	"strconv"
	"strings"
)

// Where a number came from, besides a write (a write is its step's index).
const (
	fromStart = -1 // the number the counter held before the run (Trace.Start)
	fromZero  = -2 // 0, after a read that found no number (a Reset)
	fromNone  = -3 // nothing: a write with no read before it
)

// CountLost marks the writes whose increments are missing from the final
// count (Step.Lost, with Step.LostTo saying who wiped each out), and fills
// in Expected, Final and Lost where they are unset (zero). Call it once
// the run is over; calling it again gives the same marks.
//
// The rule is provenance, not a look at the next write: every read took
// its number from the write whose number was in the file then (or from
// the start, or from 0 after a reset: no file, an empty file); every write
// built on its own process's last read. The final number was written by
// the last write into the file. Following "built on" back from that write
// gives the writes whose increments the final count holds; every other
// write is lost, even one that a later write built on, if that write was
// lost too. So A writing 6, then reading 6 and writing 7 keeps A's 6 if 7
// is kept.
//
// Invariant: the number of steps marked Lost equals the increments made
// (the writes) less what the count rose by (Final - Start), on every
// schedule. Lost, Expected - Final, says the same for a finished run but
// for a reset that wiped out a non-zero Start: those Start updates were
// made before the run, so no step of it can be marked for them. (A run
// stopped before its processes made every increment has Lost count the
// increments not made too; the marks are the updates made and lost.)
func (t *Trace) CountLost() {
	steps := t.Steps
	parent := make([]int, len(steps)) // a write: what it built on
	lastRead := map[string]int{}      // a process: where its last read's number came from
	file := fromStart                 // what the file's number comes from now
	writes := 0
	for i := range steps {
		s := &steps[i]
		s.Lost, s.LostTo = false, ""
		switch s.Op {
		case Truncate:
			file = fromZero
		case Write:
			writes++
			p, ok := lastRead[s.Proc]
			if !ok {
				p = fromNone
			}
			parent[i] = p
			file = i
		case Read:
			lastRead[s.Proc] = t.source(i, file)
		}
	}

	// The chain from the final number back: the writes it holds.
	kept := map[int]bool{}
	for w := file; w >= 0; w = parent[w] {
		kept[w] = true
	}

	// lastHeld[w]: the last write whose number still held w's increment
	// (w itself, or a write that built on it, at any remove).
	lastHeld := map[int]int{}
	for i := range steps {
		if steps[i].Op != Write {
			continue
		}
		for a := i; a >= 0; a = parent[a] {
			lastHeld[a] = i
		}
	}
	for i := range steps {
		s := &steps[i]
		if s.Op != Write || kept[i] {
			continue
		}
		s.Lost = true
		s.LostTo = t.wipedBy(lastHeld[i], parent)
	}

	if t.Expected == 0 {
		t.Expected = t.Start + writes
		if len(t.Counts) > 0 {
			t.Expected = t.Start
			for _, c := range t.Counts {
				t.Expected += c
			}
		}
	}
	if t.Final == 0 {
		t.Final = t.finalCount(file)
	}
	if t.Lost == 0 {
		t.Lost = t.Expected - t.Final
	}
}

// source is where the number read by the read at index i came from, the
// file's number coming from file. The file model is the ops in order; a
// read whose number disagrees with it (a trace of coarser steps) is
// matched to the last write of that number before it, else the start.
func (t *Trace) source(i, file int) int {
	s := t.Steps[i]
	switch {
	case s.Reset != "" && file == fromStart && t.Start == 0:
		return fromStart // nothing written yet: the start's 0
	case s.Reset != "":
		return fromZero
	case file >= 0 && t.Steps[file].Value == s.Value:
		return file
	case file == fromStart && s.Value == t.Start:
		return fromStart
	}
	for j := i - 1; j >= 0; j-- {
		if w := t.Steps[j]; w.Op == Write && w.Value == s.Value {
			return j
		}
	}
	return fromStart
}

// wipedBy says who wiped out the increment last held by the write at
// index last: the first write after it (which built on something else),
// or, if none, the truncate that left the file empty.
func (t *Trace) wipedBy(last int, parent []int) string {
	for j := last + 1; j < len(t.Steps); j++ {
		w := t.Steps[j]
		if w.Op != Write {
			continue
		}
		text := fmt.Sprintf("%s wrote %d over it", w.Proc, w.Value)
		root := j
		for root >= 0 {
			root = parent[root]
		}
		if root == fromZero {
			text += ", counting again from 0"
		}
		return text
	}
	for j := len(t.Steps) - 1; j > last; j-- {
		if w := t.Steps[j]; w.Op == Truncate {
			return w.Proc + " emptied the file after it"
		}
	}
	return "the file lost it"
}

// finalCount is the number the counter holds after the last step: its
// File, or else what the last write into it wrote.
func (t *Trace) finalCount(file int) int {
	if n := len(t.Steps); n > 0 {
		if v, err := strconv.Atoi(strings.TrimSpace(t.Steps[n-1].File)); err == nil {
			return v
		}
	}
	switch {
	case file >= 0:
		return t.Steps[file].Value
	case file == fromStart:
		return t.Start
	}
	return 0
}
