package pool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/golocks/golocks/runtime/gate"
)

// gateWait bounds how long Start waits for a worker to install its gate
// once it was told to start.
const gateWait = 20 * time.Second

// A GatedRun is a run started by Start: one worker process per task, each
// held at every system call on the watched files until its Gate lets the
// call go. It goes on until every call has returned, or Kill.
type GatedRun struct {
	Workers []*Worker // one per task, in order

	cancel context.CancelFunc
	st     *starter
	all    chan struct{} // closed once every worker has exited and its gate is closed
}

// A Worker is one task's process in a GatedRun.
type Worker struct {
	Call string     // the call as Go would write it
	PID  int        // the worker's process id
	Gate *gate.Gate // its gate: the held calls arrive on Gate.Calls()

	job   *processJob
	start time.Time
	done  chan struct{}
	res   Result
}

// Done is closed when the worker has exited (its call returned, failed, or
// it was killed) and its gate is closed.
func (w *Worker) Done() <-chan struct{} { return w.done }

// Result is the call's outcome; valid once Done is closed.
func (w *Worker) Result() Result {
	<-w.done
	return w.res
}

// Start starts one worker process per task, gated: each installs the gate
// (package gate) on itself before it calls its function, so that every
// system call it makes on one of the files watch names waits until the
// caller lets it go (Worker.Gate). Use it to run a schedule of file
// operations, as the stepper does; use Run to race. The tasks are the
// same as Run's (notebook functions and compiled ones), their output
// streams the same way, and the workers die with this process (Linux).
//
// Start returns once every worker runs its call (held at its first watched
// call, or about to be), or with an error, having killed them all, if one
// could not start. Unlike Run it does not wait for the calls, nor bound
// them by the pool's Timeout: ctx ends the run (every worker killed), or
// Kill does; Wait waits for the end. The pool needs one process per task.
func (p *Pool) Start(ctx context.Context, watch []string, tasks ...Task) (*GatedRun, error) {
	s, err := p.settings(len(tasks))
	if err != nil {
		return nil, err
	}
	if len(tasks) > s.procs {
		return nil, fmt.Errorf("pool: a gated run needs a process per task: %d tasks, Procs %d", len(tasks), s.procs)
	}
	if len(watch) == 0 {
		return nil, errors.New("pool: a gated run needs a file to watch")
	}
	calls, err := s.processCalls(tasks)
	if err != nil {
		return nil, err
	}
	s.env = append(s.env, gate.EnvVar+"=1") // see gate.Install
	ctx, cancel := context.WithCancel(ctx)
	// The start line and barrier a worker expects (it crosses neither).
	barrier, err := newBarrier(0)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("pool: %w", err)
	}
	defer barrier.Close()
	lineR, lineW, err := os.Pipe()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("pool: %w", err)
	}
	defer lineR.Close()
	defer lineW.Close()

	r := &GatedRun{cancel: cancel, st: newStarter(), all: make(chan struct{})}
	out := newOutput(s)
	r.Workers = make([]*Worker, len(calls))
	for i, c := range calls {
		j := &processJob{c: c, s: s, starter: r.st, out: out, line: lineR, barrier: barrier, gated: true}
		r.Workers[i] = &Worker{Call: c.text, job: j, done: make(chan struct{})}
	}

	// Get every worker ready, then gated, all at once.
	errs := make([]error, len(calls))
	var wg sync.WaitGroup
	for i, w := range r.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.begin(ctx, watch)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		cancel()
		for _, w := range r.Workers {
			w.end()
		}
		r.st.stop()
		return nil, err
	}
	for _, w := range r.Workers {
		go w.run(ctx)
	}
	go func() {
		for _, w := range r.Workers {
			<-w.done
		}
		r.st.stop()
		close(r.all)
	}()
	return r, nil
}

// begin starts the worker and gets it gated.
func (w *Worker) begin(ctx context.Context, watch []string) error {
	j := w.job
	if err := j.prepare(ctx); err != nil {
		return &TaskError{Call: w.Call, PID: j.pid(), Err: err}
	}
	w.PID = j.pid()
	j.send(start{Start: true})
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case r, ok := <-j.reports:
		if !ok || r.Gate == 0 {
			why := r.Err
			if !ok {
				why = "the worker exited"
			}
			return &TaskError{Call: w.Call, PID: w.PID, Err: fmt.Errorf("%w: %s", ErrNotStarted, why)}
		}
		g, err := gate.Take(w.PID, r.Gate, watch)
		if err != nil {
			return &TaskError{Call: w.Call, PID: w.PID, Err: fmt.Errorf("%w: %v", ErrNotStarted, err)}
		}
		w.Gate = g
		w.start = time.Now()
		j.send(start{Start: true})
		return nil
	case <-t.C:
		return &TaskError{Call: w.Call, PID: w.PID, Err: fmt.Errorf("%w: no gate within %v", ErrNotStarted, gateWait)}
	case <-ctx.Done():
		return &TaskError{Call: w.Call, PID: w.PID, Err: fmt.Errorf("%w: %w", ErrNotStarted, context.Cause(ctx))}
	}
}

// run waits for the call's end (or kills the worker when ctx ends), then
// closes its gate.
func (w *Worker) run(ctx context.Context) {
	err := w.job.run(ctx)
	w.res = Result{Call: w.Call, PID: w.PID, Elapsed: time.Since(w.start)}
	if err != nil {
		w.res.Err = &TaskError{Call: w.Call, PID: w.PID, Err: err}
	}
	w.Gate.Close()
	close(w.done)
}

// end kills and reaps a worker that will not run (Start failed).
func (w *Worker) end() {
	if w.job.cmd != nil && w.job.exited != nil {
		w.job.kill()
	}
	w.Gate.Close()
	w.res = Result{Call: w.Call, PID: w.PID, Err: &TaskError{Call: w.Call, PID: w.PID, Err: ErrNotStarted}}
	close(w.done)
}

// Kill kills every worker of the run (and what each started) and waits
// until they are reaped.
func (r *GatedRun) Kill() {
	r.cancel()
	<-r.all
}

// Wait waits, at most d, until every call has returned or failed, and
// returns their results; at the bound it kills the workers and says so.
func (r *GatedRun) Wait(d time.Duration) ([]Result, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	var late error
	select {
	case <-r.all:
	case <-t.C:
		late = fmt.Errorf("pool: the gated run was still going after %v: its workers were killed", d)
		r.Kill()
	}
	r.cancel()
	results := make([]Result, len(r.Workers))
	for i, w := range r.Workers {
		results[i] = w.Result()
	}
	return results, errors.Join(late, joinErrors(results))
}
