package redislock

import (
	"errors"
	"fmt"

	"github.com/golocks/golocks/pkg/lockerr"
)

// The errors of a Lock are those of every golocks lock (package lockerr),
// re-exported so that callers need only this package, as os re-exports
// io/fs's errors; ErrExpired and ErrStale are the Redis lock's own.
var (
	// ErrTimeout is matched by the error of every wait that reached its
	// bound: errors.Is(err, redislock.ErrTimeout).
	ErrTimeout = lockerr.ErrTimeout

	// ErrNotLocked is wrapped by the error of Unlock or Extend on a Lock
	// that is not locked.
	ErrNotLocked = lockerr.ErrNotLocked

	// ErrClosed is wrapped by the errors of a Lock's methods after Close.
	ErrClosed = lockerr.ErrClosed

	// ErrExpired is wrapped by the error of Unlock or Extend when the lock
	// had expired, and may have been taken by someone else, while this
	// Lock thought it held it: whatever was done under the lock since it
	// expired was not protected.
	ErrExpired = errors.New("lock expired before it was released")

	// ErrStale is matched by the error of a Fenced read or write whose
	// fencing token is older than one the value has already seen (a
	// *StaleTokenError).
	ErrStale = errors.New("stale fencing token")
)

// TimeoutError is the error of a wait that reached its bound: the lock's
// key (Lock), the wait, and who held the lock when the wait ended: its pid
// when it runs on this machine (HolderPID), and in HolderName where it runs
// and how long its hold had left ("pid 4242 on host2, expires in 2.5s").
// See lockerr.TimeoutError.
type TimeoutError = lockerr.TimeoutError

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
