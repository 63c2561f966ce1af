package filelock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// DefaultTimeout bounds Lock and every call of a Wrap'd function. Change it
// (before starting workers) when a holder legitimately keeps the lock
// longer; use LockTimeout or LockContext for a one-off bound.
var DefaultTimeout = 10 * time.Second

// Lock is one inter-process lock on a lock file. Use one *Lock per
// process (or per worker) and share it freely between goroutines: they
// exclude each other as well as other processes. Make it with New; the
// zero value is not usable.
//
// Unlike sync.Mutex, locking never waits forever (the wait ends in a
// *TimeoutError) and unlocking an unlocked Lock is an error, not a crash.
//
// A Lock that finds the file lock taken by another process retries it for
// up to 50 µs before it sleeps in flock(2): a counter increment holds it for
// about 10 µs, and being woken costs as much. Where waits turn out long, the
// Lock spins less.
//
// A wait for a lock held by another handle that times out leaves a small
// waiter behind (a goroutine, a thread blocked in flock(2) and a file
// descriptor) until the holder lets go: flock(2) cannot be interrupted.
// The waiter then takes the lock and drops it at once. A few timeouts cost
// nothing that matters; a loop retrying forever against a stuck holder
// would pile them up.
type Lock struct {
	path string

	// sem holds a token while one goroutine of this process holds the lock
	// or is acquiring the file lock. A channel rather than a sync.Mutex
	// because waiting on it must honour a timeout or a context.
	sem chan struct{}

	mu     sync.Mutex   // guards fl and locked
	fl     *flock.Flock // the handle; nil = make a fresh one on next use
	locked bool         // the file lock is held through fl

	// spin is how long a Lock that finds the file lock busy retries it
	// before blocking (see spinFile); read and written only with sem held.
	spin time.Duration
}

// New returns the lock for the lock file at path. Nothing is opened yet:
// the file is created on the first Lock if it is missing, and a bad path
// (a directory, a missing parent directory) shows up as Lock's error.
func New(path string) *Lock {
	return &Lock{path: path, sem: make(chan struct{}, 1), spin: maxSpin}
}

// Path returns the lock file's path as given to New.
func (l *Lock) Path() string {
	if l == nil {
		return ""
	}
	return l.path
}

// Lock takes the lock, waiting at most DefaultTimeout. Use it for the
// ordinary "take turns" case; pair it with Unlock (defer l.Unlock()).
func (l *Lock) Lock() error {
	return l.lock(nil, DefaultTimeout)
}

// LockTimeout takes the lock, waiting at most d. With d <= 0 it tries once
// and reports a busy lock as a *TimeoutError (TryLock reports it as false).
func (l *Lock) LockTimeout(d time.Duration) error {
	return l.lock(nil, d)
}

// LockContext takes the lock, waiting until ctx is done. A deadline that
// passes gives a *TimeoutError (errors.Is ErrTimeout and
// context.DeadlineExceeded); a cancelled ctx gives an error wrapping
// context.Canceled.
func (l *Lock) LockContext(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("lock %s: nil context", l.Path())
	}
	return l.lock(ctx, 0)
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
// calling it when the lock is not held returns an error.
//
// gofrs' Unlock also closes the descriptor, so the next Lock reopens the
// lock file: about 5 µs, a small part of a locked file update.
func (l *Lock) Unlock() error {
	if err := l.check(); err != nil {
		return err
	}
	l.mu.Lock()
	if !l.locked {
		l.mu.Unlock()
		return fmt.Errorf("unlock %s: %w", l.path, errNotLocked)
	}
	fl := l.fl
	l.locked = false
	l.mu.Unlock()

	err := fl.Unlock()
	if err != nil {
		// The handle's state is unknown: never reuse it. (flock(LOCK_UN) on
		// an open descriptor does not fail in practice.)
		l.mu.Lock()
		l.fl = nil
		l.mu.Unlock()
		err = fmt.Errorf("unlock %s: %w", l.path, err)
	}
	<-l.sem
	return err
}

var errNotLocked = errors.New("not locked")

// check turns misuse into errors: the library must not panic in a kernel.
func (l *Lock) check() error {
	if l == nil || l.sem == nil {
		return errors.New("filelock: use of a Lock not made by New")
	}
	if l.path == "" {
		return errors.New("lock: empty lock file path")
	}
	return nil
}

