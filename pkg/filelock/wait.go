package filelock

import (
	"context"
	"fmt"
	"time"

	"github.com/gofrs/flock"
)

// waitFile waits for the file lock until ctx is done. The caller holds sem.
//
// flock(2) cannot be given a timeout and cannot be interrupted from
// another goroutine, and polling TryLock with sleeps would add up to a
// sleep's worth of latency to every contended hand-over. So the blocking
// Lock runs in a goroutine and we wait for whichever comes first: the lock
// or ctx.
//
// The cost of giving up: the waiter goroutine cannot be stopped. It is
// abandoned with its handle; when its Lock finally returns it unlocks and
// closes the handle, holding the lock only for that instant. Until then an
// abandoned waiter keeps one goroutine, one OS thread (blocked in the
// syscall) and one file descriptor, and the *Lock moves on to a fresh
// handle. A holder that never lets go makes each timed-out attempt leave
// one more such waiter behind; they all go away when it lets go or dies.
func (l *Lock) waitFile(ctx context.Context, start time.Time) error {
	fl := l.handle()
	done := make(chan error)       // unbuffered: a send means we took the result
	abandon := make(chan struct{}) // closed when nobody will take it
	go func() {
		err := lockRecover(fl)
		select {
		case done <- err:
		case <-abandon:
			if err == nil {
				_ = fl.Unlock() // also closes the descriptor
			}
		}
	}()

	select {
	case err := <-done:
		return l.gotFile(err)
	case <-ctx.Done():
	}
	// The lock may have come at the same moment as the deadline: take it
	// rather than throw it away.
	select {
	case err := <-done:
		return l.gotFile(err)
	default:
	}
	close(abandon)
	l.mu.Lock()
	l.fl = nil // the old handle belongs to the abandoned waiter now
	l.mu.Unlock()
	return l.waitError(ctx, start)
}

// gotFile records the result of a blocking Lock.
func (l *Lock) gotFile(err error) error {
	if err != nil {
		return fmt.Errorf("lock %s: %w", l.path, err)
	}
	l.setLocked()
	return nil
}

// lockRecover is fl.Lock that returns a panic as an error: a panic in a
// goroutine would kill the whole Jupyter kernel.
func lockRecover(fl *flock.Flock) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic in flock: %v", r)
		}
	}()
	return fl.Lock()
}
