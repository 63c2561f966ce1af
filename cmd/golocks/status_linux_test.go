//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Issue 16, item 6: a run whose workers fail prints no result, neither the
// line nor a JSON object that could be taken for one, and exits non-zero.
// As a user who may not write there: a counter in a folder it cannot
// create files in is refused before anything runs (exit 2); a counter that
// becomes unwritable while the workers count fails the run (exit 1).
func TestFailedRunPrintsNoResult(t *testing.T) {
	s := newSandbox(t)
	perm := s.mkdir(t, filepath.Join(s.dir, "perm"), false) // root's, when the test is root
	if os.Getuid() != 0 {
		os.Chmod(perm, 0o555)
		defer os.Chmod(perm, 0o755)
	}
	for _, json := range []bool{false, true} {
		args := []string{"count", "--counts", "10", "--quiet", "--file", filepath.Join(perm, "new.txt")}
		if json {
			args = append(args, "--json")
		}
		r := s.golocks(t, runOpts{asUser: true}, args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "cannot be created in "+perm+": permission denied") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, no result, one line saying why", args, r.code, r.stdout, r.stderr)
		}
	}

	own := s.mkdir(t, filepath.Join(s.dir, "own"), true)
	file := filepath.Join(own, "counter.txt")
	for _, json := range []bool{false, true} {
		args := []string{"count", "--counts", "100000000,100000000", "--quiet", "--file", file}
		if json {
			args = append(args, "--json")
		}
		r := s.golocks(t, runOpts{asUser: true, started: func(cmd *exec.Cmd) {
			// Once the workers count, the counter becomes read-only.
			deadline := time.Now().Add(time.Minute)
			for {
				if _, err := os.Stat(file); err == nil && len(children(cmd.Process.Pid)) == 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("no counting after a minute")
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err := os.Chmod(file, 0o444); err != nil {
				t.Fatal(err)
			}
		}}, args...)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "permission denied") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1, no result, one line saying why", args, r.code, r.stdout, r.stderr)
		}
		os.Remove(file)
	}
}

// Issue 16, item 7: golocks worker follows the one rule of exit statuses
// (pool.Serve's): 2 when no call was made, which a usage error is.
func TestWorkerExitStatus(t *testing.T) {
	s := newSandbox(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"worker"}, "golocks worker: not started by a pool"},
		{[]string{"worker", "work", "5", "f"}, `golocks worker: takes no arguments`},
		{[]string{"worker", "--help"}, `golocks worker: takes no arguments`},
		{[]string{"worker", "shared", "5", "bogus", "p"}, `golocks worker: takes no arguments`},
	} {
		r := s.golocks(t, runOpts{}, c.args...)
		if r.code != 2 || r.stdout != "" || !strings.HasPrefix(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2, one line %q...", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
}
