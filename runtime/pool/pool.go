package pool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// DefaultTimeout bounds a whole Map, MapFunc or Run of a pool whose Timeout
// is 0. It is a constant, so that no goroutine a previous notebook cell left
// running can race with a change to it: set a pool's own Timeout instead.
const DefaultTimeout = 2 * time.Minute

// A Pool runs function calls, at most Procs at a time, in worker processes
// (Map, Run) or in goroutines of this process (MapFunc). Create one with New,
// or as a literal; the zero values of the other fields are useful (see each
// field). A pool reads its fields when a run starts: changing them while a
// run goes on, or while a call a timed-out MapFunc left behind still runs,
// affects only later runs.
type Pool struct {
	// Procs is how many calls run at once, like Pool(processes=N).
	Procs int

	// Timeout bounds a whole run; 0 means DefaultTimeout. A context with
	// an earlier deadline, or the notebook cell's interrupt, ends it sooner.
	Timeout time.Duration

	// Worker is the program that runs compiled functions in processes,
	// started as `Worker worker`; "" means $GOLOCKS_WORKER, then this
	// program itself if it is golocks, then golocks on $PATH. A notebook's
	// own functions always run in the kernel's binary (cell.Func.Worker).
	Worker string

	// Env is added to the worker processes' environment (KEY=value).
	Env []string

	// Stdout and Stderr receive the calls' output, whole lines at a time;
	// nil means this process's os.Stdout and os.Stderr as they are at each
	// write (a notebook kernel changes them for every cell), where a line
	// repeated back to back more than twice is tallied (see output.go).
	Stdout, Stderr io.Writer
}

// New returns a pool that runs procs calls at a time.
func New(procs int) *Pool {
	return &Pool{Procs: procs}
}

// A Task is one function call for Run: Func(Args...). Func is a top-level
// function (see Map); Args are passed in order.
type Task struct {
	Func any
	Args []any
}

// A Result is what became of one call.
type Result struct {
	Call    string        // the call as Go would write it: workbook.Work(1000, "parallel.txt")
	PID     int           // the worker's process id; 0 for a goroutine or a process never started
	Elapsed time.Duration // from the start line to the end of the call; 0 if it never started
	Err     error         // nil if the call returned nil; a *TaskError otherwise
}

// A TaskError says which call failed and why: an error it returned, a panic
// (a *PanicError), a worker that died or was killed, a timeout, an
// interrupt, or ErrNotStarted and the reason the call was never made.
type TaskError struct {
	Call string // as in Result
	PID  int    // the worker's process id, 0 if none
	Err  error
}

