//go:build linux

package pool_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/gate"
	"github.com/golocks/golocks/runtime/pool"
)

// nextCall is the next held call of w, nil once it has gone.
func nextCall(t *testing.T, w *pool.Worker) *gate.Call {
	t.Helper()
	select {
	case c := <-w.Gate.Calls():
		return c
	case <-time.After(30 * time.Second):
		t.Fatal("no held call within 30s")
	}
	return nil
}

// Two gated workers run the workbook's Work one after the other, as the
// caller lets their file calls go: no update is lost.
func TestStartHoldsEachFileCall(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "counter.txt")
	p := testPool(2)
	run, err := p.Start(context.Background(), []string{file},
		pool.Task{Func: workbook.Work, Args: []any{2, file}}, pool.Task{Func: workbook.Work, Args: []any{2, file}})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Kill()
	// B is held at its first call while A runs to its end.
	b := nextCall(t, run.Workers[1])
	if b == nil || b.Path != file {
		t.Fatalf("B's first held call %v", b)
	}
	kinds := map[gate.Kind]int{}
	for c := nextCall(t, run.Workers[0]); c != nil; c = nextCall(t, run.Workers[0]) {
		kinds[c.Kind]++
		if err := c.Release(); err != nil {
			t.Fatal(err)
		}
	}
	if kinds[gate.Write] != 2 || kinds[gate.Stat] < 2 {
		t.Errorf("A's held calls: %v", kinds)
	}
	if data, _ := os.ReadFile(file); strings.TrimSpace(string(data)) != "2" {
		t.Fatalf("after A: %q", data)
	}
	b.Release()
	for c := nextCall(t, run.Workers[1]); c != nil; c = nextCall(t, run.Workers[1]) {
		c.Release()
	}
	results, err := run.Wait(time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(file); strings.TrimSpace(string(data)) != "4" {
		t.Fatalf("after B: %q", data)
	}
	for _, r := range results {
		if r.PID == 0 {
			t.Errorf("%+v", r)
		}
	}
}

// Kill leaves no worker behind, even one held at a call.
func TestKillingAGatedRun(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "counter.txt")
	run, err := testPool(2).Start(context.Background(), []string{file},
		pool.Task{Func: workbook.Work, Args: []any{1, file}}, pool.Task{Func: workbook.Work, Args: []any{1, file}})
	if err != nil {
		t.Fatal(err)
	}
	nextCall(t, run.Workers[0])
	pids := []int{run.Workers[0].PID, run.Workers[1].PID}
	run.Kill()
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); err == nil {
			t.Errorf("worker %d still there", pid)
		}
	}
	results, err := run.Wait(time.Second)
	if err == nil || !strings.Contains(results[0].Err.Error(), "killed") {
		t.Errorf("results %+v, %v", results, err)
	}
}

func TestStartRefusesMoreTasksThanProcs(t *testing.T) {
	_, err := testPool(1).Start(context.Background(), []string{"x"},
		pool.Task{Func: workbook.Work, Args: []any{1, "x"}}, pool.Task{Func: workbook.Work, Args: []any{1, "x"}})
	if err == nil || !strings.Contains(err.Error(), "a process per task") {
		t.Fatal(err)
	}
}
