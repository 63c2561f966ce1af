package filelock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout is how long Lock waits on a new Lock, until SetTimeout
// changes it for that Lock.
const DefaultTimeout = 10 * time.Second

// A Lock is one inter-process lock on a lock file. Use one *Lock per
// process (or per worker) and share it freely between goroutines: they
// exclude each other as well as other processes. Make it with New; the
// zero value is not usable. Close it when done.
//
// Unlike sync.Mutex, locking never waits forever (the wait ends in a
// *TimeoutError) and unlocking an unlocked Lock is an error, not a crash.
type Lock struct {
	path    string
	timeout atomic.Int64 // Lock's bound, in nanoseconds (SetTimeout)

	// sem holds a token while one goroutine of this process holds the lock
	// or is acquiring the file lock: the in-process half of the lock. A
	// channel rather than a sync.Mutex because waiting on it must end at a
	// bound, a context or an interrupted cell.
	sem chan struct{}

	// closing is closed by Close: it ends the waits in progress.
	closing chan struct{}

	mu     sync.Mutex // guards the fields below; never held while waiting
	closed bool
	main   *file // the descriptor Lock and TryLock try first; nil until first used
	held   *file // the descriptor holding the file lock, nil if not held
	spare  *file // a second descriptor, for the next waiter (see waiter)
}

// New returns the lock for the lock file at path, waiting at most
// DefaultTimeout in Lock. Nothing is opened yet: the file is created on the
// first Lock if it is missing, and a bad path (a directory, a missing
// parent directory) shows up as Lock's error.
func New(path string) *Lock {
	l := &Lock{path: path, sem: make(chan struct{}, 1), closing: make(chan struct{})}
	l.timeout.Store(int64(DefaultTimeout))
	return l
}

// Path returns the lock file's path as given to New.
func (l *Lock) Path() string {
	if l == nil {
		return ""
	}
	return l.path
}

// SetTimeout sets how long Lock waits, and LockContext with a context that
// has no deadline; d <= 0 makes them try once. It is safe to call at any
// time, from any goroutine: a wait already under way keeps its bound.
func (l *Lock) SetTimeout(d time.Duration) {
	if l != nil {
		l.timeout.Store(int64(d))
	}
}

// Timeout returns the bound that SetTimeout set (DefaultTimeout for a new
// Lock).
func (l *Lock) Timeout() time.Duration {
	if l == nil {
		return 0
	}
	return time.Duration(l.timeout.Load())
}

// Lock takes the lock, waiting at most l.Timeout(). Use it for the
// ordinary "take turns" case; pair it with Unlock (defer l.Unlock()).
// In a notebook the wait also ends when the cell is interrupted.
func (l *Lock) Lock() error {
	if l == nil {
		return errNil
	}
	return l.lock(nil, l.Timeout())
}

// LockTimeout takes the lock, waiting at most d. With d <= 0 it tries once
// and reports a busy lock as a *TimeoutError (TryLock reports it as false).
func (l *Lock) LockTimeout(d time.Duration) error {
	return l.lock(nil, d)
}

// LockContext takes the lock, waiting until ctx is done, and at most
// l.Timeout() if ctx has no deadline: every wait is bounded. A deadline
// that passes gives a *TimeoutError that also matches
// context.DeadlineExceeded; a cancelled ctx gives an error wrapping its
// cause and context.Canceled. A free lock is taken even if ctx is done.
func (l *Lock) LockContext(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("lock %s: nil context", l.Path())
	}
	return l.lock(ctx, l.Timeout())
}

// TryLock takes the lock if it is free right now and reports whether it
// did. Use it to do something else instead of waiting. The error is for a
// lock file that cannot be opened, never for a busy lock.
func (l *Lock) TryLock() (bool, error) {
	if err := l.check(); err != nil {
		return false, err
	}
	select {
	case l.sem <- struct{}{}:
	default:
		return false, nil // another goroutine of ours has it
	}
	ok, err := l.tryFile()
	if !ok {
		<-l.sem
	}
	return ok, err
}

