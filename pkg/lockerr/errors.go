package lockerr

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrTimeout is matched by every error of a wait that reached its bound:
// test with errors.Is(err, ErrTimeout) to retry or report a busy lock
// differently from a broken one. The error itself is a *TimeoutError.
var ErrTimeout = errors.New("timed out")

// ErrNotLocked is wrapped by the error of an Unlock when the caller does
// not hold the lock (it is free, or someone else holds it).
var ErrNotLocked = errors.New("not locked")

// ErrClosed is wrapped by the errors of a lock's methods called after its
// Close.
var ErrClosed = errors.New("closed")

// A TimeoutError is the error of a wait for a lock that stayed busy until
// the wait's bound. Use errors.As to read which lock, how long the wait was
// and who held the lock when it ended.
//
// Every field is filled in once, when the wait ends: Error only formats
// them, so an error printed long after the holder is gone still says who
// it was.
type TimeoutError struct {
	Lock   string        // the lock: a lock file's path, a shared file's path, a Redis key
	Waited time.Duration // how long the wait lasted: its bound

	// HolderPID is the process that held the lock when the wait ended, if
	// the lock can tell; 0 if unknown.
	HolderPID int
	// HolderName says more about the holder: its command name ("golocks"),
	// "this process" when the waiter's own process holds it, or for a lock
	// not held by a process of this machine whatever names the holder. ""
	// if unknown.
	HolderName string

	// Cause is the context's cause (context.Cause) when the bound was a
	// context's deadline, else nil. Unwrap returns it.
	Cause error
}

// Error reads like
// "lock counter.lock: timed out after 10s; held by pid 1234 (golocks)".
func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("lock %s: %v after %v", e.Lock, ErrTimeout, round(e.Waited))
	switch {
	case e.HolderPID > 0 && e.HolderName != "":
		msg += fmt.Sprintf("; held by pid %d (%s)", e.HolderPID, e.HolderName)
	case e.HolderPID > 0:
		msg += fmt.Sprintf("; held by pid %d", e.HolderPID)
	case e.HolderName != "":
		msg += "; held by " + e.HolderName
	}
	return msg
}

// Is makes errors.Is(err, ErrTimeout) true for every *TimeoutError.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Unwrap returns Cause: context.DeadlineExceeded (or the cause given to
// context.WithDeadlineCause) when a context's deadline was the bound.
func (e *TimeoutError) Unwrap() error { return e.Cause }

// Timeout reports true, as net.Error's Timeout does for a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// Canceled returns the error of a wait for lock that ctx ended, after
// waited, before the wait's own bound: the context was cancelled, or it is
// a notebook cell's context and the cell was interrupted. The error wraps
// context.Cause(ctx) (cell.ErrInterrupted for an interrupted cell) and
// ctx.Err() (context.Canceled), and reads like
// "lock counter.lock: interrupted after 1.2s".
//
// A ctx whose deadline passed is a timeout, not a cancellation: report it
// with a *TimeoutError whose Cause is context.Cause(ctx).
func Canceled(lock string, waited time.Duration, ctx context.Context) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	if err == nil {
		err = context.Canceled // not done: a caller's mistake, still an error
	}
	if cause == nil || cause == err {
		return fmt.Errorf("lock %s: %w after %v", lock, err, round(waited))
	}
	return fmt.Errorf("lock %s: %w after %v (%w)", lock, cause, round(waited), err)
}

// round keeps a wait readable in a message: a 10 s bound measures as
// 10.000213s, which says nothing more than 10s.
func round(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// FromContext returns the error of a wait for lock that ctx ended after
// waited: a *TimeoutError whose Cause is context.Cause(ctx) if ctx's
// deadline passed, else the error of Canceled. The caller adds what it
// knows of the holder to the *TimeoutError.
func FromContext(lock string, waited time.Duration, ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &TimeoutError{Lock: lock, Waited: waited, Cause: context.Cause(ctx)}
	}
	return Canceled(lock, waited, ctx)
}
