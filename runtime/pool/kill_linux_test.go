//go:build linux

package pool_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/internal/reexec"
	"github.com/golocks/golocks/runtime/cell"
	"github.com/golocks/golocks/runtime/pool"
)

// An interrupted cell kills every worker, and what they started.
func TestInterruptKillsEveryWorker(t *testing.T) {
	ctx, interrupt := context.WithCancelCause(context.Background())
	celltest.Run(t, ctx)
	testKillsEverything(t, func(p *pool.Pool, tasks []pool.Task) error {
		_, err := p.Run(tasks...)
		return err
	}, func() { interrupt(cell.ErrInterrupted) }, cell.ErrInterrupted)
}

func TestCancelledContextKillsEveryWorker(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	testKillsEverything(t, func(p *pool.Pool, tasks []pool.Task) error {
		_, err := p.RunContext(ctx, tasks...)
		return err
	}, cancel, context.Canceled)
}

func testKillsEverything(t *testing.T, run func(*pool.Pool, []pool.Task) error, stop func(), cause error) {
	dir := t.TempDir()
	tasks := []pool.Task{{Func: hang, Args: []any{0, dir, true}}, {Func: hang, Args: []any{1, dir, true}}, {Func: hang, Args: []any{2, dir, true}}}
	done := make(chan error, 1)
	go func() { done <- run(testPool(2), tasks) }()
	pids := waitForPIDs(t, dir, "worker-0", "worker-1", "child-0", "child-1")
	stop()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the run did not return within a minute of being stopped")
	}
	if !errors.Is(err, cause) || strings.Count(err.Error(), "killed: ") != 2 || !strings.Contains(err.Error(), "(2, ") {
		t.Errorf("err = %v, want two calls killed and one not started, wrapping %v", err, cause)
	}
	waitDead(t, pids...)
}

// A parent killed outright (SIGKILL: no chance to clean up) takes its
// workers with it: the parent-death signal.
func TestWorkersDieWithTheirParent(t *testing.T) {
	dir := t.TempDir()
	parent := reexec.Command("parent", dir)
	parent.Stdout, parent.Stderr = os.Stderr, os.Stderr
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Wait()
	defer parent.Process.Kill()
	pids := waitForPIDs(t, dir, "worker-0", "worker-1")
	if err := parent.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitDead(t, pids...)
}

// waitForPIDs waits (at most a minute) until each named file in dir holds
// a pid, and returns them.
func waitForPIDs(t *testing.T, dir string, names ...string) []int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var pids []int
	for _, name := range names {
		for {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil {
				pid, err := strconv.Atoi(string(b))
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				pids = append(pids, pid)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s after a minute", name)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return pids
}

// waitDead waits (at most 30 s: a bound, not a speed) until no process
// with these pids runs. A zombie counts as dead: it runs nothing, and its
// new parent may not reap it at once. Any still running at the bound are
// killed, so that the test leaves nothing behind, and the test fails.
func waitDead(t *testing.T, pids ...int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, pid := range pids {
		for running(pid) {
			if time.Now().After(deadline) {
				t.Errorf("process %d still running 30s after its parent ended", pid)
				syscall.Kill(pid, syscall.SIGKILL)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// running reports whether pid is a live process (not a zombie).
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}
