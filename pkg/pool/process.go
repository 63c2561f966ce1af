package pool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// waitDelay bounds how long Wait keeps copying a killed worker's output: a
// grandchild that inherited the pipes must not hold the cell open.
const waitDelay = 2 * time.Second

// Run runs each task in its own worker process, at most p.Procs at a time,
// and waits for all of them, at most the pool's timeout. It returns one
// Result per task, in order, and the joined errors of the failed ones. A
// worker that exits non-zero, dies of a signal or is killed at the timeout
// fails its task; the others still run to the end.
func (p *Pool) Run(tasks ...Task) ([]Result, error) {
	return p.RunContext(context.Background(), tasks...)
}

// RunContext is Run, also ended when ctx is done: running workers are
// killed and their tasks fail.
func (p *Pool) RunContext(ctx context.Context, tasks ...Task) ([]Result, error) {
	if err := p.check(len(tasks)); err != nil {
		return nil, err
	}
	worker, err := p.worker()
	if err != nil {
		return nil, err
	}
	ctx, cancel, timeout := p.context(ctx)
	defer cancel()

	results := make([]Result, len(tasks))
	forEach(len(tasks), p.Procs, func(i int) {
		results[i] = p.runProcess(ctx, worker, tasks[i], timeout)
	})
	return results, joinErrors(results)
}

// runProcess starts one worker for t and waits for it.
func (p *Pool) runProcess(ctx context.Context, worker string, t Task, timeout time.Duration) Result {
	r := Result{Task: t}
	if err := ctx.Err(); err != nil {
		r.Err = &TaskError{Task: t, Err: fmt.Errorf("not started: %w", err)}
		return r
	}
	cmd := exec.CommandContext(ctx, worker, append([]string{"worker", t.Name}, t.Args...)...)
	cmd.Env = append(os.Environ(), p.Env...)
	out, errOut := newLineWriter(p.stdout), newLineWriter(p.stderr)
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.WaitDelay = waitDelay

	start := time.Now()
	err := cmd.Start()
	if err == nil {
		r.PID = cmd.Process.Pid
		err = cmd.Wait()
	}
	r.Elapsed = time.Since(start)
	out.Flush()
	errOut.Flush()
	if err != nil {
		if ctx.Err() != nil {
			// Say why it was killed, not just "signal: killed".
			err = fmt.Errorf("killed after the pool's %v timeout (%w)", timeout, err)
			if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("killed: %w (%v)", ctx.Err(), err)
			}
		}
		r.Err = &TaskError{Task: t, PID: r.PID, Err: err}
	}
	return r
}

// worker finds the worker binary: Pool.Worker, $GOLOCKS_WORKER, this
// program if it is golocks, then golocks on $PATH. A binary that is named
// but missing is an error before any task starts.
func (p *Pool) worker() (string, error) {
	for _, w := range []struct{ path, from string }{{p.Worker, "Pool.Worker"}, {os.Getenv("GOLOCKS_WORKER"), "$GOLOCKS_WORKER"}} {
		if w.path == "" {
			continue
		}
		path, err := exec.LookPath(w.path)
		if err != nil {
			return "", fmt.Errorf("pool: worker binary %s (from %s): %w", w.path, w.from, errors.Unwrap(err))
		}
		return path, nil
	}
	if self, err := os.Executable(); err == nil && filepath.Base(self) == "golocks" {
		return self, nil
	}
	if w, err := exec.LookPath("golocks"); err == nil {
		return w, nil
	}
	return "", errors.New("pool: no worker binary: set Pool.Worker or $GOLOCKS_WORKER, or put golocks on $PATH")
}
