package redislock

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The errors a Lock and a Fenced return match these with errors.Is.
var (
	// ErrTimeout: the lock stayed busy for the whole wait (a *TimeoutError).
	ErrTimeout = errors.New("timed out")

	// ErrNotLocked: Unlock or Extend on a Lock that does not hold the lock.
	ErrNotLocked = errors.New("not locked")

	// ErrExpired: Unlock or Extend found that the lock had expired, and may
	// have been taken by someone else, while this Lock thought it held it.
	// Whatever was done under the lock since it expired was not protected.
	ErrExpired = errors.New("lock expired before it was released")

	// ErrStale: a Fenced refused a read or write whose fencing token is
	// older than one it has already seen (a *StaleTokenError).
	ErrStale = errors.New("stale fencing token")
)

// TimeoutError is returned when the lock stayed busy for the whole wait.
// Use errors.As to read which key, how long the wait was and who held the
// lock when it ended.
type TimeoutError struct {
	Key    string        // the lock's key
	Waited time.Duration // how long the call waited
	Holder string        // the holder's owner value when the wait ended; "" = unknown
	TTL    time.Duration // how much longer the holder's lock had to live; 0 = unknown
}

// Error reads like "lock counter-lock: timed out after 10s; held by pid 4242
// on host1 (expires in 2.5s)".
func (e *TimeoutError) Error() string {
	msg := fmt.Sprintf("lock %s: %s after %v", e.Key, ErrTimeout, round(e.Waited))
	if e.Holder != "" {
		msg += "; held by " + describeOwner(e.Holder)
		if e.TTL > 0 {
			msg += fmt.Sprintf(" (expires in %v)", round(e.TTL))
		}
	}
	return msg
}

// Is reports true for ErrTimeout, and for context.DeadlineExceeded so that
// callers of LockContext can test for the deadline they set.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// StaleTokenError is a read or write a Fenced refused: its token is older
// than one the value has already seen, so the caller's lock expired and
// someone else has held it since.
type StaleTokenError struct {
	Key   string // the Fenced value's key
	Op    string // "read" or "write"
	Token int64  // the refused token
	Seen  int64  // the newest token the value had seen
}

// Error reads like "fenced counter: write with token 3 rejected: token 4
// already seen".
func (e *StaleTokenError) Error() string {
	return fmt.Sprintf("fenced %s: %s with token %d rejected: token %d already seen", e.Key, e.Op, e.Token, e.Seen)
}

// Is reports true for ErrStale.
func (e *StaleTokenError) Is(target error) bool { return target == ErrStale }

// describeOwner turns an owner value made by this package,
// "host:pid:random", into "pid 4242 on host1"; another client's value is
// quoted as it is.
func describeOwner(owner string) string {
	f := strings.Split(owner, ":")
	if len(f) == 3 {
		if pid, err := strconv.Atoi(f[1]); err == nil && pid > 0 {
			return fmt.Sprintf("pid %d on %s", pid, f[0])
		}
	}
	return strconv.Quote(owner)
}

// round keeps messages readable: a 10 s wait measures as 10.000213s.
func round(d time.Duration) time.Duration {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Microsecond)
}