// Unlock releases the lock. Any goroutine may call it, as with sync.Mutex;
// calling it when the lock is not held returns an error wrapping
// ErrNotLocked.
func (l *Lock) Unlock() error {
	if err := l.check(); err != nil {
		return err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("unlock %s: %w", l.path, ErrClosed)
	}
	f := l.held
	if f == nil {
		l.mu.Unlock()
		return fmt.Errorf("unlock %s: %w", l.path, ErrNotLocked)
	}
	l.held = nil
	err := f.unlock()
	if err != nil {
		// The descriptor's state is unknown: never use it again.
		// (flock(LOCK_UN) on an open descriptor does not fail in practice;
		// closing it drops any lock it has.)
		l.forget(f)
		err = fmt.Errorf("unlock %s: %w", l.path, err)
	} else if f != l.main {
		// A waiter's descriptor, handed over with the lock: the next
		// waiter's.
		if l.spare == nil {
			l.spare = f
		} else {
			_ = f.close()
		}
	}
	l.mu.Unlock()
	<-l.sem
	return err
}

// Close releases the lock if it is held and closes the lock file's
// descriptors. Call it when the Lock is no longer needed (a Lock that is
// garbage collected has its descriptors closed too, later). After Close,
// Lock, TryLock and Unlock return an error wrapping ErrClosed; waits in
// progress end with that error. The process's blocking wait on the lock
// file, if a wait that gave up left one (see waiter), ends when the lock's
// holder lets go.
func (l *Lock) Close() error {
	if err := l.check(); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("close %s: %w", l.path, ErrClosed)
	}
	l.closed = true
	close(l.closing)
	var err error
	if l.held != nil {
		// Closing its descriptor below drops the file lock; give the
		// in-process half back too, so that goroutines waiting for it
		// get ErrClosed now rather than at their bound.
		if l.held != l.main {
			err = l.held.close()
		}
		l.held = nil
		<-l.sem
	}
	for _, f := range []*file{l.main, l.spare} {
		if f != nil {
			err = errors.Join(err, f.close())
		}
	}
	l.main, l.spare = nil, nil
	if err != nil {
		return fmt.Errorf("close %s: %w", l.path, err)
	}
	return nil
}

// errNil is the error of every method on a nil *Lock.
var errNil = errors.New("lock: method called on a nil *filelock.Lock")

// check turns misuse into errors: the library must not panic in a kernel.
func (l *Lock) check() error {
	if l == nil {
		return errNil
	}
	if l.sem == nil {
		return errors.New("lock: use of a filelock.Lock not made by filelock.New")
	}
	if l.path == "" {
		return errors.New("lock: empty lock file path")
	}
	return nil
}

// lock is Lock, LockTimeout and LockContext: a wait bounded by d, or by
// ctx's deadline if ctx has one.
//
// The fast path, a free lock, is a channel send and one flock(2): no
// clock reading, no timer, no allocation.
func (l *Lock) lock(ctx context.Context, d time.Duration) error {
	if err := l.check(); err != nil {
		return err
	}
	once := d <= 0 && (ctx == nil || !hasDeadline(ctx)) // a bound of 0: try once
	select {
	case l.sem <- struct{}{}:
		ok, err := l.tryFile()
		if ok || err != nil {
			if err != nil {
				<-l.sem
			}
			return err
		}
		if once {
			<-l.sem
			return l.timeoutError(0)
		}
		return l.wait(ctx, d, true)
	default:
	}
	if once {
		return l.timeoutError(0)
	}
	return l.wait(ctx, d, false)
}

func hasDeadline(ctx context.Context) bool {
	_, ok := ctx.Deadline()
	return ok
}

// tryFile takes the file lock on the main descriptor without waiting,
// opening it on first use. The caller holds sem.
//
// The process's blocking wait on the file (see waiter) waits on another
// descriptor, so trying this one is safe: flock(2) sees two descriptions of
// one file as two holders. On one description, a pending blocking request
// would instead be granted at once as a "conversion" of the lock that a
// try had meanwhile taken, and the waiter would then drop it.
func (l *Lock) tryFile() (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false, fmt.Errorf("lock %s: %w", l.path, ErrClosed)
	}
	if l.main == nil {
		f, err := openFile(l.path)
		if err != nil {
			return false, fmt.Errorf("lock %s: %w", l.path, err)
		}
		l.main = f
	}
	ok, err := l.main.tryLock()
	if err != nil {
		l.forget(l.main)
		return false, fmt.Errorf("lock %s: %w", l.path, err)
	}
	if ok {
		l.held = l.main
	}
	return ok, nil
}

// forget closes f, a descriptor in an unknown state, and stops using it.
// The caller holds mu.
func (l *Lock) forget(f *file) {
	_ = f.close()
	switch f {
	case l.main:
		l.main = nil
	case l.spare:
		l.spare = nil
	}
}
