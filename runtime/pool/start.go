package pool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/golocks/golocks/runtime/gate"
)

// gateWait bounds how long Start waits for a worker to install its gate
// once it was told to start.
const gateWait = 20 * time.Second

// A GatedRun is a run started by Start: one worker process per task, each
// held at every system call on the watched files until its Gate lets the
// call go. Its calls go on until each has returned, or Kill. A run started
// by StartRepeatable then stays, for Again to make them all once more in
// the same processes, until Kill ends it.
type GatedRun struct {
	Workers []*Worker // one per task, in order

	cancel context.CancelFunc
	st     *starter
	all    chan struct{} // closed once every worker has exited and its gate is closed
	again  bool          // started by StartRepeatable
}

// A Worker is one task's process in a GatedRun.
type Worker struct {
	Call string     // the call as Go would write it
	PID  int        // the worker's process id
	Gate *gate.Gate // its gate: the held calls arrive on Gate.Calls()

	job  *processJob
	gone chan struct{} // closed once the process has exited and its gate is closed

	mu     sync.Mutex
	start  time.Time
	done   chan struct{} // this run's: closed when its call has ended
	ended  bool          // done is closed
	res    Result        // this run's, once ended
	left   string        // what this run's call left running (report.Left)
	exited bool
}

// Done is closed when the worker's current call has ended: it returned or
// failed, or the worker died or was killed (for a run made by Start, once
// the worker has exited). After Again, it is the new call's.
func (w *Worker) Done() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.done
}

// Result is the current call's outcome, once Done is closed.
func (w *Worker) Result() Result {
	<-w.Done()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.res
}

// finish ends the current call with err (nil: it returned nil), unless it
// has ended already.
func (w *Worker) finish(err error, left string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ended {
		return
	}
	w.ended, w.left = true, left
	w.res = Result{Call: w.Call, PID: w.PID, Elapsed: time.Since(w.start)}
	if err != nil {
		w.res.Err = &TaskError{Call: w.Call, PID: w.PID, Err: err}
	}
	close(w.done)
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
	return p.start(ctx, watch, tasks, false)
}

// StartRepeatable is Start for calls to be made more than once: each
// worker stays when its call has ended (Worker.Done), for GatedRun.Again
// to make the call again in the same process, until Kill (or Wait) ends
// the run. Use it to run the same calls many times under different
// schedules (the stepper's Every): a process start is most of a short
// call's cost. protocol.go says what a worker does between its calls, and
// why the next call runs as in a fresh process.
func (p *Pool) StartRepeatable(ctx context.Context, watch []string, tasks ...Task) (*GatedRun, error) {
	return p.start(ctx, watch, tasks, true)
}

