package stepper_test

import (
	"path/filepath"
	"reflect"
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
	if err == nil || !strings.Contains(err.Error(), "more than") || !strings.Contains(err.Error(), "interleavings") {
		t.Fatal(err)
	}
}
