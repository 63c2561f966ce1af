package shared

import (
	"context"
	"fmt"
	"sync"
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
	mu sync.Mutex // serialises Close
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
	return &Mutex{m: m, lk: plock{word: m.uint32At(mlockOffset), path: path}}, nil
}

// Lock takes the mutex, waiting at most DefaultTimeout. If the holder died,
// Lock takes the mutex over. On timeout it returns a *TimeoutError naming
// the holder.
func (mu *Mutex) Lock() error {
	if mu == nil {
		return errNil
	}
	return mu.lk.lockTimeout(DefaultTimeout)
}

// LockTimeout is Lock waiting at most d; with d <= 0 it tries once.
func (mu *Mutex) LockTimeout(d time.Duration) error {
	if mu == nil {
		return errNil
	}
	return mu.lk.lockTimeout(d)
}

// LockContext is Lock waiting until ctx is done (noticed within 20 ms). A
// ctx without a deadline is still bounded by DefaultTimeout. A free mutex is
// taken even if ctx is already done.
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

// Path returns the path the Mutex was opened with.
func (mu *Mutex) Path() string {
	if mu == nil {
		return ""
	}
	return mu.lk.path
}

// Close unmaps the file; the file stays. Close does not release the mutex if
// this process holds it: Unlock first. After Close, the other methods return
// an error wrapping ErrClosed. Close must not run at the same time as other
// methods of the same Mutex.
func (mu *Mutex) Close() error {
	if mu == nil {
		return errNil
	}
	mu.mu.Lock()
	defer mu.mu.Unlock()
	if mu.lk.closed.Load() {
		return mu.lk.closedErr("close")
	}
	mu.lk.closed.Store(true)
	return mu.m.unmap()
}
