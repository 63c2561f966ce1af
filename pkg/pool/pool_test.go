package pool_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/pkg/pool"
)

// TestMain makes the test binary its own worker: the pool runs
// `<test binary> worker <task> args...`, as it runs `golocks worker ...`.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "worker" {
		os.Exit(testWorker(os.Args[2], os.Args[3:]))
	}
	os.Exit(m.Run())
}

func testWorker(task string, args []string) int {
	switch task {
	case "lines": // lines <prefix> <n>: n numbered lines, one write each
		n, _ := strconv.Atoi(args[1])
		for i := 0; i < n; i++ {
			fmt.Printf("%s %d\n", args[0], i)
			time.Sleep(time.Millisecond)
		}
		fmt.Fprintf(os.Stderr, "%s done", args[0]) // no newline: the pool must flush it
	case "pid":
		fmt.Println(os.Getpid())
	case "fail":
		fmt.Fprintln(os.Stderr, "worker: this task fails")
		return 1
	case "crash":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
	case "sleep":
		d, _ := time.ParseDuration(args[0])
		time.Sleep(d)
	case "exclusive": // exclusive <dir>: fails if another exclusive task runs at once
		marker := filepath.Join(args[0], "running")
		f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "two tasks at once")
			return 1
		}
		f.Close()
		time.Sleep(20 * time.Millisecond)
		os.Remove(marker)
	default:
		fmt.Fprintln(os.Stderr, "unknown task", task)
		return 2
	}
	return 0
}

func testPool(procs int) *pool.Pool {
	return &pool.Pool{Procs: procs, Worker: os.Args[0], Timeout: time.Minute}
}

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

func TestRunUsesSeparateProcesses(t *testing.T) {
	out, _ := capture(t, func() {
		results, err := testPool(2).Run(pool.Task{Name: "pid"}, pool.Task{Name: "pid"})
		if err != nil {
			t.Fatal(err)
		}
		if results[0].PID == results[1].PID || results[0].PID == os.Getpid() {
			t.Errorf("PIDs %d and %d: want two child processes", results[0].PID, results[1].PID)
		}
	})
	if pids := strings.Fields(out); len(pids) != 2 || pids[0] == pids[1] {
		t.Errorf("workers printed %q, want two different pids", out)
	}
}

func TestOutputArrivesWholeLinesBeforeReturn(t *testing.T) {
	const n = 200
	out, errOut := capture(t, func() {
		if _, err := testPool(2).Run(
			pool.Task{Name: "lines", Args: []string{"a", strconv.Itoa(n)}},
			pool.Task{Name: "lines", Args: []string{"b", strconv.Itoa(n)}},
		); err != nil {
			t.Fatal(err)
		}
	})
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var who string
		var i int
		if _, err := fmt.Sscanf(line, "%s %d", &who, &i); err != nil || (who != "a" && who != "b") {
			t.Fatalf("mangled line %q", line)
		}
		seen[line] = true
	}
	if len(seen) != 2*n {
		t.Errorf("got %d distinct lines, want %d", len(seen), 2*n)
	}
	if !strings.Contains(errOut, "a done\n") || !strings.Contains(errOut, "b done\n") {
		t.Errorf("stderr %q lacks the unterminated last lines", errOut)
	}
}

func TestFailuresAreReportedByTask(t *testing.T) {
	var results []pool.Result
	var err error
	capture(t, func() {
		results, err = testPool(3).Run(
			pool.Task{Name: "fail"},
			pool.Task{Name: "crash"},
			pool.Task{Name: "sleep", Args: []string{"10ms"}},
		)
	})
	if err == nil {
		t.Fatal("Run succeeded with a failing and a crashing task")
	}
	for _, want := range []string{`task "fail"`, "exit status 1", `task "crash"`, "signal: killed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	var te *pool.TaskError
	if !errors.As(results[0].Err, &te) || te.Task.Name != "fail" {
		t.Errorf("results[0].Err = %v, want a TaskError for fail", results[0].Err)
	}
	if results[2].Err != nil {
		t.Errorf("the healthy task failed too: %v", results[2].Err)
	}
}

func TestTimeoutKillsWorkers(t *testing.T) {
	p := testPool(1)
	p.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err := p.Run(pool.Task{Name: "sleep", Args: []string{"1m"}}, pool.Task{Name: "sleep", Args: []string{"1m"}})
	if err == nil || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if !strings.Contains(err.Error(), "not started") {
		t.Errorf("err = %v: the queued task should be reported as not started", err)
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("Run returned after %v: the timeout did not bound it", time.Since(start))
	}
}

func TestProcsBoundsConcurrency(t *testing.T) {
	dir := t.TempDir()
	tasks := make([]pool.Task, 6)
	for i := range tasks {
		tasks[i] = pool.Task{Name: "exclusive", Args: []string{dir}}
	}
	if _, err := testPool(1).Run(tasks...); err != nil {
		t.Fatal(err)
	}
}

func TestBadInput(t *testing.T) {
	cases := map[string]func() error{
		"zero procs":     func() error { return pool.New(0).Map("pid", []int{1}) },
		"no tasks":       func() error { return testPool(2).Map("pid", nil) },
		"missing worker": func() error { return (&pool.Pool{Procs: 1, Worker: "/no/such/golocks"}).Map("pid", []int{1}) },
		"nil func":       func() error { return pool.New(1).MapFunc(nil, []int{1}) },
		"nil pool":       func() error { var p *pool.Pool; return p.Map("pid", []int{1}) },
	}
	for name, f := range cases {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestMapFunc(t *testing.T) {
	var mu sync.Mutex
	total := 0
	err := pool.New(2).MapFunc(func(n int) error {
		for i := 0; i < n; i++ {
			mu.Lock()
			total++
			mu.Unlock()
		}
		return nil
	}, []int{1000, 2000})
	if err != nil || total != 3000 {
		t.Fatalf("total %d, err %v; want 3000, nil", total, err)
	}
}

func TestMapFuncRecoversPanics(t *testing.T) {
	var ran sync.WaitGroup
	ran.Add(1)
	err := pool.New(2).MapFunc(func(n int) error {
		if n == 1 {
			panic("boom")
		}
		ran.Done()
		return nil
	}, []int{1, 2})
	if err == nil || !strings.Contains(err.Error(), "panic: boom") {
		t.Fatalf("err = %v, want the panic as an error", err)
	}
	ran.Wait()
}

func TestMapFuncTimeout(t *testing.T) {
	p := pool.New(2)
	p.Timeout = 100 * time.Millisecond
	release := make(chan struct{})
	defer close(release)
	err := p.MapFunc(func(n int) error {
		if n == 2 {
			<-release // a call that never returns on its own
		}
		return nil
	}, []int{1, 2})
	if err == nil || !strings.Contains(err.Error(), "still running") || strings.Contains(err.Error(), `"func 1"`) {
		t.Fatalf("err = %v, want only func 2 reported as still running", err)
	}
}
