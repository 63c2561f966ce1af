package filelock

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrTimeout is what every timed-out wait matches: test for it with
// errors.Is(err, filelock.ErrTimeout) when you want to retry or report a
// busy lock differently from a broken one.
var ErrTimeout = errors.New("timed out")

// TimeoutError is returned when a lock stayed busy for the whole wait. Use
// errors.As to read which lock file, how long the wait was and, when the
// system can tell (Linux /proc/locks), which process holds it.
type TimeoutError struct {
	Path      string        // the lock file
	Waited    time.Duration // how long the call waited
	HolderPID int           // the process holding the lock; 0 = unknown

	// holderName is the holder's command name, read when the wait ended:
	// the holder may be gone by the time Error is called.
	holderName string
}

// Error reads like
// "lock /tmp/tmp_lock: timed out after 10s; held by pid 1234 (golocks)".
func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("lock %s: %s after %v", e.Path, ErrTimeout, roundWait(e.Waited))
	if e.HolderPID > 0 {
		msg += fmt.Sprintf("; held by pid %d", e.HolderPID)
		name := e.holderName
		if name == "" {
			name = holderName(e.HolderPID)
		}
		if name != "" {
			msg += " (" + name + ")"
		}
	}
	return msg
}

// Is reports true for ErrTimeout, and for context.DeadlineExceeded so that
// callers of LockContext can test for the deadline they set.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// roundWait keeps the message readable: a 10 s timeout measures as
// 10.000213s, which says nothing more than 10s.
func roundWait(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}

// newTimeoutError looks up the holder at the moment the wait ends, which is
// when the answer is most likely still true.
func newTimeoutError(path string, waited time.Duration) *TimeoutError {
	e := &TimeoutError{Path: path, Waited: waited}
	if pid, ok := Holder(path); ok {
		e.HolderPID = pid
		e.holderName = holderName(pid)
	}
	return e
}