func (e *TaskError) Error() string {
	if e.PID != 0 {
		return fmt.Sprintf("%s in pid %d: %v", e.Call, e.PID, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Call, e.Err)
}

func (e *TaskError) Unwrap() error { return e.Err }

// A PanicError is a call that panicked instead of returning. Value is what
// it panicked with; from a worker process, that value printed as text.
type PanicError struct {
	Value any
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// ErrNotStarted is wrapped by the error of a call that was never made: its
// worker could not start or get ready (no such function there, arguments it
// cannot rebuild), the run was called off because another call could not,
// or the run ended (timeout, interrupt) before the call's turn came.
var ErrNotStarted = errors.New("not started")

// Map is Python's Pool.map(functools.partial(f, *args), counts): it calls
// f(count, args...) once per count, each call in its own worker process, and
// waits for all of them, at most the pool's timeout:
//
//	pool.New(2).Map(workbook.Work, []int{1000, 2000}, "parallel.txt")
//
// runs workbook.Work(1000, "parallel.txt") in one process and
// workbook.Work(2000, "parallel.txt") in another, both starting at the same
// moment (see Run for the start line).
//
// f is a function declared at the top level: a notebook cell's own function
// (which the kernel's binary interprets in the worker) or a compiled one
// such as workbook.Work (which the Worker binary must know). It returns
// nothing or an error. The arguments travel to the worker as JSON and are
// rebuilt there in f's parameter types: booleans, numbers, strings, and
// slices, arrays, maps and structs (exported fields) of those, named types
// included. A closure, a method value, a nil, a wrong number of arguments or
// one that would not arrive as it is are one error before any process
// starts.
//
// The error joins every failed call's *TaskError; nil means all returned nil.
func (p *Pool) Map(f any, counts []int, args ...any) error {
	_, err := p.RunContext(context.Background(), mapTasks(f, counts, args)...)
	return err
}

// MapFunc is Map with goroutines of this process instead of processes: it
// calls f(count, args...) once per count, at most p.Procs at a time, all
// starting together, and waits for all, at most the pool's timeout. f can be
// any Go function, closures and a notebook cell's included, returning
// nothing or an error; each argument must be assignable to its parameter, or
// of the same kind (a string for a named string type). A panic in f is
// recovered and returned as that call's *PanicError, never allowed to crash
// the program (in a notebook, a goroutine's panic would kill the kernel). A
// call still running at the timeout or an interrupt is reported and left
// behind: a goroutine cannot be killed, so make f return.
func (p *Pool) MapFunc(f any, counts []int, args ...any) error {
	s, err := p.settings(len(counts))
	if err != nil {
		return err
	}
	calls, err := goroutineCalls(mapTasks(f, counts, args))
	if err != nil {
		return err
	}
	ctx, cancel := s.context(context.Background())
	defer cancel()
	jobs := make([]job, len(calls))
	for i, c := range calls {
		jobs[i] = &goroutineJob{c: c}
	}
	return joinErrors(schedule(ctx, s.procs, jobs, func() {}, false))
}

// Run calls each task's function in its own worker process, at most p.Procs
// at a time, and waits for all of them, at most the pool's timeout. It
// returns one Result per task, in order, and the joined errors of the failed
// ones. Tasks may call different functions (see Map for which).
//
// The start line: each worker first finds its function and rebuilds its
// arguments (for a notebook function it interprets the notebook's
// declarations, which takes a while), then waits. The first Procs calls
// (all of them, when there are no more) start at the same moment, once all
// their workers are ready; each later call starts as soon as its worker is
// ready, in the place of one that finished, as a Python pool's process takes
// the next item. So two workers of Pool(2).Map really do race from their
// first step. If a worker cannot get ready (it does not know the function,
// or died), the run is called off: no call that has not started yet starts
// (each is ErrNotStarted), and the error says why.
//
// A call that returns an error or panics fails its task; so does a worker
// that dies. The others still run to their end. A run that times out, or
// whose notebook cell is interrupted, kills every worker, with whatever it
// started, and returns.
func (p *Pool) Run(tasks ...Task) ([]Result, error) {
	return p.RunContext(context.Background(), tasks...)
}

// RunContext is Run, also ended when ctx is done: every worker is killed,
// and calls not yet started never start. The errors wrap context.Cause(ctx).
func (p *Pool) RunContext(ctx context.Context, tasks ...Task) ([]Result, error) {
	s, err := p.settings(len(tasks))
	if err != nil {
		return nil, err
	}
	calls, err := s.processCalls(tasks)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.context(ctx)
	defer cancel()

	// The start barrier the first round crosses, and the start line the
	// run's workers sleep on (protocol.go).
	first := min(s.procs, len(calls))
	barrier, err := newBarrier(first)
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	if barrier != nil {
		defer barrier.Close()
	}
	lineR, lineW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("pool: %w", err)
	}
	defer lineR.Close()
	defer lineW.Close()
	// Every worker of this run is started by one OS thread that lives
	// until all of them have been reaped (see starter).
	st := newStarter()
	defer st.stop()
	out := newOutput(s)
	jobs := make([]job, len(calls))
	for i, c := range calls {
		jobs[i] = &processJob{c: c, s: s, starter: st, out: out, line: lineR, barrier: barrier, first: i < first}
	}
	results := schedule(ctx, s.procs, jobs, func() { lineW.Close() }, true)
	out.end()
	return results, joinErrors(results)
}

func mapTasks(f any, counts []int, args []any) []Task {
	tasks := make([]Task, len(counts))
	for i, n := range counts {
		tasks[i] = Task{Func: f, Args: append([]any{n}, args...)}
	}
	return tasks
}

// settings are a pool's fields as one run reads them, once, when it starts:
// goroutines of the run never read the Pool itself.
type settings struct {
	procs          int
	timeout        time.Duration
	worker         string
	env            []string
	stdout, stderr func() io.Writer
	tallyOut       bool // stdout is the caller's own (Stdout nil): repeated lines are tallied
	tallyErr       bool // the same for stderr
}

func (p *Pool) settings(n int) (settings, error) {
	if p == nil {
		return settings{}, errors.New("pool: nil *Pool (use pool.New)")
	}
	if p.Procs < 1 {
		return settings{}, fmt.Errorf("pool: Procs must be at least 1, not %d", p.Procs)
	}
	if n == 0 {
		return settings{}, errors.New("pool: no tasks to run")
	}
	if p.Timeout < 0 {
		return settings{}, fmt.Errorf("pool: negative Timeout %v", p.Timeout)
	}
	s := settings{procs: p.Procs, timeout: p.Timeout, worker: p.Worker, env: append([]string(nil), p.Env...)}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	s.tallyOut, s.tallyErr = p.Stdout == nil, p.Stderr == nil
	s.stdout = writerOr(p.Stdout, func() io.Writer { return os.Stdout })
	s.stderr = writerOr(p.Stderr, func() io.Writer { return os.Stderr })
	return s, nil
}

// writerOr returns w, or, if w is nil, def looked up at each call.
func writerOr(w io.Writer, def func() io.Writer) func() io.Writer {
	if w != nil {
		return func() io.Writer { return w }
	}
	return def
}

// joinErrors returns the errors of the failed results, joined, or nil. A
// call that was only called off because another could not start adds
// nothing: the other's error says why.
func joinErrors(results []Result) error {
	var errs, calledOff []error
	for _, r := range results {
		switch {
		case r.Err == nil:
		case errors.Is(r.Err, errCalledOff):
			calledOff = append(calledOff, r.Err)
		default:
			errs = append(errs, r.Err)
		}
	}
	if len(errs) == 0 {
		return errors.Join(calledOff...)
	}
	return errors.Join(errs...)
}
