package stepper_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
)

// leavesRunning is the workbook's work, but it leaves a goroutine of its
// own running when it returns: its processes cannot be made again.
func leavesRunning(maxCount int, filename string) error {
	go time.Sleep(time.Minute)
	return workbook.Work(maxCount, filename)
}

// Every makes its runs in processes made again (pool.GatedRun.Again), and
// each run's trace is the one a run in fresh processes gives: every
// schedule of 2 × 1, without and with a lock, replayed in fresh processes
// (Replay starts them), step for step.
func TestEveryRunsAgainAsFresh(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	for _, work := range []any{workbook.Work, ownLock} {
		sum, err := stepper.Every(work, []int{1, 1}, file, opts()...)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Fresh != "" {
			t.Errorf("runs made in fresh processes: %s", sum.Fresh)
		}
		for _, tr := range sum.Traces {
			fresh, err := stepper.Replay(work, []int{1, 1}, file, tr.Schedule, opts()...)
			if err != nil {
				t.Fatalf("%q: %v", tr.Schedule, err)
			}
			if !reflect.DeepEqual(fresh.Steps, tr.Steps) || fresh.Final != tr.Final {
				t.Errorf("%q: made again\n%+v\nfresh\n%+v", tr.Schedule, tr.Steps, fresh.Steps)
			}
		}
	}
	noneLeft(t)
}

// A work that leaves a goroutine running is run in fresh processes each
// time: the same schedules, and the summary says why.
func TestEveryFallsBackToFreshProcesses(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	sum, err := stepper.Every(leavesRunning, []int{1, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int]int{1: 12, 2: 2}; sum.Schedules != 14 || !reflect.DeepEqual(sum.Finals, want) {
		t.Errorf("%d schedules, finals %v; want 14, %v", sum.Schedules, sum.Finals, want)
	}
	if !strings.Contains(sum.Fresh, "goroutine") {
		t.Errorf("Fresh %q", sum.Fresh)
	}
	noneLeft(t)
}

// Every schedule of 3 processes counting once (issue 20 asks for 3 × 1):
// 762 of them; each loses what its labels say, and at least one process's
// increment survives.
func TestEveryThreeByOne(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 762 schedules")
	}
	file := filepath.Join(t.TempDir(), "counter.txt")
	sum, err := stepper.Every(workbook.Work, []int{1, 1, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Schedules != 762 || sum.Finals[3] == 0 || sum.Finals[1] == 0 || sum.Finals[1]+sum.Finals[2]+sum.Finals[3] != 762 {
		t.Fatalf("%d schedules, finals %v", sum.Schedules, sum.Finals)
	}
	for _, tr := range sum.Traces {
		if tr.Lost != tr.Expected-tr.Final {
			t.Errorf("%q: lost %d, final %d", tr.Schedule, tr.Lost, tr.Final)
		}
	}
	noneLeft(t)
}

// The workbook's compiled lockedWork takes the lock before it looks at
// the counter, as the seed's lockedWork does: each process's first step
// is its lock.
func TestWorkLockedLocksFirst(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	tr, err := stepper.Replay(workbook.WorkLocked, []int{1, 1}, file, "A, B", opts()...)
	var blocked *stepper.BlockedError
	if !errors.As(err, &blocked) || blocked.Proc != "B" {
		t.Fatalf("B's first step while A holds the lock: %v", err)
	}
	if len(tr.Steps) != 1 || tr.Steps[0].Op != stepper.Lock {
		t.Fatalf("steps %+v, want A's lock first", tr.Steps)
	}
	tr, err = stepper.Replay(workbook.WorkLocked, []int{1, 1}, file, "A5 B5", opts()...)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, s := range tr.Steps {
		ops = append(ops, s.Proc+" "+string(s.Op))
	}
	want := "A lock, A read, A truncate, A write, A unlock, A end, B lock, B read, B truncate, B write, B unlock, B end"
	if got := strings.Join(ops, ", "); got != want || tr.Final != 2 {
		t.Errorf("steps %s, final %d; want %s, 2", got, tr.Final, want)
	}
}

// KeepTraces(false) leaves the traces out, and counts the same.
func TestEveryWithoutTraces(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	sum, err := stepper.Every(workbook.Work, []int{1, 1}, file, opts(stepper.KeepTraces(false))...)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[int]int{1: 12, 2: 2}; sum.Schedules != 14 || !reflect.DeepEqual(sum.Finals, want) || len(sum.Traces) != 0 || sum.ShortestLosing == "" {
		t.Errorf("%+v", sum)
	}
}
