//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 16, item 5: SIGINT (Ctrl-C) or SIGTERM sent to golocks alone, as a
// terminal or kill would, while its workers count: it stops them, removes
// the run's temp folder (and the temp files killed crash-safe writers
// left), says so in one line and exits 130 or 143. The sandbox checks that
// no process and nothing in TMPDIR is left. (SIGKILL: see
// TestKilledCountTakesItsWorkers.)
func TestSignalStopsTheRun(t *testing.T) {
	s := newSandbox(t)
	own := s.mkdir(t, filepath.Join(s.dir, "own"), false)
	file, lock := filepath.Join(own, "counter.txt"), filepath.Join(own, "counter.lock")
	runs := [][]string{
		{"count", "--counts", "100000000,100000000", "--quiet"},
		{"count", "--counts", "100000000,100000000", "--quiet", "--file", file, "--lock", "file",
			"--lock-file", lock, "--granularity", "increment", "--crash-safe"},
		{"shared", "--procs", "2", "--count", "400000000000", "--mode", "locked"},
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		for _, args := range runs {
			name := fmt.Sprintf("%v to golocks %s", sig, strings.Join(args, " "))
			r := s.golocks(t, runOpts{started: func(cmd *exec.Cmd) {
				waitWorking(t, cmd, args[0] == "count")
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}}, args...)
			want := fmt.Sprintf("golocks %s: stopped by %s", args[0], signalName(sig))
			if r.code != 128+int(sig) || r.stdout != "" || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "the workers were stopped") {
				t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and one line %q...", name, r.code, r.stdout, r.stderr, 128+int(sig), want)
			}
			// In a folder of the user's own, the counter and the lock file
			// stay, and nothing else.
			entries, _ := os.ReadDir(own)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if slices.Contains(args, "--file") && !slices.Equal(names, []string{"counter.lock", "counter.txt"}) {
				t.Errorf("%s: the counter's folder holds %v, want the counter and its lock", name, names)
			}
			os.Remove(file)
		}
	}
}

// waitWorking waits, within a bound, until golocks' two workers run and,
// for count, the counter file has been written.
func waitWorking(t *testing.T, cmd *exec.Cmd, counting bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		workers := children(cmd.Process.Pid)
		files, _ := filepath.Glob(filepath.Join(cmd.Dir, "tmp", "golocks-count-*", "parallel.txt"))
		own, _ := filepath.Glob(filepath.Join(cmd.Dir, "own", "counter.txt"))
		if len(workers) == 2 && (!counting || len(files)+len(own) > 0) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no two workers working after a minute (workers %v)", workers)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
