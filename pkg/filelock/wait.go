package filelock

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/golocks/golocks/pkg/lockerr"
	"github.com/golocks/golocks/runtime/cell"
)

// Waiters: one per lock file per process.
//
// flock(2) takes no timeout and nothing interrupts it (Go's signal handlers
// make the kernel restart it), so a bounded wait runs the blocking call in
// a goroutine, the waiter, and waits for whichever comes first: the lock,
// the bound, the caller's context, the cell's interrupt, Close. A wait
// that gives up leaves the waiter blocked in the kernel, holding one
// goroutine, one OS thread and one descriptor of its own.
//
// Invariant: a process has at most one waiter per lock file, whichever
// and however many Lock values wait for it. The file is known by its
// identity (device and inode on Unix), not its path, so two paths to one
// file share a waiter. Every wait on the file queues on that waiter; when
// its flock returns, the waiter hands the lock (its descriptor, which
// becomes the taker's) to the first wait still queued, and the other
// queued waits try again, one of them starting the next waiter. With
// nobody queued it lets go at once, so that other processes are not kept
// waiting by waits that gave up, and closes its descriptor. So however
// many waits time out, by one Lock or by a fresh Lock each time, the
// process keeps one goroutine, one thread and one descriptor per busy lock
// file, until the holder lets go.
type waiter struct {
	id    fileID
	f     *file
	queue []*ticket // the waits that want the lock, first come first; guarded by waiters
}

// waiters is the process's registry of waiters, by lock file: the one
// piece of process-wide state in this package, there because flock(2)
// waits cannot be shared any other way between Lock values. It holds
// nothing but waiters in progress: a waiter adds itself when a wait finds
// none for its file and removes itself when its flock returns. The mutex
// is never held while waiting or across a system call. (golocks keeps
// process state in three places, each for something a process has one
// of: this, the kernel of runtime/cell, and the private Redis server of
// course/redisserver.)
var waiters = struct {
	sync.Mutex
	m map[fileID]*waiter
}{m: make(map[fileID]*waiter)}

// A ticket is one wait's place in a waiter's queue. The waiter settles it
// (under waiters' mutex) by closing done: with f set, the lock is the
// wait's; with err set, flock failed; with neither, another wait got the
// lock and this one should try again.
type ticket struct {
	w    *waiter
	done chan struct{}
	f    *file
	err  error
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
	// The running cell's interrupt, read once as the wait starts (package
	// cell, "How an interrupt reaches a wait").
	interrupt := cell.Context()

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

	var stop func() error // why the wait ended, if it did not get the lock
	for stop == nil {
		t, err := l.enqueue()
		if err != nil {
			<-l.sem
			return err
		}
		select {
		case <-t.done:
			if t.f != nil || t.err != nil {
				return l.took(t)
			}
			// Another wait of this process got the lock: try again.
			if ok, err := l.tryFile(); ok || err != nil {
				if err != nil {
					<-l.sem
				}
				return err
			}
			continue
		case <-bound:
			stop = func() error { return l.timeoutError(d) }
		case <-ctxDone:
			stop = func() error { return l.ctxError(ctx, start) }
		case <-interrupt.Done():
			stop = func() error { return lockerr.Canceled(l.path, time.Since(start), interrupt) }
		case <-l.closing:
			stop = func() error { return fmt.Errorf("lock %s: %w", l.path, ErrClosed) }
		}
		if giveUp(t) && (t.f != nil || t.err != nil) {
			// The lock came at the same moment: take it rather than
			// throw it away.
			return l.took(t)
		}
	}
	l.closeFiles()
	<-l.sem
	return stop()
}

// enqueue queues a wait on the waiter of l's lock file, starting one if
// the process has none. The caller holds sem, and tryFile has just opened
// l.main and found the lock busy.
func (l *Lock) enqueue() (*ticket, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("lock %s: %w", l.path, ErrClosed)
	}
	if l.main == nil { // tryFile keeps it open; defensive
		return nil, fmt.Errorf("lock %s: no open lock file", l.path)
	}
	id, err := l.main.id()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", l.path, err)
	}
	if t := join(id, nil); t != nil {
		return t, nil
	}
	// None yet: start one on a descriptor of its own (the spare, or a new
	// one): a blocking flock on main's description would be granted at
	// once as a "conversion" of a lock that a later try on main took.
	f := l.spare
	l.spare = nil
	if f == nil {
		if f, err = openFile(l.path); err != nil {
			return nil, fmt.Errorf("lock %s: %w", l.path, err)
		}
	}
	if fid, err := f.id(); err != nil || fid != id {
		_ = f.close()
		if err == nil {
			err = fmt.Errorf("lock file replaced while open (deleted and created again)")
		}
		return nil, fmt.Errorf("lock %s: %w", l.path, err)
	}
	t := join(id, f)
	if t.w.f != f { // another Lock started one meanwhile
		l.spare = f
	}
	return t, nil
}

// join queues a ticket on the waiter of file id. With f nil it only joins
// a waiter in progress, returning nil if there is none; with f it starts
// a waiter on f if there is none.
func join(id fileID, f *file) *ticket {
	waiters.Lock()
	defer waiters.Unlock()
	w := waiters.m[id]
	if w == nil {
		if f == nil {
			return nil
		}
		w = &waiter{id: id, f: f}
		waiters.m[id] = w
		go w.run()
	}
	t := &ticket{w: w, done: make(chan struct{})}
	w.queue = append(w.queue, t)
	return t
}

// run is the waiter's goroutine: flock, then hand the lock to the first
// wait queued, or let it go.
func (w *waiter) run() {
	err := lockRecover(w.f)
	handed := false
	waiters.Lock()
	delete(waiters.m, w.id)
	for _, t := range w.queue {
		switch {
		case err != nil:
			t.err = err
		case !handed:
			t.f, handed = w.f, true
		}
		close(t.done)
	}
	w.queue = nil
	waiters.Unlock()
	if !handed {
		// Nobody waits for it any more: release the lock at once (closing
		// the descriptor drops it).
		_ = w.f.close()
	}
}

// giveUp takes t out of its waiter's queue, unless the waiter already
// settled it: then giveUp reports true and the caller reads the result.
func giveUp(t *ticket) bool {
	waiters.Lock()
	defer waiters.Unlock()
	select {
	case <-t.done:
		return true
	default:
	}
	q := t.w.queue
	for i, o := range q {
		if o == t {
			t.w.queue = append(q[:i], q[i+1:]...)
			break
		}
	}
	return false
}

// took settles a ticket that the waiter handed a result: the lock is the
// caller's now, or the error is. The caller holds sem, which it keeps only
// with the lock.
func (l *Lock) took(t *ticket) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var err error
	switch {
	case t.err != nil:
		err = fmt.Errorf("lock %s: %w", l.path, t.err)
	case l.closed:
		err = fmt.Errorf("lock %s: %w", l.path, ErrClosed)
	}
	if err != nil {
		if t.f != nil {
			_ = t.f.close() // drops the lock
		}
		<-l.sem
		return err
	}
	l.held = t.f
	return nil
}

// closeFiles closes the descriptors of a Lock whose wait gave up: a Lock
// that is neither holding nor waiting keeps nothing open, so that a fresh
// Lock per try (filelock.New(path).LockTimeout(d) in a loop) leaves no
// descriptors behind. The next Lock opens the file again. The caller holds
// sem and not the lock, so nothing else uses them.
func (l *Lock) closeFiles() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed || l.held != nil {
		return
	}
	for _, f := range []*file{l.main, l.spare} {
		if f != nil {
			_ = f.close()
		}
	}
	l.main, l.spare = nil, nil
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