func (p *Pool) start(ctx context.Context, watch []string, tasks []Task, again bool) (*GatedRun, error) {
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

	r := &GatedRun{cancel: cancel, st: newStarter(), all: make(chan struct{}), again: again}
	out := newOutput(s)
	r.Workers = make([]*Worker, len(calls))
	for i, c := range calls {
		j := &processJob{c: c, s: s, starter: r.st, out: out, line: lineR, barrier: barrier, gated: true, again: again}
		r.Workers[i] = &Worker{Call: c.text, job: j, done: make(chan struct{}), gone: make(chan struct{})}
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
			<-w.gone
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

// run follows the worker's calls (each reported Done) until it exits, or
// kills it when ctx ends; then closes its gate.
func (w *Worker) run(ctx context.Context) {
	j := w.job
	reports := j.reports
	defer func() {
		w.Gate.Close()
		w.mu.Lock()
		w.exited = true
		w.mu.Unlock()
		close(w.gone)
	}()
	// A call that may be made again ends at its Done; any other at the
	// worker's exit, as a Run's does (its exit status counts too).
	var done *report
	for {
		select {
		case r, ok := <-reports:
			if !ok {
				reports = nil // the worker's end closed: it is exiting
				continue
			}
			if r.Done && j.again {
				w.finish(doneErr(r), r.Left)
			} else if r.Done {
				done = &r
			}
		case <-j.exited:
			var last *report
			j.drainReports(&last)
			j.close()
			if last != nil && j.again {
				w.finish(doneErr(*last), last.Left) // before exit: its own outcome
			} else if last != nil {
				done = last
			}
			w.exit(j.outcome(done))
			return
		case <-ctx.Done():
			j.kill()
			w.exit(fmt.Errorf("killed: %w", context.Cause(ctx)))
			return
		}
	}
}

// exit marks the worker exited, then ends its current call with err
// unless it has ended: in that order, so that Again never finds it ended
// and not exited once it has gone.
func (w *Worker) exit(err error) {
	w.mu.Lock()
	w.exited = true
	w.mu.Unlock()
	w.finish(err, "")
}

// doneErr is the error of a call a Done report ends.
func doneErr(r report) error {
	switch {
	case r.Panic != "":
		return &PanicError{Value: r.Panic}
	case r.Err != "":
		return errors.New(r.Err)
	}
	return nil
}

// end kills and reaps a worker that will not run (Start failed).
func (w *Worker) end() {
	if w.job.cmd != nil && w.job.exited != nil {
		w.job.kill()
	}
	w.Gate.Close()
	w.finish(ErrNotStarted, "")
	w.exited = true
	close(w.gone)
}

// ErrNotAgain is the error of an Again that cannot make the calls again in
// the same processes as in fresh ones: start a new run instead.
var ErrNotAgain = errors.New("pool: the run cannot be made again in the same processes")

// Again makes every worker's call again, in the same processes, once every
// call of the run has ended: each worker finds the function and rebuilds
// the arguments anew, as a fresh one would, and makes the call, held at
// the gate like the first (protocol.go has what a worker does between
// calls). It returns once every worker was told; each new call's end is
// Done, its outcome Result, as before.
//
// It refuses (ErrNotAgain, saying why) a run whose calls have not all
// ended, a worker that has exited, and a call that left something behind
// that the next could meet, so that the next call could not run as in a
// fresh process: goroutines still running, a watched file still open (a
// lock still held through it). The run is left as it was: Kill it.
func (r *GatedRun) Again() error {
	if !r.again {
		return fmt.Errorf("%w: started by Start, not StartRepeatable", ErrNotAgain)
	}
	for _, w := range r.Workers {
		w.mu.Lock()
		ended, exited, left := w.ended, w.exited, w.left
		w.mu.Unlock()
		switch {
		case !ended:
			return fmt.Errorf("%w: %s has not returned", ErrNotAgain, w.Call)
		case exited:
			return fmt.Errorf("%w: %s: the worker has exited", ErrNotAgain, w.Call)
		case left != "":
			return fmt.Errorf("%w: %s: %s", ErrNotAgain, w.Call, left)
		}
		open, err := w.Gate.Open()
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrNotAgain, w.Call, err)
		}
		if len(open) > 0 {
			return fmt.Errorf("%w: %s left %s open", ErrNotAgain, w.Call, strings.Join(open, " and "))
		}
	}
	for _, w := range r.Workers {
		w.mu.Lock()
		w.done, w.ended, w.left, w.res = make(chan struct{}), false, "", Result{}
		w.start = time.Now()
		w.mu.Unlock()
		w.job.send(again{Again: true})
	}
	return nil
}

// Kill kills every worker of the run (and what each started) and waits
// until they are reaped.
func (r *GatedRun) Kill() {
	r.cancel()
	<-r.all
}

// Wait waits, at most d, until every call has returned or failed, then
// ends the run (its workers killed: the calls have ended) and returns the
// calls' results; at the bound it kills the workers and says so.
func (r *GatedRun) Wait(d time.Duration) ([]Result, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	var late error
wait:
	for _, w := range r.Workers {
		select {
		case <-w.Done():
		case <-t.C:
			late = fmt.Errorf("pool: the gated run was still going after %v: its workers were killed", d)
			break wait
		}
	}
	r.Kill()
	results := make([]Result, len(r.Workers))
	for i, w := range r.Workers {
		results[i] = w.Result()
	}
	return results, errors.Join(late, joinErrors(results))
}
