package pool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// A job is one call as schedule drives it, in a worker process or in a
// goroutine.
type job interface {
	// prepare gets the call ready to cross the start line: a worker
	// process is started and has found its function and rebuilt the
	// arguments. An error means the call cannot be made.
	prepare(ctx context.Context) error
	// signal gives a ready job its start signal, which it acts on when
	// the start line opens (release).
	signal()
	// run makes the call, once signalled and released, and returns its
	// error. A worker process is killed when ctx is done.
	run(ctx context.Context) error
	// abandon releases a prepared job that will not run.
	abandon()
	// pid is the worker's process id, or 0.
	pid() int
	// text is the call as Go would write it.
	text() string
}

// errCalledOff is why calls did not start after another call could not.
var errCalledOff = errors.New("called off")

// schedule runs jobs, at most procs at a time, behind one start line (see
// Run), and returns their results in order. Once the first round is ready,
// each of its jobs is signalled and then release lets them all go at once.
// With waitAll it returns once every job has ended (processes: each ends
// when ctx is done, killed); without, it returns when ctx is done and
// reports the jobs still running (goroutines, which cannot be killed).
func schedule(ctx context.Context, procs int, jobs []job, release func(), waitAll bool) []Result {
	o := &outcomes{results: make([]Result, len(jobs)), ended: make([]bool, len(jobs)), started: make([]bool, len(jobs))}
	for i, j := range jobs {
		o.results[i].Call = j.text()
	}
	first := min(procs, len(jobs))
	line := newStartLine(jobs[:first], release)
	sem := make(chan struct{}, procs)
	var wg sync.WaitGroup
	for i, j := range jobs {
		acquired := false
		select {
		case sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		case <-line.off:
		}
		if why := line.stop(ctx); why != nil {
			if acquired {
				<-sem
			}
			for k := i; k < len(jobs); k++ {
				o.set(k, notStarted(jobs[k], why), false)
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			runJob(ctx, i, j, line, i < first, o)
		}()
	}

	all := make(chan struct{})
	go func() {
		wg.Wait()
		close(all)
	}()
	if waitAll {
		<-all
	} else {
		select {
		case <-all:
		case <-ctx.Done():
		}
	}
	return o.snapshot(ctx)
}

// runJob prepares job i, waits at the start line if it is in the first
// round, runs it and records its result.
func runJob(ctx context.Context, i int, j job, line *startLine, firstRound bool, o *outcomes) {
	if err := j.prepare(ctx); err != nil {
		o.set(i, Result{Call: j.text(), PID: j.pid(), Err: &TaskError{Call: j.text(), PID: j.pid(), Err: err}}, false)
		if ctx.Err() == nil {
			line.callOff(fmt.Errorf("%w: %s could not start", errCalledOff, j.text()))
		}
		return
	}
	if firstRound {
		line.arrive()
	}
	if why := line.wait(ctx, firstRound); why != nil {
		j.abandon()
		o.set(i, notStarted(j, why), false)
		return
	}
	if !firstRound {
		j.signal() // the line is long open: go at once
	}
	o.start(i)
	start := time.Now()
	err := j.run(ctx)
	r := Result{Call: j.text(), PID: j.pid(), Elapsed: time.Since(start)}
	if err != nil {
		r.Err = &TaskError{Call: j.text(), PID: j.pid(), Err: err}
	}
	o.set(i, r, true)
}

func notStarted(j job, why error) Result {
	return Result{Call: j.text(), PID: j.pid(), Err: &TaskError{Call: j.text(), PID: j.pid(), Err: fmt.Errorf("%w: %w", ErrNotStarted, why)}}
}

// A startLine holds the first round of a run's calls until all of them are
// ready, then lets them all go at once. A call that cannot get ready calls
// the whole run off.
type startLine struct {
	mu      sync.Mutex
	first   []job         // the first round
	release func()        // lets the signalled first round go, all at once
	waiting int           // first-round calls not yet ready
	open    chan struct{} // closed when all of them are: go
	off     chan struct{} // closed when the run is called off
	why     error         // why it was called off
}

func newStartLine(first []job, release func()) *startLine {
	return &startLine{first: first, release: release, waiting: len(first), open: make(chan struct{}), off: make(chan struct{})}
}

// arrive says one first-round call is ready. The last one to arrive
// signals them all and releases them.
func (l *startLine) arrive() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting--; l.waiting == 0 {
		for _, j := range l.first {
			j.signal()
		}
		l.release()
		close(l.open)
	}
}

// callOff stops every call that has not crossed the line yet; the first
// reason given is kept.
func (l *startLine) callOff(why error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-l.off:
	default:
		l.why = why
		close(l.off)
	}
}

// stop says why no more calls may cross, if so: the run ended or was called
// off.
func (l *startLine) stop(ctx context.Context) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	select {
	case <-l.off:
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.why
	default:
		return nil
	}
}

// wait returns nil when a ready call may cross: a first-round call once the
// whole round is ready, a later call at once; or why it may not.
func (l *startLine) wait(ctx context.Context, firstRound bool) error {
	if firstRound {
		select {
		case <-l.open:
			return nil
		case <-l.off:
		case <-ctx.Done():
		}
		select {
		case <-l.open: // open won a tie: go (a dead ctx kills the call at once)
			return nil
		default:
		}
	}
	return l.stop(ctx)
}

// outcomes are a run's results as its jobs record them. mu guards them: a
// goroutine still running when the run returns may record its result later.
type outcomes struct {
	mu      sync.Mutex
	results []Result
	started []bool // crossed the start line
	ended   []bool // result recorded
}

func (o *outcomes) start(i int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.started[i] = true
}

func (o *outcomes) set(i int, r Result, started bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.results[i] = r
	o.started[i] = o.started[i] || started
	o.ended[i] = true
}

// snapshot returns the results; a call that has not ended by now was
// started and is still running (a goroutine), or was never started.
func (o *outcomes) snapshot(ctx context.Context) []Result {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]Result, len(o.results))
	copy(out, o.results)
	for i := range out {
		if o.ended[i] {
			continue
		}
		err := fmt.Errorf("%w: %w", ErrNotStarted, context.Cause(ctx))
		if o.started[i] {
			err = fmt.Errorf("still running: %w (a goroutine cannot be killed: it runs on)", context.Cause(ctx))
		}
		out[i].Err = &TaskError{Call: out[i].Call, Err: err}
	}
	return out
}
