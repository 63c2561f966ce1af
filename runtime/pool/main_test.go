package pool_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/internal/reexec"
	"github.com/golocks/golocks/runtime/pool"
)

// The test binary is its own worker: a pool starts `<test binary> worker`,
// as it starts `golocks worker` or `golocks-kernel worker`, and find serves
// this file's functions, the workbook's, and stand-ins for notebook
// functions. In the test process itself, celltest stands in for the kernel.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		os.Exit(pool.Serve(find))
	}
	reexec.Main(runHelper)
	if err := celltest.Install(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// testPool is a pool whose workers are this test binary.
func testPool(procs int) *pool.Pool {
	return &pool.Pool{
		Procs:   procs,
		Worker:  os.Args[0],
		Timeout: time.Minute,
		// A -race build sleeps a second at exit unless told not to.
		Env: []string{"GORACE=atexit_sleep_ms=0"},
	}
}

// compiled are the compiled functions the worker serves by name.
func compiled() map[string]any {
	funcs := workbook.Funcs()
	for _, f := range []any{printPID, lines, same, fail, boom, crash, exitEarly, nap, occupy, hang, exists, touch, variadic, typed, printArgs0, leaveOpen, leaveRunning} {
		name, err := pool.FuncName(f)
		if err != nil {
			panic(err)
		}
		funcs[name] = f
	}
	return funcs
}

// find is the worker's find. A Call with Decls is a notebook function: its
// "interpretation" here obeys three directives ("sleep 300ms", "touch PATH",
// "exit 3") and checks that the function's own declaration came along,
// then the name is looked up among the notebook stand-ins.
func find(c pool.Call) (reflect.Value, error) {
	if len(c.Decls) == 0 {
		return pool.FindIn(compiled())(c)
	}
	declared := false
	for _, d := range c.Decls {
		switch verb, arg, _ := strings.Cut(d, " "); verb {
		case "sleep":
			dur, err := time.ParseDuration(arg)
			if err != nil {
				return reflect.Value{}, err
			}
			time.Sleep(dur)
		case "touch":
			if err := os.WriteFile(arg, nil, 0o644); err != nil {
				return reflect.Value{}, err
			}
		case "exit":
			code, _ := strconv.Atoi(arg)
			os.Exit(code)
		case "func":
			declared = declared || strings.HasPrefix(arg, c.Func+"(")
		}
	}
	f, ok := notebookFuncs[c.Func]
	if !ok || !declared {
		return reflect.Value{}, fmt.Errorf("notebook function %s not declared in %q", c.Func, c.Decls)
	}
	return reflect.ValueOf(f), nil
}

// notebookFuncs are what the test's "interpreter" defines, by notebook name.
var notebookFuncs = map[string]any{
	"work": nbWork,
	"slow": printPID,
	// A function no caller would send (runnable refuses it there): the
	// worker refuses it too, through the same check.
	"counts": func(n int) int { return n },
}

// nbWork stands for a student's work in the worker; it says which binary
// ran it.
func nbWork(maxCount int, file string) error {
	fmt.Println("worker binary:", os.Args[0])
	return workbook.Work(maxCount, file)
}

// nbWorkInKernel and nbSlowInKernel are the notebook functions as the
// kernel's process sees them: celltest.Define makes cell.Lookup know them.
func nbWorkInKernel(maxCount int, file string) error { return nil }
func nbSlowInKernel(n int)                           {}

// The functions the workers call.

func printPID(int) { fmt.Println(os.Getpid()) }

// lines prints n numbered lines, one write each, and an unterminated line
// on stderr.
func lines(n int, prefix string) {
	for i := 0; i < n; i++ {
		fmt.Printf("%s %d\n", prefix, i)
		time.Sleep(time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "%s done", prefix)
}

// same prints the same line n times, one write each.
func same(n int, line string) {
	for range n {
		fmt.Println(line)
	}
}

func fail(int) error { return errors.New("this call fails") }

func boom(int) { panic("boom") }

func crash(int) {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Minute)
}

func exitEarly(int) { os.Exit(0) }

func nap(ms int) { time.Sleep(time.Duration(ms) * time.Millisecond) }

// occupy fails if more than max calls run at once: each holds a file in dir
// while it runs.
func occupy(n int, dir string, max int) error {
	mine := filepath.Join(dir, strconv.Itoa(n))
	if err := os.WriteFile(mine, nil, 0o644); err != nil {
		return err
	}
	defer os.Remove(mine)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) > max {
		return fmt.Errorf("%d calls at once, want at most %d", len(entries), max)
	}
	time.Sleep(20 * time.Millisecond)
	return nil
}

// hang writes its pid to dir/worker-n and, with child, starts a process of
// its own (in its process group) and writes that pid to dir/child-n; then it
// sleeps until it is killed (at most two minutes).
func hang(n int, dir string, child bool) error {
	if child {
		c := exec.Command("sleep", "120")
		if err := c.Start(); err != nil {
			return err
		}
		if err := writePID(filepath.Join(dir, fmt.Sprint("child-", n)), c.Process.Pid); err != nil {
			return err
		}
	}
	if err := writePID(filepath.Join(dir, fmt.Sprint("worker-", n)), os.Getpid()); err != nil {
		return err
	}
	time.Sleep(2 * time.Minute)
	return nil
}

// writePID writes pid to path in one rename, so a reader never sees half.
func writePID(path string, pid int) error {
	if err := os.WriteFile(path+".tmp", []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// exists fails if path does not exist when the call starts.
func exists(_ int, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("started too early: %w", err)
	}
	return nil
}

// touch creates path.
func touch(_ int, path string) error { return os.WriteFile(path, nil, 0o644) }

func variadic(n int, words ...string) { fmt.Println(n, strings.Join(words, "+")) }

// The types a worker rebuilds from JSON.
type (
	Count  int
	Name   string
	Config struct {
		File  string
		Every time.Duration
		Tags  map[string][]int
		At    time.Time
		Ratio float64
		On    bool
		Bytes []byte
		Grid  [2][2]uint8
	}
)

// typed prints its arguments as JSON, as the worker rebuilt them.
func typed(n Count, c Config, names []Name, byID map[int]Name) error {
	b, err := json.Marshal([]any{n, c, names, byID})
	fmt.Println(string(b))
	return err
}

func printArgs0(int) { fmt.Println(os.Args[0]) }

// capture runs f with os.Stdout and os.Stderr sent to files and returns
// what they received, as a notebook cell would see it.
func capture(t *testing.T, f func()) (stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	o, _ := os.Create(filepath.Join(dir, "out"))
	e, _ := os.Create(filepath.Join(dir, "err"))
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = o, e
	defer func() { os.Stdout, os.Stderr = oldOut, oldErr }()
	f()
	ob, _ := os.ReadFile(o.Name())
	eb, _ := os.ReadFile(e.Name())
	return string(ob), string(eb)
}

// syncBuffer is a bytes.Buffer safe for goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runHelper runs a helper role of this test binary (see internal/reexec).
func runHelper(role string, args []string) int {
	switch role {
	case "parent":
		return runParent(args)
	}
	fmt.Fprintln(os.Stderr, "unknown helper role", role)
	return 2
}

// runParent is the helper role "parent": a program running a pool of two
// workers that hang (the test kills it meanwhile).
func runParent(args []string) int {
	p := testPool(2)
	if err := p.Map(hang, []int{0, 1}, args[0], false); err != nil {
		return 1
	}
	return 0
}