// lock is Lock, LockTimeout and LockContext: ctx if not nil, else a wait of
// at most d.
func (l *Lock) lock(ctx context.Context, d time.Duration) error {
	if err := l.check(); err != nil {
		return err
	}
	start := time.Now()
	if ctx != nil && ctx.Err() != nil {
		return l.waitError(ctx, start)
	}

	// Fast path, no allocation and no timer: nobody in this process holds
	// the lock and the file lock is free. This is the common case, and the
	// per-increment counters call it thousands of times.
	haveSem := false
	select {
	case l.sem <- struct{}{}:
		haveSem = true
		ok, err := l.tryFile()
		if err != nil || ok {
			if err != nil {
				<-l.sem
			}
			return err
		}
	default:
	}
	if ctx == nil && d <= 0 {
		if haveSem {
			<-l.sem
		}
		return newTimeoutError(l.path, 0)
	}
	if haveSem {
		if ok, err := l.spinFile(ctx, start, d); err != nil || ok {
			if err != nil {
				<-l.sem
			}
			return err
		}
	}
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(context.Background(), start.Add(d))
		defer cancel()
	}

	if !haveSem {
		select {
		case l.sem <- struct{}{}:
		case <-ctx.Done():
			return l.waitError(ctx, start)
		}
	}
	if err := l.waitFile(ctx, start); err != nil {
		<-l.sem
		return err
	}
	l.adaptSpin(time.Since(start))
	return nil
}

// maxSpin bounds spinFile. A file lock guarding a counter increment is held
// for about 10 µs on tmpfs; a waiter that blocks in flock(2) instead is woken
// by the kernel when the holder lets go, and on an idle machine (a virtual
// one above all) waking a thread asleep on another core costs about as much
// as the hold itself: measured on 2 cores, 2 processes taking turns per
// increment took 16 µs per increment blocking at once, 10 µs spinning first
// (1 process alone: 9 µs). See docs/benchmarks.md.
const maxSpin = 50 * time.Microsecond

// spinFile retries the file lock without blocking for a short while: until
// l.spin has passed since start, and never past the caller's bound (d, or
// ctx's deadline when ctx is not nil). Each try is one TryLock. The caller
// holds sem.
func (l *Lock) spinFile(ctx context.Context, start time.Time, d time.Duration) (bool, error) {
	limit := l.spin
	if ctx == nil {
		limit = min(limit, d)
	} else if dl, ok := ctx.Deadline(); ok {
		limit = min(limit, dl.Sub(start))
	}
	for time.Since(start) < limit {
		if ok, err := l.tryFile(); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// adaptSpin tunes the spin after a blocking wait of waited that ended with
// the lock. Where holds are long (a lock held per call, or an increment on
// ext4, which flushes the rewritten file: ~150 µs) spinning only burns CPU
// and slows the holder, so a long wait halves the spin; a short one, which a
// longer spin would have saved, restores it. The caller holds sem.
func (l *Lock) adaptSpin(waited time.Duration) {
	if waited <= 2*maxSpin {
		l.spin = maxSpin
	} else {
		l.spin /= 2
	}
}

// handle returns the current flock handle, making one if needed.
func (l *Lock) handle() *flock.Flock {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fl == nil {
		// 0644: other users' processes may open the lock file read-only and
		// take the lock too (flock needs no write access), as with a shared
		// /tmp/tmp_lock on a class machine. The file is never removed: a
		// waiter may already have it open, and would then hold a lock on a
		// deleted file while a newcomer locks a new file of the same name.
		l.fl = flock.New(l.path, flock.SetPermissions(0o644))
	}
	return l.fl
}

// setLocked records that fl now holds the file lock.
func (l *Lock) setLocked() {
	l.mu.Lock()
	l.locked = true
	l.mu.Unlock()
}

// tryFile takes the file lock without waiting. The caller holds sem.
func (l *Lock) tryFile() (bool, error) {
	ok, err := l.handle().TryLock()
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", l.path, err)
	}
	if ok {
		l.setLocked()
	}
	return ok, nil
}

// waitError builds the error for a wait that ctx ended without the lock.
//
// A passed deadline reports the wait as the time from start to the
// deadline: that is the bound the caller chose ("timed out after 200ms"),
// while the clock would add the timer's lateness ("201ms").
func (l *Lock) waitError(ctx context.Context, start time.Time) error {
	cause := ctx.Err()
	if !errors.Is(cause, context.DeadlineExceeded) {
		return fmt.Errorf("lock %s: %w", l.path, cause)
	}
	waited := time.Since(start)
	if dl, ok := ctx.Deadline(); ok && dl.After(start) && dl.Sub(start) < waited {
		waited = dl.Sub(start)
	}
	return newTimeoutError(l.path, waited)
}
