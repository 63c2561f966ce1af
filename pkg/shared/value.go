package shared

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Value is an int64 shared by every process that opens the same file, with
// its own cross-process lock in that file: Python's
// multiprocessing.Value('q', 0), with Lock/Unlock as value.get_lock().
//
// Use it when several processes update one number. Get and Set are each
// atomic, like value.value in Python (whose lock guards each load and each
// store), but a read followed by a write is not: v.Set(v.Get()+1) in several
// processes loses updates exactly as value.value += 1 does. Hold the lock
// around the read-modify-write, or use Add, which is one atomic instruction.
//
// A Value is safe for concurrent use by goroutines; the lock excludes both
// other processes and other goroutines of this process.
type Value struct {
	val *int64 // in the mapping (after Close, in its private copy)
	lk  plock
	m   *mapping
}

// OpenValue opens the shared value in the file at path, creating the file
// (mode 0644, value 0, lock free) if it does not exist. An existing value
// file is reused with its current value: Set(0) to start over. A path that
// names any other file is an error wrapping ErrFormat, and that file is left
// untouched. Its Lock waits at most DefaultTimeout until SetTimeout says
// otherwise. Close the Value when done.
func OpenValue(path string) (*Value, error) {
	if !lockSupported {
		return nil, fmt.Errorf("open shared value %s: cross-process lock: %w", path, ErrNotSupported)
	}
	m, err := openMapping(path, kindValue)
	if err != nil {
		return nil, err
	}
	v := &Value{m: m, val: m.int64At(valueOffset)}
	v.lk.init(m, vlockOffset)
	return v, nil
}

// Get returns the value: one atomic load, like reading value.value.
//
// Get, Set and Add have no error to return: on a nil *Value (an OpenValue
// whose error was not checked) or one not made by OpenValue, Get and Add
// return 0 and Set and Add store nothing, rather than crash the kernel.
// Check OpenValue's error. After Close they use a private copy (see
// Close).
func (v *Value) Get() int64 {
	if v == nil || v.val == nil {
		return 0
	}
	return atomic.LoadInt64(v.val)
}

// Set stores x: one atomic store, like assigning value.value. It does not
// take the lock. On a nil *Value it does nothing (see Get).
func (v *Value) Set(x int64) {
	if v == nil || v.val == nil {
		return
	}
	atomic.StoreInt64(v.val, x)
}

// Add adds d and returns the new value, as one atomic read-modify-write: the
// lock-free way to count, which loses no updates and needs no Lock. On a
// nil *Value it adds nothing and returns 0 (see Get).
func (v *Value) Add(d int64) int64 {
	if v == nil || v.val == nil {
		return 0
	}
	return atomic.AddInt64(v.val, d)
}

// Lock takes the value's lock, waiting at most v.Timeout(). Use it, like
// Python's `with value.get_lock():`, around a read-modify-write that must not
// interleave with other processes'. If the holder died, Lock takes the lock
// over. On timeout it returns a *TimeoutError naming the holder; in a
// notebook the wait also ends when the cell is interrupted.
func (v *Value) Lock() error {
	if v == nil {
		return errNil
	}
	return v.lk.lockTimeout(v.Timeout())
}

// LockTimeout is Lock waiting at most d; with d <= 0 it tries once.
func (v *Value) LockTimeout(d time.Duration) error {
	if v == nil {
		return errNil
	}
	return v.lk.lockTimeout(d)
}

// LockContext is Lock waiting until ctx is done (noticed within 20 ms), and
// at most v.Timeout() if ctx has no deadline. A free lock is taken even if
// ctx is already done.
func (v *Value) LockContext(ctx context.Context) error {
	if v == nil {
		return errNil
	}
	return v.lk.lockContext(ctx)
}

// TryLock takes the lock if it is free (or its holder is dead) and reports
// whether it did; it never waits.
func (v *Value) TryLock() (bool, error) {
	if v == nil {
		return false, errNil
	}
	return v.lk.tryLock()
}

// Unlock releases the lock. It is an error wrapping ErrNotLocked if this
// process does not hold it.
func (v *Value) Unlock() error {
	if v == nil {
		return errNil
	}
	return v.lk.unlock()
}

// SetTimeout sets how long Lock waits, and LockContext with a context that
// has no deadline; d <= 0 makes them try once. It is safe to call at any
// time, from any goroutine: a wait already under way keeps its bound.
func (v *Value) SetTimeout(d time.Duration) {
	if v != nil {
		v.lk.timeout.Store(int64(d))
	}
}

// Timeout returns the bound that SetTimeout set (DefaultTimeout for a
// newly opened Value).
func (v *Value) Timeout() time.Duration {
	if v == nil {
		return 0
	}
	return time.Duration(v.lk.timeout.Load())
}

// Path returns the path the Value was opened with.
func (v *Value) Path() string {
	if v == nil {
		return ""
	}
	return v.m.path
}

// Close detaches the Value from the file; the file stays, with its value,
// for the next OpenValue. Close does not release a lock this process holds:
// Unlock first (if the process exits instead, other processes take the lock
// over). After Close, Lock, TryLock and Unlock return an error wrapping
// ErrClosed, waits in progress end with that error, and Get, Set and Add act
// on a private copy of the value, no longer shared. Any goroutine may still
// use the Value while or after it is closed: never a crash.
func (v *Value) Close() error {
	if v == nil {
		return errNil
	}
	return v.m.close(v.lk.close)
}
