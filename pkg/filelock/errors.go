package filelock

import "github.com/golocks/golocks/pkg/lockerr"

// The errors of this package are those of every golocks lock (package
// lockerr), re-exported so that callers need only this package, as os
// re-exports io/fs's errors.
var (
	// ErrTimeout is matched by the error of every wait that reached its
	// bound: errors.Is(err, filelock.ErrTimeout).
	ErrTimeout = lockerr.ErrTimeout

	// ErrNotLocked is wrapped by the error of Unlock on a Lock that is not
	// locked.
	ErrNotLocked = lockerr.ErrNotLocked

	// ErrClosed is wrapped by the errors of a Lock's methods after Close.
	ErrClosed = lockerr.ErrClosed
)

// TimeoutError is the error of a wait that reached its bound: the lock
// file (Lock), the wait, and on Linux the process that held the lock when
// the wait ended (read from /proc/locks then, never later). See
// lockerr.TimeoutError.
type TimeoutError = lockerr.TimeoutError
