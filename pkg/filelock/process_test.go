package filelock_test

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/golocks/golocks/pkg/filelock"
)

// runProcs runs procs helper processes in role on one counter and one lock
// file and returns the final count.
func runProcs(t testing.TB, role string, procs, n int) int {
	t.Helper()
	dir := t.TempDir()
	file, lock := filepath.Join(dir, "count.txt"), filepath.Join(dir, "tmp_lock")
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = helper(role, strconv.Itoa(n), file, lock)
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	got, err := readFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Processes locking per increment never lose an update, whatever their
// number.
func TestProcessesExact(t *testing.T) {
	const n = 300
	for _, procs := range []int{2, 4, 8} {
		for _, role := range []string{"lock-increment", "wrap-increment"} {
			t.Run(fmt.Sprintf("%s/%d", role, procs), func(t *testing.T) {
				if got := runProcs(t, role, procs, n); got != procs*n {
					t.Errorf("count %d, want %d", got, procs*n)
				}
			})
		}
	}
}

// A holder killed with SIGKILL never unlocks, yet the kernel releases its
// lock: the waiter gets it. Before the kill the timeout names the holder.
func TestKilledHolderReleases(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tmp_lock")
	cmd := startHolder(t, p)

	l := filelock.New(p)
	err := l.LockTimeout(100 * time.Millisecond)
	var te *filelock.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("lock held by another process: %v, want a *TimeoutError", err)
	}
	if runtime.GOOS == "linux" {
		if te.HolderPID != cmd.Process.Pid {
			t.Errorf("HolderPID = %d, want the holder %d (%v)", te.HolderPID, cmd.Process.Pid, err)
		}
		if pid, ok := filelock.Holder(p); !ok || pid != cmd.Process.Pid {
			t.Errorf("Holder = %d, %v; want %d", pid, ok, cmd.Process.Pid)
		}
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to unlock
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := l.LockTimeout(5 * time.Second); err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	// The waiter abandoned by the timeout above may take the lock after us,
	// but only for an instant: soon nobody holds it.
	deadline := time.Now().Add(2 * time.Second)
	for {
		pid, ok := filelock.Holder(p)
		if !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Holder long after Unlock = %d, want none", pid)
		}
		time.Sleep(time.Millisecond)
	}
}
