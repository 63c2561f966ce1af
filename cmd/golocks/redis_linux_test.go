package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/redistest"
)

// SIGINT or SIGTERM to golocks redis while its workers count on its private
// server: it stops them and the server, says so in one line and exits 130
// or 143. The sandbox checks that no process (the redis-server included)
// and nothing in TMPDIR (the server's folder) is left.
func TestRedisSignalStopsTheRun(t *testing.T) {
	redistest.Need(t)
	s := newSandbox(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		r := s.golocks(t, runOpts{started: func(cmd *exec.Cmd) {
			waitRedisWorking(t, cmd.Process.Pid)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
		}}, "redis", "--procs", "2", "--count", "50000000", "--mode", "lock")
		t.Logf("%v: exit %d, stderr %q", sig, r.code, r.stderr)
		want := fmt.Sprintf("golocks redis: stopped by %s: the workers were stopped, the private redis-server too; no result", signalName(sig))
		if r.code != 128+int(sig) || r.stdout != "" || strings.TrimSpace(r.stderr) != want {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", sig, r.code, r.stdout, r.stderr, 128+int(sig), want)
		}
	}
}

// golocks redis killed outright (SIGKILL) cannot stop anything itself: its
// workers and its private redis-server die with it all the same.
func TestKilledRedisTakesItsServer(t *testing.T) {
	redistest.Need(t)
	cmd := exec.Command(os.Args[0], "redis", "--procs", "2", "--count", "50000000", "--mode", "incr")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", "TMPDIR="+t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	procs := waitRedisWorking(t, cmd.Process.Pid)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Within a bound (not a speed: 30 s), none of them runs.
	deadline := time.Now().Add(30 * time.Second)
	for _, pid := range procs {
		for running(pid) {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("process %d (%s) still running 30s after golocks redis was killed", pid, comm(pid))
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// waitRedisWorking waits, within a bound, until golocks (pid) runs its
// redis-server and two workers, and returns their pids.
func waitRedisWorking(t *testing.T, pid int) []int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		kids := children(pid)
		servers := 0
		for _, k := range kids {
			if comm(k) == "redis-server" {
				servers++
			}
		}
		if servers == 1 && len(kids) == 3 {
			return kids
		}
		if time.Now().After(deadline) {
			t.Fatalf("golocks redis: no server and two workers after a minute (children %v)", kids)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// comm is a process's command name, "" if it is gone.
func comm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}
