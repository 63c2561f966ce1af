package shared

import (
	"errors"
	"fmt"
	"time"
)

// DefaultTimeout bounds Lock on a Value or a Mutex: a Lock that has not got
// the lock after this long returns a *TimeoutError instead of waiting forever
// (a Jupyter kernel cannot be interrupted). Use LockTimeout or LockContext for
// another bound.
var DefaultTimeout = 10 * time.Second

// ErrTimeout is matched by every error a Lock returns when its bound expires:
// test with errors.Is(err, shared.ErrTimeout); errors.As gives the details in
// a *TimeoutError.
var ErrTimeout = errors.New("timed out")

// ErrClosed is wrapped by the errors of methods called after Close.
var ErrClosed = errors.New("closed")

// ErrNotLocked is wrapped by the error of Unlock when this process does not
// hold the lock (it is free, or another process holds it).
var ErrNotLocked = errors.New("not locked by this process")

// ErrFormat is wrapped by the error of OpenValue, OpenRaw and OpenMutex when
// the path names an existing file that is not a shared file of the wanted
// kind. Such a file is never modified.
var ErrFormat = errors.New("not a golocks shared file")

// ErrNotSupported is wrapped by the errors of the constructors on systems
// where this package cannot work (the cross-process lock needs Linux futexes;
// mapping a file needs Unix).
var ErrNotSupported = errors.New("not supported on this system")

// TimeoutError is the error of a Lock whose bound expired. Use errors.As to
// read who held the lock, for example to tell a student which process to look
// at.
type TimeoutError struct {
	Path      string        // the mapped file holding the lock
	Waited    time.Duration // how long Lock waited
	HolderPID int           // the process holding the lock when Lock gave up; 0 if none
	holder    string        // the holder's command name, or "this process"
	cause     error         // context.DeadlineExceeded for LockContext, else nil
}

// Error says what timed out, after how long, and who held the lock, e.g.
// "lock /tmp/counter.shm: timed out after 10s; held by pid 1234 (golocks)".
func (e *TimeoutError) Error() string {
	s := fmt.Sprintf("lock %s: %v after %v", e.Path, ErrTimeout, e.Waited.Round(time.Millisecond))
	if e.HolderPID > 0 {
		s += fmt.Sprintf("; held by pid %d", e.HolderPID)
		if e.holder != "" {
			s += " (" + e.holder + ")"
		}
	}
	return s
}

// Is makes errors.Is(err, ErrTimeout) true for a *TimeoutError.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Unwrap returns context.DeadlineExceeded when the bound was a context's
// deadline, so errors.Is(err, context.DeadlineExceeded) holds too.
func (e *TimeoutError) Unwrap() error { return e.cause }
