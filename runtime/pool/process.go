package pool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// waitDelay bounds how long Wait keeps copying an exited worker's output,
// and how long the pool waits for its last report: a grandchild that
// inherited a pipe must not hold the cell open.
const waitDelay = 2 * time.Second

// A processJob is one call in a worker process: the pool's side of the
// protocol (protocol.go).
type processJob struct {
	c       *call
	s       settings
	starter *starter
	out     *output
	line    *os.File // the run's start line, the worker's fd 5
	barrier *os.File // the run's start barrier, the worker's fd 6
	first   bool     // a first-round call: it crosses the barrier
	gated   bool     // a gated call (Start): the worker installs the gate
	again   bool     // a gated call that may be made again (StartRepeatable)

	cmd          *exec.Cmd
	toWorker     *os.File      // requests and the start, the worker's fd 3
	fromWorker   *os.File      // reports, the worker's fd 4
	reports      chan report   // decoded from fromWorker; closed at its end
	exited       chan struct{} // closed when the worker has exited and been reaped
	waitErr      error         // cmd.Wait's error, once exited is closed
	stdout, errw *lineWriter
}

func (j *processJob) text() string { return j.c.text }

func (j *processJob) pid() int {
	if j.cmd == nil || j.cmd.Process == nil {
		return 0
	}
	return j.cmd.Process.Pid
}

// prepare starts the worker, sends it the call and waits until it is ready.
func (j *processJob) prepare(ctx context.Context) error {
	if err := j.startWorker(); err != nil {
		return fmt.Errorf("%w: %v", ErrNotStarted, err)
	}
	go j.send(request{Call: j.c.wire, StartWithin: timeLeft(ctx), Barrier: j.first, Gate: j.gated, Again: j.again})
	select {
	case r, ok := <-j.reports:
		switch {
		case ok && r.Ready:
			if j.first {
				// Go to the barrier: sent once this Ready is handled, so
				// that the pool is done with it before the worker can be
				// the last to arrive (protocol.go).
				j.send(start{Start: true})
			}
			return nil
		case ok:
			j.reap(ctx)
			return fmt.Errorf("%w: %s", ErrNotStarted, r.Err)
		default:
			j.reap(ctx)
			return fmt.Errorf("%w: the worker exited before it was ready (%v)", ErrNotStarted, exitStatus(j.waitErr))
		}
	case <-ctx.Done():
		j.kill()
		return fmt.Errorf("%w: %w", ErrNotStarted, context.Cause(ctx))
	}
}

// startWorker starts `<worker> worker` with its three pipes and the readers
// of its reports and of its exit.
func (j *processJob) startWorker() error {
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return err
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return err
	}
	cmd := exec.Command(j.c.worker, workerArg)
	cmd.Env = append(append(os.Environ(), j.s.env...), channelEnv+"="+channelFDs)
	cmd.ExtraFiles = []*os.File{reqR, repW, j.line, j.barrier} // fds 3, 4, 5 and 6
	j.stdout, j.errw = j.out.lines(false), j.out.lines(true)
	cmd.Stdout, cmd.Stderr = j.stdout, j.errw
	cmd.WaitDelay = waitDelay
	cmd.SysProcAttr = sysProcAttr()
	err = j.starter.start(cmd)
	// The worker has its own copies of its ends (or never will).
	reqR.Close()
	repW.Close()
	if err != nil {
		reqW.Close()
		repR.Close()
		return fmt.Errorf("worker %s: %w", filepath.Base(j.c.worker), err)
	}
	j.cmd, j.toWorker, j.fromWorker = cmd, reqW, repR
	j.reports, j.exited = make(chan report, 4), make(chan struct{})
	go j.readReports()
	go func() {
		j.waitErr = cmd.Wait()
		j.stdout.Flush()
		j.errw.Flush()
		// Anything the worker started in its group dies with it.
		killGroup(cmd.Process.Pid)
		close(j.exited)
	}()
	return nil
}

