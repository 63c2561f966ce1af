package workbook_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/reexec"
)

// Cross-process tests re-run this test binary in a helper role (see
// internal/reexec): TestMain runs the role instead of the tests.
func TestMain(m *testing.M) {
	reexec.Main(runHelper)
	os.Exit(m.Run())
}

// runHelper runs one worker: role maxCount args... It first waits for
// a byte on stdin, so that all workers of a test start counting together
// (process start-up takes longer than some of the runs).
func runHelper(role string, args []string) int {
	var b [1]byte
	_, _ = os.Stdin.Read(b[:])
	n, err := strconv.Atoi(args[0])
	if err == nil {
		switch role {
		case "work":
			err = workbook.Work(n, args[1])
		case "work-locked":
			err = workbook.WorkLocked(n, args[1], args[2])
		case "work-locked-increment":
			err = workbook.WorkLockedPerIncrement(n, args[1], args[2])
		case "work-safe":
			err = workbook.WorkSafe(n, args[1], args[2])
		case "shared": // n mode path lockPath
			err = workbook.IncrementShared(n, args[1], args[2], args[3])
		case "steps": // n file lockFile around steps
			err = workbook.Counter{File: args[1], LockFile: args[2], Around: args[3], Steps: args[4]}.Run(n)
		case "trace":
			err = workbook.Counter{File: args[1], LockFile: args[2], Around: workbook.AroundIncrement, Trace: args[3]}.Run(n)
		default:
			err = fmt.Errorf("unknown helper role %q", role)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// workers are started helper processes and what they print.
type workers struct {
	cmds   []*exec.Cmd
	stdins []io.WriteCloser
	mu     sync.Mutex // guards out: the workers write it concurrently
	out    bytes.Buffer
}

func (w *workers) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.out.Write(p)
}

// start starts one helper per count, each given its count followed by args.
func start(t testing.TB, role string, counts []int, args ...string) *workers {
	t.Helper()
	w := &workers{}
	for _, n := range counts {
		cmd := reexec.Command(role, append([]string{strconv.Itoa(n)}, args...)...)
		cmd.Stdout = w
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		w.cmds = append(w.cmds, cmd)
		w.stdins = append(w.stdins, in)
	}
	for _, in := range w.stdins { // go!
		_ = in.Close()
	}
	return w
}

// wait waits for all workers and returns their combined output.
func (w *workers) wait(t testing.TB) string {
	t.Helper()
	for _, c := range w.cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("worker: %v", err)
		}
	}
	return w.out.String()
}

// files returns a fresh counter file and lock file.
func files(t testing.TB) (file, lock string) {
	dir := t.TempDir()
	return filepath.Join(dir, "parallel.txt"), filepath.Join(dir, "tmp_lock")
}

func sum(counts []int) int {
	s := 0
	for _, n := range counts {
		s += n
	}
	return s
}

// captureStdout runs f with os.Stdout redirected and returns what it
// printed. The package looks os.Stdout up at write time, as a kernel that
// swaps it per cell needs.
func captureStdout(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		done <- string(b)
	}()
	defer func() { os.Stdout = old }()
	f()
	os.Stdout = old
	w.Close()
	return <-done
}

func countLines(out, prefix string) int {
	n := 0
	for line := range strings.Lines(out) {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}
