package stepper_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
)

// Every schedule of two processes counting once, against the count by
// hand. Each process reads (R), truncates (T) and writes (W). Of the 20
// orders of RA TA WA and RB TB WB, the 12 that start with both reads come
// in 6 pairs that differ only in the order of the two reads, which commute:
// 14 distinct schedules.
//   - Both read first (6): both read nothing and write 1: final 1.
//   - A reads first and B reads later (4): RA TA, then WA before RB
//     (A runs whole, then B: final 2), or B reads the file A emptied and
//     counts from 0 (RB before WA: 3 places for WA among RB TB WB: final 1).
//   - B first, the same: 1 × final 2, 3 × final 1.
//
// So 14 schedules: 12 end at 1, 2 at 2.
func TestEveryTwoByOne(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	start := time.Now()
	sum, err := stepper.Every(workbook.Work, []int{1, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d schedules in %v", sum.Schedules, time.Since(start))
	if want := map[int]int{1: 12, 2: 2}; sum.Schedules != 14 || !reflect.DeepEqual(sum.Finals, want) {
		t.Fatalf("%d schedules, finals %v; want 14, %v", sum.Schedules, sum.Finals, want)
	}
	if sum.Exact || sum.ShortestLosing == "" {
		t.Fatalf("%+v", sum)
	}
	// The shortest losing schedule replays to a loss.
	tr, err := stepper.Replay(workbook.Work, []int{1, 1}, file, sum.ShortestLosing, opts()...)
	if err != nil || tr.Final != 1 {
		t.Fatalf("replay of %q: %v, %+v", sum.ShortestLosing, err, tr)
	}
	seen := map[string]bool{}
	for _, tr := range sum.Traces {
		if seen[tr.Schedule] {
			t.Errorf("schedule %q twice", tr.Schedule)
		}
		seen[tr.Schedule] = true
		if tr.Lost != tr.Expected-tr.Final {
			t.Errorf("%q: lost %d", tr.Schedule, tr.Lost)
		}
	}
}

// With the lock held for the whole call every schedule is exact: one
// process's call, then the other's.
func TestEveryLockedIsExact(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	sum, err := stepper.Every(workbook.WorkLocked, []int{2, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Exact || sum.Schedules < 2 || sum.Finals[3] != sum.Schedules || sum.ShortestLosing != "" || sum.Deadlocks != 0 {
		for _, tr := range sum.Traces {
			t.Log(tr.Schedule)
		}
		t.Fatalf("%+v", sum)
	}
}

func TestEveryRefusesTooMany(t *testing.T) {
	_, err := stepper.Every(workbook.Work, []int{5, 5}, filepath.Join(t.TempDir(), "c.txt"), opts()...)
	if err == nil || !strings.Contains(err.Error(), "more than 100000 distinct schedules") || !strings.Contains(err.Error(), "orders of their steps") {
		t.Fatal(err)
	}
	_, err = stepper.Every(workbook.Work, []int{3, 1, 1}, filepath.Join(t.TempDir(), "c.txt"), opts()...)
	if err == nil || !strings.Contains(err.Error(), ": 43484 distinct schedules (of ") {
		t.Fatal(err)
	}
}

// The labels' property (issue 20, item 4) over every schedule of 2 × 2:
// the writes a trace marks lost are exactly the increments the final count
// lacks (Trace.CountLost, lost.go).
func TestLostLabelsOverEverySchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 546 schedules")
	}
	file := filepath.Join(t.TempDir(), "counter.txt")
	lossy, err := stepper.Replay(workbook.Work, []int{1, 1}, file, "A read, B read, A write, B write", opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(lossy.Steps, func(s stepper.Step) bool { return s.Lost }) {
		t.Fatalf("%q loses an update but marks no step lost", lossy.Schedule)
	}
	sum, err := stepper.Every(workbook.Work, []int{2, 2}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range sum.Traces {
		n := 0
		for _, s := range tr.Steps {
			if s.Lost {
				n++
				if s.Op != stepper.Write {
					t.Errorf("%q: a %s marked lost", tr.Schedule, s.Op)
				}
			}
		}
		if n != tr.Expected-tr.Final || tr.Lost != n {
			t.Errorf("%q: %d writes marked lost, Lost %d, but %d - %d", tr.Schedule, n, tr.Lost, tr.Expected, tr.Final)
		}
	}
}

// With the lock taken around each increment the processes interleave
// between increments, and every schedule is still exact.
func TestEveryLockedPerIncrementIsExact(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	sum, err := stepper.Every(workbook.WorkLockedPerIncrement, []int{2, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Exact || sum.Finals[3] != sum.Schedules || sum.Deadlocks != 0 {
		t.Fatalf("%+v", sum)
	}
	// A takes the lock twice: B can go in between.
	between := false
	for _, tr := range sum.Traces {
		if strings.Contains(tr.Schedule, "A unlock, B lock") && strings.Contains(tr.Schedule, "B unlock, A lock") {
			between = true
		}
	}
	if !between {
		t.Errorf("no schedule lets B in between A's increments")
	}
	t.Logf("%d schedules", sum.Schedules)
}

// A two-argument work that takes its own lock (the notebook's
// workLockedEach) is held at its lock too: the schedule that loses an
// update without a lock waits instead, and every schedule is exact.
func TestOwnLockIsStepped(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	_, err := stepper.Replay(ownLock, []int{1, 1}, file, "A lock, A read, B lock", opts()...)
	var blocked *stepper.BlockedError
	if !errors.As(err, &blocked) {
		t.Fatalf("B locking while A holds the lock: err = %v, want a BlockedError", err)
	}
	sum, err := stepper.Every(ownLock, []int{1, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Exact || len(sum.Finals) != 1 || sum.Finals[2] == 0 {
		t.Errorf("every schedule of a locked work: finals %v, exact %v; want all 2", sum.Finals, sum.Exact)
	}
}
