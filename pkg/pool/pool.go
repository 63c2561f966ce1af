package pool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds a whole Run, Map or MapFunc when the Pool has no
// Timeout of its own and the context has no deadline. A notebook kernel
// cannot be interrupted, so nothing in this package waits forever.
var DefaultTimeout = 2 * time.Minute

// A Task names a job the worker binary knows, with its arguments, as on the
// worker's command line: Task{"work", []string{"1000", "parallel.txt"}} runs
// `golocks worker work 1000 parallel.txt`. `golocks worker` lists the names.
type Task struct {
	Name string
	Args []string
}

// String returns the task as it appears on the worker's command line.
func (t Task) String() string {
	return strings.TrimSpace(t.Name + " " + strings.Join(t.Args, " "))
}

// A Result is what became of one task.
type Result struct {
	Task    Task
	PID     int           // the worker's process id; 0 for a goroutine or a task that never started
	Elapsed time.Duration // from start to exit
	Err     error         // nil if the task succeeded; a *TaskError otherwise
}

// A TaskError says which task failed and why: a non-zero exit, a signal, a
// timeout, a panic, or an error the task returned.
type TaskError struct {
	Task Task
	PID  int
	Err  error
}

func (e *TaskError) Error() string {
	if e.PID != 0 {
		return fmt.Sprintf("task %q (pid %d): %v", e.Task.String(), e.PID, e.Err)
	}
	return fmt.Sprintf("task %q: %v", e.Task.String(), e.Err)
}

func (e *TaskError) Unwrap() error { return e.Err }

// A Pool runs tasks, at most Procs at a time. The zero values of the other
// fields are useful: see each field. Create one with New, or as a literal.
type Pool struct {
	// Procs is how many tasks run at once, like Pool(processes=N).
	Procs int
	// Timeout bounds a whole run; 0 means DefaultTimeout. A context with an
	// earlier deadline wins.
	Timeout time.Duration
	// Worker is the path of the worker binary; "" means $GOLOCKS_WORKER,
	// then this program itself if it is golocks, then golocks on $PATH.
	Worker string
	// Env is added to the workers' environment (KEY=value entries).
	Env []string
	// Stdout and Stderr receive the workers' output, whole lines at a
	// time; nil means the caller's os.Stdout and os.Stderr as they are at
	// each write (a notebook kernel changes them for every cell).
	Stdout, Stderr io.Writer
}

func (p *Pool) stdout() io.Writer {
	if p.Stdout != nil {
		return p.Stdout
	}
	return os.Stdout
}

func (p *Pool) stderr() io.Writer {
	if p.Stderr != nil {
		return p.Stderr
	}
	return os.Stderr
}

// New returns a pool that runs procs tasks at a time.
func New(procs int) *Pool {
	return &Pool{Procs: procs}
}

// context returns ctx bounded by the pool's timeout.
func (p *Pool) context(ctx context.Context) (context.Context, context.CancelFunc, time.Duration) {
	d := p.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, cancel, d
}

func (p *Pool) check(n int) error {
	if p == nil {
		return errors.New("pool: nil *Pool (use pool.New)")
	}
	if p.Procs < 1 {
		return fmt.Errorf("pool: Procs must be at least 1, not %d", p.Procs)
	}
	if n == 0 {
		return errors.New("pool: no tasks to run")
	}
	return nil
}

// Map is Pool.map(functools.partial(task, *args), counts) from the
// workbook: it runs the worker task once per count, each in its own process,
// with the count as the first argument and args after it, and waits for all.
// The error joins every failed task's *TaskError; nil means all succeeded.
func (p *Pool) Map(task string, counts []int, args ...string) error {
	tasks := make([]Task, len(counts))
	for i, n := range counts {
		tasks[i] = Task{Name: task, Args: append([]string{strconv.Itoa(n)}, args...)}
	}
	_, err := p.Run(tasks...)
	return err
}

// joinErrors returns the errors of the failed results, joined, or nil.
func joinErrors(results []Result) error {
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}

// forEach calls run(i) for i in [0, n), at most procs at a time, and returns
// once all calls have returned.
func forEach(n, procs int, run func(i int)) {
	sem := make(chan struct{}, procs)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			run(i)
		}()
	}
	wg.Wait()
}
