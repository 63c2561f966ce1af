package shared

import (
	"errors"
	"time"

	"github.com/golocks/golocks/pkg/lockerr"
)

// DefaultTimeout is how long Lock waits on a newly opened Value or Mutex,
// until SetTimeout changes it for that value.
const DefaultTimeout = 10 * time.Second

// The errors of the lock are those of every golocks lock (package
// lockerr), re-exported so that callers need only this package, as os
// re-exports io/fs's errors.
var (
	// ErrTimeout is matched by the error of every wait that reached its
	// bound: errors.Is(err, shared.ErrTimeout).
	ErrTimeout = lockerr.ErrTimeout

	// ErrNotLocked is wrapped by the error of Unlock when this process
	// does not hold the lock (it is free, or another process holds it).
	ErrNotLocked = lockerr.ErrNotLocked

	// ErrClosed is wrapped by the errors of the lock methods after Close.
	ErrClosed = lockerr.ErrClosed
)

// TimeoutError is the error of a wait that reached its bound: the shared
// file (Lock), the wait, and the process that held the lock when the wait
// ended. See lockerr.TimeoutError.
type TimeoutError = lockerr.TimeoutError

// ErrFormat is wrapped by the error of OpenValue, OpenRaw and OpenMutex when
// the path names an existing file that is not a shared file of the wanted
// kind, or one written in another layout version. Such a file is never
// modified.
var ErrFormat = errors.New("not a golocks shared file")

// ErrNotSupported is wrapped by the errors of the constructors on systems
// where this package cannot work (the cross-process lock needs Linux futexes;
// mapping a file needs Unix).
var ErrNotSupported = errors.New("not supported on this system")

// errNil is returned by the methods of a nil *Value, *RawValue or *Mutex
// (an ignored error from an Open function) instead of a nil-pointer panic.
var errNil = errors.New("lock: method called on a nil shared value or mutex (did Open fail?)")
