//go:build linux

package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// nprocEnv and nofileEnv ask a run of golocks to lower its own limit on
// processes (ulimit -u) or open files (ulimit -n) to this many before
// anything else, as `ulimit -u N; golocks ...` would; its workers inherit
// the limit.
const (
	nprocEnv  = "GOLOCKS_TEST_NPROC"
	nofileEnv = "GOLOCKS_TEST_NOFILE"
)

func init() {
	if os.Getenv("GOLOCKS_TEST_AS_MAIN") != "1" {
		return
	}
	for env, resource := range map[string]int{nprocEnv: unix.RLIMIT_NPROC, nofileEnv: unix.RLIMIT_NOFILE} {
		if n, err := strconv.ParseUint(os.Getenv(env), 10, 64); err == nil {
			if err := unix.Setrlimit(resource, &unix.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "test: setrlimit:", err)
				os.Exit(3)
			}
		}
	}
}

// Issue 16, item 3: --procs is capped by what the machine and the user's
// limits can run, and refused beyond in one line that names the cap. At the
// cap a run works: no process is refused a thread or a descriptor, so no Go
// runtime trace (the sandbox checks every run's stderr for one).
func TestProcsCapUnderProcessLimit(t *testing.T) {
	// ulimit -u counts every process and thread of the user. As root the
	// sandbox's user is new and runs nothing else, so the cap is fixed;
	// as anyone else it is the user running the test, whose other test
	// packages (go test runs them side by side) come and go between the
	// runs below and move the cap under them.
	if os.Getuid() != 0 {
		t.Skip("ulimit -u counts all this user's processes, which parallel test packages change: run as root (make test, CI), where the test's user is new")
	}
	testProcsCap(t, newSandbox(t), nprocEnv, 150, "processes and threads (ulimit -u)")
}

// The same with 80 open files (ulimit -n), which each worker's pipes take.
func TestProcsCapUnderFileLimit(t *testing.T) {
	testProcsCap(t, newSandbox(t), nofileEnv, 80, "files (ulimit -n)")
}

// testProcsCap runs golocks with the limit set by env to n: too many
// processes are refused naming the cap, which works.
func testProcsCap(t *testing.T, s *sandbox, env string, n int, what string) {
	o := runOpts{asUser: true, env: []string{fmt.Sprintf("%s=%d", env, n)}}
	r := s.golocks(t, o, "shared", "--procs", "100000", "--count", "1")
	m := regexp.MustCompile(`^golocks shared: --procs 100000: at most (\d+) here: this (user|process) may (run|open) \d+ ` + regexp.QuoteMeta(what)).FindStringSubmatch(r.stderr)
	if r.code != 2 || r.stdout != "" || m == nil {
		t.Fatalf("shared --procs 100000 under a limit of %d %s: exit %d, stdout %q, stderr %q; want exit 2 and one line naming the cap", n, what, r.code, r.stdout, r.stderr)
	}
	max, _ := strconv.Atoi(m[1])
	if max < 2 || max > n/4 {
		t.Fatalf("cap %d under a limit of %d: want room for a race and no more than the limit allows", max, n)
	}
	t.Logf("a limit of %d %s: --procs at most %d", n, what, max)

	for _, args := range [][]string{
		{"shared", "--procs", strconv.Itoa(max + 1), "--count", "1"},
		{"count", "--procs", strconv.Itoa(max + 1), "--counts", "1,1"},
	} {
		r := s.golocks(t, o, args...)
		if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, fmt.Sprintf(": at most %d here: ", max)) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 naming the cap %d", args, r.code, r.stdout, r.stderr, max)
		}
	}

	// At the cap, all the workers run at once, and the count is exact.
	counts := strings.TrimSuffix(strings.Repeat("50,", max), ",")
	for _, args := range [][]string{
		{"shared", "--procs", strconv.Itoa(max), "--count", "20000", "--mode", "atomic"},
		{"count", "--procs", strconv.Itoa(max), "--counts", counts, "--lock", "file", "--quiet"},
	} {
		r := s.golocks(t, o, args...)
		want := fmt.Sprintf("expected %d got %[1]d lost 0 ", max*20000)
		if args[0] == "count" {
			want = fmt.Sprintf("expected %d got %[1]d lost 0 ", max*50)
		}
		if r.code != 0 || !strings.HasPrefix(r.stdout, want) || r.stderr != "" {
			t.Errorf("%v at the cap: exit %d, stdout %q, stderr %.300q; want %q", args[:3], r.code, r.stdout, r.stderr, want)
		}
	}
}
