package filelock

import (
	"context"
	"fmt"
	"time"

	"github.com/golocks/golocks/pkg/lockerr"
	"github.com/golocks/golocks/runtime/cell"
)

// A waiter is a blocking flock(2) in a goroutine of its own, on a
// descriptor of its own.
//
// flock(2) takes no timeout and nothing interrupts it (Go's signal handlers
// make the kernel restart it), so a bounded wait runs the blocking call in
// a goroutine and waits for whichever comes first: the lock, the bound, the
// caller's context, the cell's interrupt, Close. A wait that gives up
// leaves the waiter blocked in the kernel, holding one goroutine, one OS
// thread and one descriptor. It is not abandoned: it stays the Lock's
// waiter (l.waiter), the next call waits on it rather than starting another,
// and when it gets the lock with nobody waiting for it, it lets go at once
// and leaves its descriptor for the next waiter. So a Lock has at most one
// waiter and two descriptors, however many waits time out.
type waiter struct {
	f    *file
	done chan struct{} // closed once flock returned and the result is settled
	err  error         // flock's error, set before done is closed

	// wanted says that a call is waiting for the result: the lock is
	// then handed to it rather than released. Guarded by the Lock's mu.
	wanted bool
}

// wait is the slow path of lock: wait for the in-process token (unless
// haveSem), then for the file lock, at most d, or until ctx's deadline if
// ctx has one.
func (l *Lock) wait(ctx context.Context, d time.Duration, haveSem bool) error {
	start := time.Now()
	var ctxDone <-chan struct{}
	ownBound := true
	if ctx != nil {
		if err := ctx.Err(); err != nil {
			if haveSem {
				<-l.sem
			}
			return l.ctxError(ctx, start)
		}
		ctxDone = ctx.Done()
		ownBound = !hasDeadline(ctx)
	}
	var bound <-chan time.Time
	if ownBound {
		t := time.NewTimer(d)
		defer t.Stop()
		bound = t.C
	}
	// The cell's context as it is when the wait starts (cell.Context): a
	// goroutine that a previous cell left running is stopped by the cell
	// running now.
	interrupt := cell.Context()

	var stop func() error // why the wait ended, if it did not get the lock
	if !haveSem {
		select {
		case l.sem <- struct{}{}:
		case <-bound:
			return l.timeoutError(d)
		case <-ctxDone:
			return l.ctxError(ctx, start)
		case <-interrupt.Done():
			return lockerr.Canceled(l.path, time.Since(start), interrupt)
		case <-l.closing:
			return fmt.Errorf("lock %s: %w", l.path, ErrClosed)
		}
		if ok, err := l.tryFile(); ok || err != nil {
			if err != nil {
				<-l.sem
			}
			return err
		}
	}

	w, err := l.startWaiter()
	if err != nil {
		<-l.sem
		return err
	}
	select {
	case <-w.done:
		return l.took(w)
	case <-bound:
		stop = func() error { return l.timeoutError(d) }
	case <-ctxDone:
		stop = func() error { return l.ctxError(ctx, start) }
	case <-interrupt.Done():
		stop = func() error { return lockerr.Canceled(l.path, time.Since(start), interrupt) }
	case <-l.closing:
		stop = func() error { return fmt.Errorf("lock %s: %w", l.path, ErrClosed) }
	}
	if l.giveUp(w) {
		// The lock came at the same moment: take it rather than throw it
		// away.
		return l.took(w)
	}
	<-l.sem
	return stop()
}

// startWaiter returns the Lock's waiter, marked wanted: the one an earlier
// call left, or a new one. The caller holds sem.
func (l *Lock) startWaiter() (*waiter, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("lock %s: %w", l.path, ErrClosed)
	}
	if w := l.waiter; w != nil {
		w.wanted = true
		return w, nil
	}
	f := l.spare
	if f == nil {
		var err error
		if f, err = openFile(l.path); err != nil {
			return nil, fmt.Errorf("lock %s: %w", l.path, err)
		}
	}
	l.spare = nil
	w := &waiter{f: f, done: make(chan struct{}), wanted: true}
	l.waiter = w
	go l.run(w)
	return w, nil
}

// run is the waiter's goroutine: flock, then hand the lock over or let it
// go.
func (l *Lock) run(w *waiter) {
	err := lockRecover(w.f)
	l.mu.Lock()
	defer l.mu.Unlock()
	w.err = err
	if !w.wanted {
		// Nobody waits for it any more: release the lock at once, so that
		// other processes are not kept waiting by a wait that gave up.
		l.waiter = nil
		if err == nil {
			err = w.f.unlock()
		}
		if err != nil || l.closed || l.spare != nil {
			_ = w.f.close()
		} else {
			l.spare = w.f
		}
	}
	close(w.done)
}

// took settles a waiter that got its result while a call wanted it: the
// lock is that call's now, or the error is. The caller holds sem, which it
// keeps only with the lock.
func (l *Lock) took(w *waiter) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiter == w {
		l.waiter = nil
	}
	var err error
	switch {
	case w.err != nil:
		err = fmt.Errorf("lock %s: %w", l.path, w.err)
	case l.closed:
		err = fmt.Errorf("lock %s: %w", l.path, ErrClosed)
	}
	if err != nil {
		_ = w.f.close() // drops the lock, if it had it
		<-l.sem
		return err
	}
	l.held = w.f
	return nil
}

// giveUp tells the waiter that nobody wants its lock any more, unless it
// already handed it over: then giveUp reports true and the caller takes it.
func (l *Lock) giveUp(w *waiter) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-w.done:
		return true
	default:
		w.wanted = false
		return false
	}
}

// lockRecover is f.lock with a panic returned as an error: a panic in a
// goroutine would kill the whole Jupyter kernel.
func lockRecover(f *file) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in flock: %v", r)
		}
	}()
	return f.lock()
}

// timeoutError is the error of a wait that reached its own bound d, with
// the holder as it is now, when the wait ends.
func (l *Lock) timeoutError(d time.Duration) error {
	return l.withHolder(&TimeoutError{Lock: l.path, Waited: max(d, 0)})
}

// ctxError is the error of a wait that ctx ended. A passed deadline reports
// the wait as the time from start to the deadline: that is the bound the
// caller chose ("timed out after 200ms"), while the clock would add the
// timer's lateness ("201ms").
func (l *Lock) ctxError(ctx context.Context, start time.Time) error {
	waited := time.Since(start)
	if dl, ok := ctx.Deadline(); ok && dl.After(start) && dl.Sub(start) < waited {
		waited = dl.Sub(start)
	}
	err := lockerr.FromContext(l.path, waited, ctx)
	if te, ok := err.(*TimeoutError); ok {
		return l.withHolder(te)
	}
	return err
}
