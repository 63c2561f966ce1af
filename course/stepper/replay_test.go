package stepper_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
)

// The four classic schedules of two processes counting once each.
func TestReplayClassicSchedules(t *testing.T) {
	for _, tc := range []struct {
		schedule string
		final    int
		check    func(t *testing.T, tr *stepper.Trace)
	}{
		{"A3 B3", 2, nil},
		{"A read, B read, A write, B write", 1, func(t *testing.T, tr *stepper.Trace) {
			if got := tr.Schedule; got != "A read, B read, A truncate, A write, B truncate, B write" {
				t.Errorf("schedule %q", got)
			}
		}},
		{"A read, A truncate, B read, A write, B write", 1, func(t *testing.T, tr *stepper.Trace) {
			// B read the file A had just emptied: the seed's "File read
			// error", and B counts from 0.
			b := tr.Steps[2]
			if b.Proc != "B" || b.Op != stepper.Read || b.Reset != "an empty file" || b.Value != 0 {
				t.Errorf("B's read %+v", b)
			}
		}},
		{"BABABA", 1, nil},
	} {
		t.Run(tc.schedule, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "counter.txt")
			tr, err := stepper.Replay(workbook.Work, []int{1, 1}, file, tc.schedule, opts()...)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(tr)
			if tr.Final != tc.final || tr.Expected != 2 || tr.Lost != 2-tc.final {
				t.Fatalf("final %d expected %d lost %d: %s", tr.Final, tr.Expected, tr.Lost, b)
			}
			ends := 0
			for _, s := range tr.Steps {
				if s.Op == stepper.End {
					ends++
				}
			}
			if ends != 2 || len(tr.Steps) != 8 {
				t.Errorf("steps: %s", b)
			}
			if tc.check != nil {
				tc.check(t, tr)
			}
			t.Logf("%s", b)
		})
	}
}

func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "counter.txt")
	for _, tc := range []struct{ schedule, want string }{
		{"A read, C read", "no process C (there are A, B)"},
		{"A reed", `"reed"`},
		{"A read,, B read", "entry 2 is empty"},
		{"", "no steps"},
		{"A4", "process A has finished"},
		{"A read, A read", "has finished before a read"},
	} {
		_, err := stepper.Replay(workbook.Work, []int{1, 1}, file, tc.schedule, opts()...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want %q", tc.schedule, err, tc.want)
		}
	}
}

// A schedule that ends before the processes: the rest run to their end,
// and the trace says so.
func TestReplayFinishesWhatTheScheduleLeaves(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	tr, err := stepper.Replay(workbook.Work, []int{1, 1}, file, "A read, B read", opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Final != 1 || !strings.Contains(tr.Note, "finished in order A, B") {
		t.Errorf("final %d note %q", tr.Final, tr.Note)
	}
}

// A process that waits for the lock is not moved: the error says who holds
// it, and the trace shows the wait.
func TestReplayBlockedOnTheLock(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	tr, err := stepper.Replay(workbook.WorkLocked, []int{1, 1}, file, "A lock, B lock", opts()...)
	var be *stepper.BlockedError
	if !errors.As(err, &be) || be.Proc != "B" || be.Holder != "A" || !strings.Contains(err.Error(), "B waits for the lock, which A holds") {
		t.Fatalf("err %v", err)
	}
	last := tr.Steps[len(tr.Steps)-1]
	if last.Lock != "A" || len(last.Waiting) != 1 || last.Waiting[0] != "B" {
		t.Errorf("last step %+v", last)
	}
	// Run whole, in turn, it is exact.
	tr, err = stepper.Replay(workbook.WorkLocked, []int{2, 2}, file, "A lock, A unlock, B read", opts()...)
	if err != nil || tr.Final != 4 {
		t.Fatalf("%v %+v", err, tr)
	}
}