// readReports decodes the worker's reports until its end of the pipe
// closes (it exited) or the pool closes its own.
func (j *processJob) readReports() {
	defer close(j.reports)
	dec := json.NewDecoder(j.fromWorker)
	for {
		var r report
		if err := dec.Decode(&r); err != nil {
			return
		}
		j.reports <- r
	}
}

// send writes one message to the worker. A worker that died makes it fail
// (a broken pipe), and the reports' end says so.
func (j *processJob) send(m any) {
	b, err := json.Marshal(m)
	if err == nil {
		_, _ = j.toWorker.Write(append(b, '\n'))
	}
}

// signal sends a later call's worker its Start. A first-round worker got
// its own when it was ready (prepare), and goes when the start barrier
// opens.
func (j *processJob) signal() {
	if !j.first {
		j.send(start{Start: true})
	}
}

// run waits for the call's end and the worker's exit.
func (j *processJob) run(ctx context.Context) error {
	var done *report
	reports := j.reports
	for {
		select {
		case r, ok := <-reports:
			if !ok {
				reports = nil // the worker's end closed: it is exiting
				continue
			}
			if r.Done {
				done = &r
			}
		case <-j.exited:
			j.drainReports(&done)
			j.close()
			return j.outcome(done)
		case <-ctx.Done():
			j.kill()
			return fmt.Errorf("killed: %w", context.Cause(ctx))
		}
	}
}

// drainReports reads what the worker reported just before it exited.
func (j *processJob) drainReports(done **report) {
	t := time.NewTimer(waitDelay)
	defer t.Stop()
	for {
		select {
		case r, ok := <-j.reports:
			if !ok {
				return
			}
			if r.Done {
				*done = &r
			}
		case <-t.C:
			return
		}
	}
}

// outcome is the call's error, from its last report and the worker's exit.
func (j *processJob) outcome(done *report) error {
	switch {
	case done == nil && j.waitErr == nil:
		return errors.New("the worker exited before the call returned (did it call os.Exit?)")
	case done == nil:
		return fmt.Errorf("the worker died before the call returned: %w", j.waitErr)
	case done.Panic != "":
		return &PanicError{Value: done.Panic}
	case done.Err != "":
		return errors.New(done.Err)
	case j.waitErr != nil:
		return fmt.Errorf("the worker failed after the call returned: %w", j.waitErr)
	}
	return nil
}

// abandon kills a worker waiting at the start line.
func (j *processJob) abandon() {
	j.kill()
}

// kill kills the worker's whole process group and waits until it is reaped.
func (j *processJob) kill() {
	killGroup(j.cmd.Process.Pid)
	<-j.exited
	j.close()
}

// reap waits for a worker that is ending on its own (it reported that it
// cannot make the call, or closed its pipe), killing it if ctx ends first.
func (j *processJob) reap(ctx context.Context) {
	select {
	case <-j.exited:
		j.close()
	case <-ctx.Done():
		j.kill()
	}
}

// close closes the pool's ends of the pipes, which ends readReports.
func (j *processJob) close() {
	j.toWorker.Close()
	j.fromWorker.Close()
}

// timeLeft is how long a worker may wait at the start line: what is left of
// the run.
func timeLeft(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d)
	}
	return DefaultTimeout
}

// exitStatus spells how a worker ended: "exit status 2", "signal: killed".
func exitStatus(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// compiledWorker finds the worker binary for compiled functions:
// Pool.Worker, $GOLOCKS_WORKER, this program if it is golocks, then golocks
// on $PATH. A binary that is named but missing is an error before any
// process starts.
func (s settings) compiledWorker() (string, error) {
	for _, w := range []struct{ path, from string }{{s.worker, "Pool.Worker"}, {os.Getenv("GOLOCKS_WORKER"), "$GOLOCKS_WORKER"}} {
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
