//go:build linux

package pool_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/pool"
)

// leaveOpen opens path and returns with it open.
func leaveOpen(_ int, path string) error {
	_, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	return err
}

// leaveRunning returns with a goroutine of its own still running.
func leaveRunning(int) {
	go time.Sleep(time.Minute)
}

// finishCall lets every held call of w go until its call has ended.
func finishCall(t *testing.T, w *pool.Worker) pool.Result {
	t.Helper()
	calls := w.Gate.Calls()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case c, ok := <-calls:
			if !ok {
				calls = nil
				continue
			}
			if err := c.Release(); err != nil {
				t.Fatal(err)
			}
		case <-w.Done():
			return w.Result()
		case <-deadline:
			t.Fatal("the call did not end within 30s")
		}
	}
}

// A repeatable run makes its calls again in the same processes, held at
// the gate as the first time: the second run counts from no file to the
// same count as the first.
func TestAgainRunsTheCallsAgain(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	run, err := testPool(2).StartRepeatable(context.Background(), []string{file},
		pool.Task{Func: workbook.Work, Args: []any{2, file}}, pool.Task{Func: workbook.Work, Args: []any{3, file}})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Kill()
	if err := run.Again(); !errors.Is(err, pool.ErrNotAgain) || !strings.Contains(err.Error(), "has not returned") {
		t.Fatalf("Again before the calls ended: %v", err)
	}
	pids := []int{run.Workers[0].PID, run.Workers[1].PID}
	for round := range 3 {
		for _, w := range run.Workers {
			if r := finishCall(t, w); r.Err != nil {
				t.Fatalf("round %d: %v", round, r.Err)
			}
		}
		if data, _ := os.ReadFile(file); strings.TrimSpace(string(data)) != "5" {
			t.Fatalf("round %d: the counter holds %q", round, data)
		}
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		if round < 2 {
			if err := run.Again(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, w := range run.Workers {
		if w.PID != pids[i] {
			t.Errorf("worker %d: pid %d, was %d", i, w.PID, pids[i])
		}
	}
	results, err := run.Wait(time.Minute)
	if err != nil || len(results) != 2 {
		t.Fatal(results, err)
	}
}

// Again refuses a call that left a watched file open or a goroutine
// running, and a run started by Start.
func TestAgainRefusesWhatCarriesOver(t *testing.T) {
	file := filepath.Join(t.TempDir(), "counter.txt")
	for _, c := range []struct {
		task pool.Task
		want string
	}{
		{pool.Task{Func: leaveOpen, Args: []any{1, file}}, "left " + file + " open"},
		{pool.Task{Func: leaveRunning, Args: []any{1}}, "goroutine"},
	} {
		run, err := testPool(1).StartRepeatable(context.Background(), []string{file}, c.task)
		if err != nil {
			t.Fatal(err)
		}
		if r := finishCall(t, run.Workers[0]); r.Err != nil {
			t.Fatal(r.Err)
		}
		if err := run.Again(); !errors.Is(err, pool.ErrNotAgain) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Again: %v, want %q", err, c.want)
		}
		run.Kill()
	}
	run, err := testPool(1).Start(context.Background(), []string{file}, pool.Task{Func: workbook.Work, Args: []any{1, file}})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Kill()
	finishCall(t, run.Workers[0])
	if err := run.Again(); !errors.Is(err, pool.ErrNotAgain) || !strings.Contains(err.Error(), "StartRepeatable") {
		t.Errorf("Again of a run made by Start: %v", err)
	}
}
