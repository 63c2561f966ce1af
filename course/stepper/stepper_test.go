package stepper_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/runtime/cell"
)

// A stepper keeps its processes paused between calls, as between cells.
func TestStepperAcrossCalls(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	st, err := stepper.New(workbook.Work, []int{1, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer noneLeft(t)
	defer st.Close()
	if got := st.Next(); got != "A: read\nB: read" {
		t.Errorf("Next: %q", got)
	}
	for _, p := range []string{"A", "b", "A", "B", "A", "B"} {
		if _, err := st.Step(p); err != nil {
			t.Fatalf("step %s: %v", p, err)
		}
	}
	if _, err := st.Step("A"); err == nil || !strings.Contains(err.Error(), "process A has finished") {
		t.Errorf("a step of a finished process: %v", err)
	}
	if _, err := st.Step("Q"); err == nil || !strings.Contains(err.Error(), `no process "Q"`) {
		t.Errorf("unknown process: %v", err)
	}
	tr := st.Trace()
	if tr.Final != 1 || tr.Lost != 1 || !st.Done() || st.Next() != "A: ended\nB: ended" {
		t.Errorf("trace %+v, next %q", tr, st.Next())
	}
}

func TestStepperLockWaitsAndCloseStopsAll(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	st, err := stepper.New(workbook.WorkLocked, []int{1, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer noneLeft(t)
	for _, p := range []string{"A", "A"} { // A's lock, A's read
		if _, err := st.Step(p); err != nil {
			t.Fatal(err)
		}
	}
	_, err = st.Step("B")
	var be *stepper.BlockedError
	if !errors.As(err, &be) || be.Holder != "A" {
		t.Fatalf("B's lock while A holds it: %v", err)
	}
	if next := st.Next(); !strings.Contains(next, "B: lock (waits: A holds the lock)") || !strings.Contains(next, "A: truncate (holds the lock)") {
		t.Errorf("Next: %q", next)
	}
	st.Close()
	if _, err := st.Step("A"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("step after Close: %v", err)
	}
}

func TestStepperIdleBound(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	st, err := stepper.New(workbook.Work, []int{1, 1}, file, opts(stepper.Idle(200*time.Millisecond))...)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	noneLeft(t)
	if _, err := st.Step("A"); err == nil || !strings.Contains(err.Error(), "left alone") {
		t.Errorf("step after the idle bound: %v", err)
	}
}

func TestDeadlockIsReported(t *testing.T) {
	dir := t.TempDir()
	_, err := stepper.Replay(lockTwice, []int{1}, filepath.Join(dir, "counter.txt"), "A lock, A lock", opts()...)
	if err == nil || !strings.Contains(err.Error(), "waits for the lock, which A holds itself") {
		t.Errorf("%v", err)
	}
	noneLeft(t)
}

// A function that never touches the counter: named, within the bound.
func TestWorkThatNeverTouchesTheFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "counter.txt")
	_, err := stepper.Replay(idle, []int{1, 1}, file, "AB", opts()...)
	if err == nil || !strings.Contains(err.Error(), "stepper_test.idle(1, ") || !strings.Contains(err.Error(), "ended without touching") {
		t.Errorf("%v", err)
	}
	_, err = stepper.Replay(sleepy, []int{1}, file, "A", opts(stepper.OpWait(time.Second))...)
	if err == nil || !strings.Contains(err.Error(), "neither reached its first operation") {
		t.Errorf("%v", err)
	}
	noneLeft(t)
}

func TestBadArguments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	for _, tc := range []struct {
		work   any
		counts []int
		file   string
		want   string
	}{
		{nil, []int{1}, file, "not a function"},
		{func(string) error { return nil }, []int{1}, file, "the stepper runs work(maxCount int, filename string)"},
		{workbook.Work, nil, file, "no counts"},
		{workbook.Work, []int{-1}, file, "negative count"},
		{workbook.Work, []int{1}, "", "empty counter file name"},
		{workbook.Work, []int{1}, "/no/such/dir/c.txt", "no folder"},
	} {
		_, err := stepper.Replay(tc.work, tc.counts, tc.file, "A", opts()...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.counts, err, tc.want)
		}
	}
}

// Interrupting the cell during a step stops the processes; the trace so far
// stays.
func TestInterruptMidStep(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	st, err := stepper.New(slowAfterRead, []int{1, 1}, file, opts(stepper.OpWait(time.Minute))...)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, interrupt := context.WithCancelCause(context.Background())
	celltest.Run(t, ctx)
	time.AfterFunc(300*time.Millisecond, func() { interrupt(cell.ErrInterrupted) })
	_, err = st.Step("A")
	if !errors.Is(err, cell.ErrInterrupted) {
		t.Fatalf("interrupted step: %v", err)
	}
	for _, pid := range st.PIDs() {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Errorf("process %d still there", pid)
		}
	}
	if !strings.Contains(st.Next(), "stopped") {
		t.Errorf("Next: %q", st.Next())
	}
	noneLeft(t)
}

// A stepper the program no longer holds stops its processes once the
// garbage collector sees it (a notebook that assigns a new stepper to its
// variable).
func TestDroppedStepperStopsItsProcesses(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	st, err := stepper.New(workbook.Work, []int{1, 1}, file, opts()...)
	if err != nil {
		t.Fatal(err)
	}
	pids := st.PIDs()
	st = nil
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		runtime.GC()
		gone := 0
		for _, pid := range pids {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
				gone++
			}
		}
		if gone == len(pids) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("processes %v still there", pids)
}

// Steppers opened and closed leave no goroutine, descriptor or process.
func TestNoLeaks(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	fds := func() int {
		entries, _ := os.ReadDir("/proc/self/fd")
		return len(entries)
	}
	// One first, so that what stays for good (the runtime's poller) is
	// there before counting.
	if _, err := stepper.Replay(workbook.Work, []int{1, 1}, file, "AB", opts()...); err != nil {
		t.Fatal(err)
	}
	goroutines, descriptors := runtime.NumGoroutine(), fds()
	for range 3 {
		st, err := stepper.New(workbook.WorkLocked, []int{1, 1}, file, opts()...)
		if err != nil {
			t.Fatal(err)
		}
		st.Step("A")
		st.Step("B")
		st.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for (runtime.NumGoroutine() > goroutines || fds() > descriptors) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if g, d := runtime.NumGoroutine(), fds(); g > goroutines || d > descriptors {
		t.Errorf("goroutines %d (were %d), descriptors %d (were %d)", g, goroutines, d, descriptors)
	}
	noneLeft(t)
}
