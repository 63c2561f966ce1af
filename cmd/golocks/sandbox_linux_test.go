//go:build linux

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests of what a user may type run golocks as the user would: a
// process of its own (so that a run that hangs is killed at a bound, not
// the test binary with it), as root where the test runs as root, or as
// another, unprivileged user where the case needs one.

// testRunBound bounds every run of golocks in these tests. The runs end in a
// second or two; a run still going at the bound hangs (a FIFO's open) and
// fails the test. It is not a speed: a busy machine takes longer.
const testRunBound = 2 * time.Minute

// A sandbox is a folder of one test's own that an unprivileged user can
// reach: golocks copied into it (the test binary's own folder is private
// to root), the runs' TMPDIR, and the test's files.
type sandbox struct {
	dir string // the folder, mode 0755
	bin string // the golocks binary (this test binary, which runs main when asked)
	tmp string // TMPDIR of the runs: empty after every run

	// uid and gid are the unprivileged user's: a user of the test's own,
	// whose processes only this test starts (so that counting them, for
	// ulimit -u, counts only ours), or the test's own user when it does
	// not run as root.
	uid, gid int
}

// newSandbox makes a sandbox, removed when the test ends.
func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	dir, err := os.MkdirTemp("", "golocks-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &sandbox{dir: dir, bin: filepath.Join(dir, "golocks"), tmp: filepath.Join(dir, "tmp"), uid: os.Getuid(), gid: os.Getgid()}
	if s.uid == 0 {
		// A uid no account has, different for each test process.
		s.uid, s.gid = 2_000_000_000+os.Getpid()%1_000_000, 2_000_000_000+os.Getpid()%1_000_000
	}
	if err := copyFile(os.Args[0], s.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	s.mkdir(t, s.tmp, true)
	return s
}

// mkdir makes a folder, mode 0755, owned by the unprivileged user if user.
func (s *sandbox) mkdir(t *testing.T, path string, user bool) string {
	t.Helper()
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if user {
		s.chown(t, path)
	}
	return path
}

// chown gives path to the unprivileged user.
func (s *sandbox) chown(t *testing.T, path string) {
	t.Helper()
	if os.Getuid() == 0 {
		if err := os.Lchown(path, s.uid, s.gid); err != nil {
			t.Fatal(err)
		}
	}
}

// An outcome is how one run of golocks ended.
type outcome struct {
	code           int
	stdout, stderr string
}

// runOpts say how to run golocks.
type runOpts struct {
	asUser bool     // as the sandbox's unprivileged user, not root
	env    []string // added to the environment
	// started, if set, is called once the process has started, with it,
	// and returns when the test is done with it while it runs.
	started func(*exec.Cmd)
}

// golocks runs the sandbox's golocks with args and checks what every run
// must leave: it ended within the bound, printed at most one line on
// stderr, left no process of its own running and nothing in TMPDIR.
func (s *sandbox) golocks(t *testing.T, o runOpts, args ...string) outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testRunBound)
	defer cancel()
	marker := newMarker()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = append(testEnv(), "GOLOCKS_WORKER="+s.bin, "TMPDIR="+s.tmp, markerEnv+"="+marker)
	cmd.Env = append(cmd.Env, o.env...)
	if o.asUser && os.Getuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(s.uid), Gid: uint32(s.gid)}}
	}
	cmd.Dir = s.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if o.started != nil {
		o.started(cmd)
	}
	err := cmd.Wait()
	r := outcome{code: cmd.ProcessState.ExitCode(), stdout: stdout.String(), stderr: stderr.String()}
	name := "golocks " + strings.Join(args, " ")
	if ctx.Err() != nil {
		t.Errorf("%s: still running after %v: killed (stderr %q)", name, testRunBound, r.stderr)
	} else if err != nil && !errors.As(err, new(*exec.ExitError)) {
		t.Errorf("%s: %v", name, err)
	}
	if r.stderr != "" && (strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "\n")) {
		t.Errorf("%s: stderr is not one line: %q", name, r.stderr)
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "runtime:") {
		t.Errorf("%s: a Go runtime trace on stderr: %.300q", name, r.stderr)
	}
	if left := waitGone(t, marker); len(left) > 0 {
		t.Errorf("%s: processes %v still running after it ended", name, left)
	}
	if entries, _ := os.ReadDir(s.tmp); len(entries) > 0 {
		t.Errorf("%s: left %s in TMPDIR", name, entries[0].Name())
		for _, e := range entries {
			os.RemoveAll(filepath.Join(s.tmp, e.Name()))
		}
	}
	return r
}

// testEnv is this process's environment for a run, without what would
// make a run by another user write where it cannot (coverage data).
func testEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOCOVERDIR=") && !strings.HasPrefix(kv, markerEnv+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// markerEnv marks the processes of one run, workers included (they inherit
// golocks' environment), so that the test finds any left behind.
const markerEnv = "GOLOCKS_TEST_RUN"

func newMarker() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// waitGone waits, within a bound, until no live process carries marker,
// and returns those that still do (killed).
func waitGone(t *testing.T, marker string) []int {
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := marked(marker)
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			for _, pid := range left {
				syscall.Kill(pid, syscall.SIGKILL)
			}
			return left
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// marked returns the live processes whose environment carries marker (a
// zombie's environment reads empty).
func marked(marker string) []int {
	want := []byte(markerEnv + "=" + marker + "\x00")
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		env, err := os.ReadFile(d + "/environ")
		if err == nil && bytes.Contains(env, want) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			if running(pid) {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
