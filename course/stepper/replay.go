package stepper

import (
	"errors"
	"fmt"
	"strings"
)

// DefaultMaxSchedules bounds how many schedules Every runs: enough for
// every schedule of 2 processes counting 3 each (23,888) and of 3
// counting once (762), the largest counts issue 20 asks for.
const DefaultMaxSchedules = 25000

// Replay runs work in one process per count (see New), in the order the
// schedule says, and returns the trace. A schedule is text: the long form
// "A read, B read, A write, B write" (an entry naming an operation runs
// that process up to and including its next operation of that kind: "A
// write" does A's truncate, then its write), or the short forms "ABAB"
// (one step each) and "A3 B3" (three steps each). When the schedule ends
// before the processes do, the rest are run to their end in order A, B,
// ... (each as far as it can go; the trace's Note says so). A step that
// cannot be made (a process that waits for the lock, or has finished) is
// an error that says so, with the trace up to it.
func Replay(work any, counts []int, filename, schedule string, opts ...Option) (*Trace, error) {
	s, err := newSetup(work, counts, filename, opts)
	if err != nil {
		return nil, err
	}
	entries, err := parseSchedule(schedule, s.procs)
	if err != nil {
		return nil, &ScheduleError{Err: err}
	}
	st, err := s.start()
	if err != nil {
		return nil, err
	}
	defer st.Close()
	st.mu.Lock()
	defer st.mu.Unlock()
	for i, e := range entries {
		if err := st.entry(e); err != nil {
			return st.snapshot(), fmt.Errorf("stepper: schedule entry %d (%s): %w", i+1, e, err)
		}
	}
	st.trace.Schedule = longForm(st.trace.Steps)
	if err := st.finish(); err != nil {
		return st.snapshot(), err
	}
	return st.snapshot(), nil
}

// A ScheduleError is a schedule that cannot be read: nothing was run.
type ScheduleError struct{ Err error }

func (e *ScheduleError) Error() string { return "stepper: " + e.Err.Error() }
func (e *ScheduleError) Unwrap() error { return e.Err }

// entry runs one schedule entry.
func (st *machine) entry(e entry) error {
	p, err := st.proc(e.Proc)
	if err != nil {
		return err
	}
	if e.Op == "" {
		for range e.N {
			if p.ended {
				return fmt.Errorf("process %s has finished", p.name)
			}
			if _, err := st.step(p); err != nil {
				return unwrapStepper(err)
			}
		}
		return nil
	}
	for {
		if p.ended {
			return fmt.Errorf("process %s has finished before a %s", p.name, e.Op)
		}
		op := p.next
		if _, err := st.step(p); err != nil {
			return unwrapStepper(err)
		}
		if op == e.Op {
			return nil
		}
	}
}

// unwrapStepper drops a "stepper: " prefix an inner error has.
func unwrapStepper(err error) error {
	var be *BlockedError
	if errors.As(err, &be) {
		return err
	}
	if s := err.Error(); strings.HasPrefix(s, "stepper: ") {
		return errors.New(strings.TrimPrefix(s, "stepper: "))
	}
	return err
}

// finish runs the processes the schedule left unfinished to their end, in
// order A, B, ...: each in turn, as far as it can go, until all have
// ended; a deadlock is an error. It notes what it did in the trace.
func (st *machine) finish() error {
	var left []string
	for _, p := range st.procs {
		if !p.ended {
			left = append(left, p.name)
		}
	}
	if len(left) == 0 {
		return nil
	}
	st.trace.Note = fmt.Sprintf("the schedule ended before %s did: finished in order %s", strings.Join(left, ", "), strings.Join(st.s.procs, ", "))
	for {
		moved := false
		for _, p := range st.procs {
			for !p.ended && !st.blocked(p) {
				if _, err := st.step(p); err != nil {
					return err
				}
				moved = true
			}
		}
		if err := st.deadlock(); err != nil {
			return fmt.Errorf("stepper: %w", err)
		}
		if !moved {
			return nil
		}
	}
}

// finishQuietly runs the processes to their end as finish does, with mu
// held, for a run whose trace is not wanted (Every's dead ends).
func (st *machine) finishQuietly() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed != nil {
		return st.closed
	}
	return st.finish()
}
