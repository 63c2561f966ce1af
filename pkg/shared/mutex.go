package shared

import (
	"context"
	"fmt"
	"time"
)

// Mutex is a lock shared by every process that opens the same file: Python's
// multiprocessing.Lock(), except that a holder that dies does not leave it
// locked forever (the next waiter takes it over).
//
// Use it to guard RawValues, or anything else several processes must not do
// at once, when the guarded data has no lock of its own. Unlike a file lock,
// taking and releasing a free Mutex makes no system call.
//
// A Mutex is safe for concurrent use by goroutines, and excludes goroutines
// of this process too; see the package comment for its limits.
type Mutex struct {
	lk plock
	m  *mapping
}

// OpenMutex opens the mutex in the file at path, creating the file (mode
// 0644, unlocked) if it does not exist, with the same rules as OpenValue.
// Every process must open the same path.
func OpenMutex(path string) (*Mutex, error) {
	if !lockSupported {
		return nil, fmt.Errorf("open shared mutex %s: %w", path, ErrNotSupported)
	}
	m, err := openMapping(path, kindMutex)
	if err != nil {
		return nil, err
	}
	mu := &Mutex{m: m}
	mu.lk.init(m, mlockOffset)
	return mu, nil
}

// Lock takes the mutex, waiting at most mu.Timeout(). If the holder died,
// Lock takes the mutex over. On timeout it returns a *TimeoutError naming
// the holder; in a notebook the wait also ends when the cell is interrupted.
func (mu *Mutex) Lock() error {
	if mu == nil {
		return errNil
	}
	return mu.lk.lockTimeout(mu.Timeout())
}

// LockTimeout is Lock waiting at most d; with d <= 0 it tries once.
func (mu *Mutex) LockTimeout(d time.Duration) error {
	if mu == nil {
		return errNil
	}
	return mu.lk.lockTimeout(d)
}

// LockContext is Lock waiting until ctx is done (noticed within 20 ms), and
// at most mu.Timeout() if ctx has no deadline. A free mutex is taken even if
// ctx is already done.
func (mu *Mutex) LockContext(ctx context.Context) error {
	if mu == nil {
		return errNil
	}
	return mu.lk.lockContext(ctx)
}

// TryLock takes the mutex if it is free (or its holder is dead) and reports
// whether it did; it never waits.
func (mu *Mutex) TryLock() (bool, error) {
	if mu == nil {
		return false, errNil
	}
	return mu.lk.tryLock()
}

// Unlock releases the mutex. It is an error wrapping ErrNotLocked if this
// process does not hold it.
func (mu *Mutex) Unlock() error {
	if mu == nil {
		return errNil
	}
	return mu.lk.unlock()
}

// SetTimeout sets how long Lock waits, and LockContext with a context that
// has no deadline; d <= 0 makes them try once. It is safe to call at any
// time, from any goroutine: a wait already under way keeps its bound.
func (mu *Mutex) SetTimeout(d time.Duration) {
	if mu != nil {
		mu.lk.timeout.Store(int64(d))
	}
}

// Timeout returns the bound that SetTimeout set (DefaultTimeout for a
// newly opened Mutex).
func (mu *Mutex) Timeout() time.Duration {
	if mu == nil {
		return 0
	}
	return time.Duration(mu.lk.timeout.Load())
}

// Path returns the path the Mutex was opened with.
func (mu *Mutex) Path() string {
	if mu == nil {
		return ""
	}
	return mu.m.path
}

// Close detaches the Mutex from the file; the file stays. Close does not
// release the mutex if this process holds it: Unlock first (if the process
// exits instead, other processes take it over). After Close, the other
// methods return an error wrapping ErrClosed, and waits in progress end
// with that error. Any goroutine may still use the Mutex while or after it
// is closed: never a crash.
func (mu *Mutex) Close() error {
	if mu == nil {
		return errNil
	}
	return mu.m.close(mu.lk.close)
}
