package pool_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/runtime/cell"
	"github.com/golocks/golocks/runtime/pool"
)

func TestMapRunsEachCallInItsOwnProcess(t *testing.T) {
	var results []pool.Result
	out, _ := capture(t, func() {
		var err error
		results, err = testPool(2).Run(pool.Task{Func: printPID, Args: []any{1}}, pool.Task{Func: printPID, Args: []any{2}})
		if err != nil {
			t.Fatal(err)
		}
	})
	if results[0].PID == results[1].PID || results[0].PID == os.Getpid() || results[0].PID == 0 {
		t.Errorf("PIDs %d and %d: want two child processes", results[0].PID, results[1].PID)
	}
	if pids := strings.Fields(out); len(pids) != 2 || pids[0] == pids[1] {
		t.Errorf("workers printed %q, want two different pids", out)
	}
	if results[0].Call != "pool_test.printPID(1)" {
		t.Errorf("Call = %q, want pool_test.printPID(1)", results[0].Call)
	}
}

func TestOutputArrivesWholeLinesBeforeReturn(t *testing.T) {
	const n = 200
	out, errOut := capture(t, func() {
		if _, err := testPool(2).Run(
			pool.Task{Func: lines, Args: []any{n, "a"}},
			pool.Task{Func: lines, Args: []any{n, "b"}},
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

// Arguments arrive rebuilt in the function's own parameter types.
func TestArgumentsArriveTyped(t *testing.T) {
	at := time.Date(2026, 11, 5, 9, 30, 0, 123, time.UTC)
	c := Config{File: "parallel.txt", Every: 3 * time.Second, Tags: map[string][]int{"a": {1, 2}}, At: at,
		Ratio: 0.1, On: true, Bytes: []byte{0, 255}, Grid: [2][2]uint8{{1, 2}, {3, 4}}}
	var out syncBuffer
	p := testPool(1)
	p.Stdout = &out
	// The count is an int; the function takes a Count: same kind, converted.
	err := p.Map(typed, []int{7}, c, []Name{"x", "y"}, map[int]Name{3: "z"})
	if err != nil {
		t.Fatal(err)
	}
	want := `[7,{"File":"parallel.txt","Every":3000000000,"Tags":{"a":[1,2]},"At":"2026-11-05T09:30:00.000000123Z","Ratio":0.1,"On":true,"Bytes":"AP8=","Grid":[[1,2],[3,4]]},["x","y"],{"3":"z"}]` + "\n"
	if out.String() != want {
		t.Errorf("the worker rebuilt\n%s want\n%s", out.String(), want)
	}

	out = syncBuffer{}
	if err := p.Map(variadic, []int{1}, "a", "b", "c"); err != nil {
		t.Fatal(err)
	}
	if err := p.Map(variadic, []int{2}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "1 a+b+c\n2 \n" {
		t.Errorf("variadic calls printed %q", out.String())
	}
}

// Everything a worker could not do is one error, on one line, before any
// process starts.
func TestBadCallsFailBeforeAnyProcess(t *testing.T) {
	dir := t.TempDir()
	started := filepath.Join(dir, "started")
	worker := filepath.Join(dir, "worker")
	script := "#!/bin/sh\necho started > " + started + "\n"
	if err := os.WriteFile(worker, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p := &pool.Pool{Procs: 2, Worker: worker}
	var cfg Config
	local := 3
	type private struct{ n int }
	var wg sync.WaitGroup
	method := wg.Done
	made := func(n int) error { return nil }
	cases := []struct {
		name, want string
		err        error
	}{
		{"nil func", "nil", p.Map(nil, []int{1})},
		{"not a func", "not a function", p.Map(42, []int{1})},
		{"nil func value", "nil func", p.Map((func(int))(nil), []int{1})},
		{"closure", "function literal or a closure", p.Map(func(n int) { local += n }, []int{1})},
		{"func literal", "function literal or a closure", p.Map(made, []int{1})},
		{"method value", "method value", p.Map(method, []int{1})},
		{"method expression", "is a method", p.Map(Config.Touch, []int{1})},
		{"reflect.MakeFunc", "made at run time", p.Map(makeFunc(), []int{1})},
		{"results", "returns (int, error)", p.Map(strconvAtoiLike, []int{1})},
		{"too few args", "takes 2 arguments (int, string), not 1", p.Map(workbook.Work, []int{1})},
		{"too many args", "takes 2 arguments (int, string), not 3", p.Map(workbook.Work, []int{1}, "a", "b")},
		{"too few for variadic", "at least 1 arguments", runErr(p.Run(pool.Task{Func: variadic}))},
		{"nil arg", "argument 2 is nil", p.Map(workbook.Work, []int{1}, nil)},
		{"wrong type", "argument 2 is a int; the function takes a string", p.Map(workbook.Work, []int{1}, 5)},
		{"pointer", "cannot go to a worker process", p.Map(takesPointer, []int{1}, &cfg)},
		{"channel", "cannot go to a worker process", p.Map(takesChan, []int{1}, make(chan int))},
		{"interface", "cannot go to a worker process", p.Map(takesAny, []int{1}, "x")},
		{"unexported field", "unexported field", p.Map(takesPrivate, []int{1}, private{1})},
		{"NaN", "cannot go to a worker process", p.Map(takesFloat, []int{1}, math.NaN())},
		{"zero procs", "Procs must be at least 1", pool.New(0).Map(workbook.Work, []int{1}, "x")},
		{"no tasks", "no tasks", p.Map(workbook.Work, nil, "x")},
		{"nil pool", "nil *Pool", (*pool.Pool)(nil).Map(workbook.Work, []int{1}, "x")},
		{"missing worker", "no such file", (&pool.Pool{Procs: 1, Worker: "/no/such/golocks"}).Map(workbook.Work, []int{1}, "x")},
		{"MapFunc nil", "nil", p.MapFunc(nil, []int{1})},
		{"MapFunc wrong type", "argument 1 is a int; the function takes a string", p.MapFunc(func(s string) {}, []int{1})},
		{"MapFunc results", "returns int", p.MapFunc(func(int) int { return 0 }, []int{1})},
	}
	for _, c := range cases {
		switch {
		case c.err == nil:
			t.Errorf("%s: no error", c.name)
		case !strings.Contains(c.err.Error(), c.want) || !strings.HasPrefix(c.err.Error(), "pool: "):
			t.Errorf("%s: %q, want pool: ... %q", c.name, c.err, c.want)
		case strings.Contains(c.err.Error(), "\n"):
			t.Errorf("%s: %q is more than one line", c.name, c.err)
		}
	}
	if _, err := os.Stat(started); err == nil {
		t.Error("a worker process was started")
	}
}

// makeFunc is a function made at run time, as a notebook's interpreter
// makes a function literal.
func makeFunc() any {
	return reflect.MakeFunc(reflect.TypeFor[func(int)](), func([]reflect.Value) []reflect.Value { return nil }).Interface()
}

func runErr(_ []pool.Result, err error) error { return err }

func strconvAtoiLike(n int) (int, error) { return n, nil }
func takesPointer(int, *Config)          {}
func takesChan(int, chan int)            {}
func takesAny(int, any)                  {}
func takesFloat(int, float64)            {}
func takesPrivate(int, struct{ n int })  {}

func (c Config) Touch(n int) {}

// A worker that does not know the function calls the run off: no call
// starts, and the one error says why.
func TestUnknownFunctionCallsTheRunOff(t *testing.T) {
	var results []pool.Result
	var err error
	out, _ := capture(t, func() {
		results, err = testPool(2).Run(
			pool.Task{Func: printPID, Args: []any{1}},
			pool.Task{Func: notServed, Args: []any{2}},
		)
	})
	if err == nil || !strings.Contains(err.Error(), "no function github.com/golocks/golocks/runtime/pool_test.notServed in this worker") {
		t.Fatalf("err = %v, want the worker's own reason", err)
	}
	if strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("err = %q: want only the failed call's error", err)
	}
	if out != "" {
		t.Errorf("a call ran: %q", out)
	}
	for i, r := range results {
		if !errors.Is(r.Err, pool.ErrNotStarted) {
			t.Errorf("results[%d].Err = %v, want ErrNotStarted", i, r.Err)
		}
	}
}

func notServed(int) {}

func TestFailuresAreReportedByTask(t *testing.T) {
	var results []pool.Result
	var err error
	capture(t, func() {
		results, err = testPool(5).Run(
			pool.Task{Func: fail, Args: []any{1}},
			pool.Task{Func: boom, Args: []any{2}},
			pool.Task{Func: crash, Args: []any{3}},
			pool.Task{Func: exitEarly, Args: []any{4}},
			pool.Task{Func: nap, Args: []any{10}},
		)
	})
	if err == nil {
		t.Fatal("Run succeeded with failing calls")
	}
	var te *pool.TaskError
	var pe *pool.PanicError
	if !errors.As(results[0].Err, &te) || te.Call != "pool_test.fail(1)" || te.PID == 0 || te.Err.Error() != "this call fails" {
		t.Errorf("results[0].Err = %#v, want the call's own error, by task and pid", results[0].Err)
	}
	if !errors.As(results[1].Err, &pe) || pe.Value != "boom" {
		t.Errorf("results[1].Err = %v, want a PanicError boom", results[1].Err)
	}
	if r := results[2].Err; r == nil || !strings.Contains(r.Error(), "died before the call returned: signal: killed") {
		t.Errorf("results[2].Err = %v, want a worker killed mid-call", r)
	}
	if r := results[3].Err; r == nil || !strings.Contains(r.Error(), "exited before the call returned") {
		t.Errorf("results[3].Err = %v, want a worker that exited mid-call", r)
	}
	if results[4].Err != nil {
		t.Errorf("the healthy call failed too: %v", results[4].Err)
	}
	for _, want := range []string{"pool_test.fail(1) in pid", "pool_test.boom(2) in pid", "panic: boom", "pool_test.crash(3)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestTimeoutKillsWorkers(t *testing.T) {
	p := testPool(1)
	p.Timeout = 300 * time.Millisecond
	_, err := p.Run(pool.Task{Func: nap, Args: []any{60_000}}, pool.Task{Func: nap, Args: []any{60_000}})
	if err == nil || !strings.Contains(err.Error(), "killed: the pool's 300ms timeout expired") {
		t.Fatalf("err = %v, want a worker killed at the timeout", err)
	}
	if !strings.Contains(err.Error(), "not started: the pool's 300ms timeout expired") {
		t.Errorf("err = %v: the queued call should be reported as not started", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v does not match context.DeadlineExceeded", err)
	}
}

// The start line: a call does not start before every worker of its round
// is ready, however long one takes to get ready (a notebook's declarations
// take a while to interpret).
func TestStartLineWaitsForTheSlowestWorker(t *testing.T) {
	for _, procs := range []int{2, 3} {
		dir := t.TempDir()
		ready := filepath.Join(dir, "slow-is-ready")
		celltest.Define(t, nbSlowInKernel, cell.Func{Name: "slow", Worker: os.Args[0],
			Decls: []string{"func slow(n int) {}", "sleep 300ms", "touch " + ready}})
		// With 3 procs, the later calls take the place of finished ones.
		tasks := []pool.Task{{Func: nbSlowInKernel, Args: []any{0}}}
		for range 3 {
			tasks = append(tasks, pool.Task{Func: exists, Args: []any{1, ready}})
		}
		var err error
		capture(t, func() { _, err = testPool(procs).Run(tasks...) })
		if err != nil {
			t.Errorf("%d procs: %v", procs, err)
		}
	}
}

// A worker that dies, or never gets ready, before the start line calls the
// run off (or the pool's timeout ends it): no call is made, nothing hangs,
// and the error says which worker and why.
func TestWorkerThatNeverGetsReady(t *testing.T) {
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran")
	// The exiting worker gets a timeout it cannot reach however loaded the
	// machine (its exit comes first); the sleeping one a short one.
	for _, c := range []struct {
		decl, want string
		timeout    time.Duration
	}{
		{"exit 3", "not started: the worker exited before it was ready (exit status 3)", time.Minute},
		{"sleep 1m", "not started: the pool's 500ms timeout expired", 500 * time.Millisecond},
	} {
		celltest.Define(t, nbSlowInKernel, cell.Func{Name: "slow", Worker: os.Args[0],
			Decls: []string{"func slow(n int) {}", c.decl}})
		p := testPool(2)
		p.Timeout = c.timeout
		results, err := p.Run(pool.Task{Func: nbSlowInKernel, Args: []any{0}}, pool.Task{Func: touch, Args: []any{1, ran}}, pool.Task{Func: touch, Args: []any{2, ran}})
		if err == nil || !strings.Contains(err.Error(), "slow(0) in pid ") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.decl, err, c.want)
		}
		for i, r := range results {
			if !errors.Is(r.Err, pool.ErrNotStarted) {
				t.Errorf("%s: results[%d].Err = %v, want not started", c.decl, i, r.Err)
			}
		}
		if _, err := os.Stat(ran); err == nil {
			t.Errorf("%s: a call was made", c.decl)
		}
	}
}

// With more calls than Procs, at most Procs run at once, and later calls
// take the places of finished ones.
func TestProcsBoundsConcurrency(t *testing.T) {
	for _, procs := range []int{1, 2} {
		dir := t.TempDir()
		tasks := make([]pool.Task, 5)
		for i := range tasks {
			tasks[i] = pool.Task{Func: occupy, Args: []any{i, dir, procs}}
		}
		if _, err := testPool(procs).Run(tasks...); err != nil {
			t.Errorf("%d procs: %v", procs, err)
		}
	}
}

// The workbook's Exercise 2 with the start line: both workers start before
// either has written, so both find no file and say so, as in the seed. Over
// a bounded number of trials: a loaded machine may still run one worker's
// first steps before the other's (on 2 cores at a load of 8, about half the
// trials show both messages).
func TestBothWorkersFindNoFile(t *testing.T) {
	const trials = 50
	for trial := 1; trial <= trials; trial++ {
		file := filepath.Join(t.TempDir(), "parallel.txt")
		var out syncBuffer
		p := testPool(2)
		p.Stdout = &out
		if err := p.Map(workbook.Work, []int{10, 10}, file); err != nil {
			t.Fatal(err)
		}
		if n, err := workbook.ReadCount(file); err == nil && n > 20 {
			t.Fatalf("trial %d: count %d > 20", trial, n)
		}
		missing := strings.Count(out.String(), "File doesn't exist, starting to count from 0.\n")
		t.Logf("trial %d: %d \"File doesn't exist\" messages", trial, missing)
		if missing >= 2 {
			return
		}
	}
	t.Errorf("in %d trials, never both workers found no file", trials)
}

// Unlocked, two processes lose updates, never count too many; locked, every
// trial is exact.
func TestWorkbookRaces(t *testing.T) {
	p := testPool(2)
	p.Stdout = io.Discard
	lost := false
	for trial := 1; trial <= 10 && !lost; trial++ {
		file := filepath.Join(t.TempDir(), "parallel.txt")
		if err := p.Map(workbook.Work, []int{1000, 1000}, file); err != nil {
			t.Fatal(err)
		}
		n, _ := workbook.ReadCount(file) // the last write may itself be cut short
		if n > 2000 {
			t.Fatalf("trial %d: count %d > 2000", trial, n)
		}
		lost = n < 2000
	}
	if !lost {
		t.Error("10 unlocked trials lost no update")
	}
	for trial := 1; trial <= 3; trial++ {
		dir := t.TempDir()
		file, lock := filepath.Join(dir, "parallel.txt"), filepath.Join(dir, "lock")
		for _, f := range []any{workbook.WorkLocked, workbook.WorkLockedPerIncrement, workbook.WorkSafe} {
			os.Remove(file)
			if err := p.Map(f, []int{100, 200}, file, lock); err != nil {
				t.Fatal(err)
			}
			if n, err := workbook.ReadCount(file); n != 300 || err != nil {
				t.Errorf("trial %d, %s: count %d, %v; want exactly 300", trial, pool.Task{Func: f}.Func, n, err)
			}
		}
		os.Remove(file)
		c := workbook.Counter{File: file, LockFile: lock, Around: workbook.AroundIncrement, CrashSafe: true}
		if err := p.Map(workbook.RunCounter, []int{100, 200}, c); err != nil {
			t.Fatal(err)
		}
		if n, err := workbook.ReadCount(file); n != 300 || err != nil {
			t.Errorf("trial %d, RunCounter: count %d, %v; want exactly 300", trial, n, err)
		}
	}
}

// A notebook function runs in the kernel's binary (cell.Func.Worker), which
// is sent its declarations, whatever Pool.Worker says.
func TestNotebookFunctionRunsInTheKernelBinary(t *testing.T) {
	dir := t.TempDir()
	kernel := filepath.Join(dir, "golocks-kernel")
	if err := os.Symlink(os.Args[0], kernel); err != nil {
		t.Fatal(err)
	}
	celltest.Define(t, nbWorkInKernel, cell.Func{Name: "work", Worker: kernel,
		Decls: []string{"import \"os\"", "func work(maxCount int, filename string) error { ... }"}})
	file := filepath.Join(dir, "parallel.txt")
	var out syncBuffer
	p := testPool(2)
	p.Stdout = &out
	results, err := p.Run(pool.Task{Func: nbWorkInKernel, Args: []any{100, file}}, pool.Task{Func: nbWorkInKernel, Args: []any{200, file}})
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "worker binary: "+kernel+"\n"); n != 2 {
		t.Errorf("%d calls ran in %s, want 2:\n%s", n, kernel, out.String())
	}
	if !strings.HasPrefix(results[0].Call, `work(100, "/`) {
		t.Errorf("Call = %q, want the notebook's name for it", results[0].Call)
	}
	if n, _ := workbook.ReadCount(file); n < 1 || n > 300 {
		t.Errorf("count %d, want 1..300", n)
	}
}

func TestMapFunc(t *testing.T) {
	var mu sync.Mutex
	total := 0
	err := pool.New(2).MapFunc(func(n int, step int) error {
		for i := 0; i < n; i += step {
			mu.Lock()
			total++
			mu.Unlock()
		}
		return nil
	}, []int{1000, 2000}, 1)
	if err != nil || total != 3000 {
		t.Fatalf("total %d, err %v; want 3000, nil", total, err)
	}
	// A function of no result, a named parameter type, a nil for a slice.
	var got []string
	err = pool.New(1).MapFunc(func(n Count, words []string) { got = append(got, fmt.Sprint(n, words == nil)) }, []int{5}, nil)
	if err != nil || len(got) != 1 || got[0] != "5 true" {
		t.Errorf("got %q, %v", got, err)
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
	var pe *pool.PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" || !strings.Contains(err.Error(), "func1(1): panic: boom") {
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
	if err == nil || !strings.Contains(err.Error(), "(2): still running") || strings.Contains(err.Error(), "(1)") {
		t.Fatalf("err = %v, want only the call of 2 reported as still running", err)
	}
}

// Goroutines of one MapFunc start together: two that read and write a
// number without a lock lose updates (over a bounded number of trials). The
// loads and stores are atomic, so the race detector has nothing to say: the
// race is the read-modify-write, as in the workbook. Each yields between
// its read and its write, so that they interleave even when a loaded
// machine runs both on one core.
func TestMapFuncGoroutinesRace(t *testing.T) {
	const n = 1000
	for trial := 1; trial <= 10; trial++ {
		var v atomicInt
		if err := pool.New(2).MapFunc(func(n int) {
			for range n {
				x := v.get()
				runtime.Gosched()
				v.set(x + 1)
			}
		}, []int{n, n}); err != nil {
			t.Fatal(err)
		}
		if got := v.get(); got > 2*n {
			t.Fatalf("trial %d: %d > %d", trial, got, 2*n)
		} else if got < 2*n {
			return
		}
	}
	t.Error("10 trials of two racing goroutines lost no update")
}

// A pool's fields are read once, when a run starts: a cell may change them
// while calls a previous run left behind still run (go test -race).
func TestChangingAPoolWhileItsCallsRunOn(t *testing.T) {
	p := pool.New(2)
	p.Timeout = 50 * time.Millisecond
	release := make(chan struct{})
	left := make(chan struct{})
	err := p.MapFunc(func(n int) {
		<-release
		fmt.Fprint(io.Discard, n)
		left <- struct{}{}
	}, []int{1, 2})
	if !strings.Contains(fmt.Sprint(err), "still running") {
		t.Fatalf("err = %v, want calls left running", err)
	}
	// The next "cell" changes the pool and runs it again.
	p.Timeout, p.Procs, p.Stdout, p.Env = time.Minute, 3, io.Discard, []string{"X=1"}
	go close(release)
	if err := p.MapFunc(func(int) {}, []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	<-left
	<-left
}

// atomicInt is a number whose loads and stores are each atomic.
type atomicInt struct{ v atomic.Int64 }

func (a *atomicInt) get() int64  { return a.v.Load() }
func (a *atomicInt) set(n int64) { a.v.Store(n) }

// Two workers printing the same line hundreds of times into the caller's
// own stdout (a notebook cell's): it shows twice, then one line with how
// many more copies came, and every other line as it is. A writer the caller
// gave gets every line.
func TestRepeatedLinesAreTallied(t *testing.T) {
	p := testPool(2)
	out, _ := capture(t, func() {
		if _, err := p.Run(
			pool.Task{Func: same, Args: []any{150, "File read error"}},
			pool.Task{Func: same, Args: []any{100, "File read error"}},
		); err != nil {
			t.Error(err)
		}
	})
	if want := "File read error\nFile read error\n[the line above, 248 more times]\n"; out != want {
		t.Errorf("the cell shows\n%q\nwant\n%q", out, want)
	}

	out, _ = capture(t, func() {
		for _, c := range []struct {
			n    int
			line string
		}{{1, "once"}, {3, "thrice"}, {2, "twice"}} {
			if err := p.Map(same, []int{c.n}, c.line); err != nil {
				t.Error(err)
			}
		}
	})
	if want := "once\nthrice\nthrice\n[the line above, 1 more time]\ntwice\ntwice\n"; out != want {
		t.Errorf("the cell shows\n%q\nwant\n%q", out, want)
	}

	var buf syncBuffer
	p.Stdout = &buf
	if err := p.Map(same, []int{150, 100}, "File read error"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "File read error\n"); n != 250 || strings.Contains(buf.String(), "[the line above") {
		t.Errorf("the caller's writer got %d of 250 lines:\n%s", n, buf.String())
	}
}
