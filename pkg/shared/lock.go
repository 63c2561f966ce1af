package shared

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"
)

// The lock word: 0 when free, else the holder's pid in the low 30 bits
// (Linux pids are at most 2^22) plus waitersBit when a process may be asleep
// in the kernel waiting for it, so that Unlock knows whether it must make the
// wake-up system call.
const (
	pidMask    = 1<<30 - 1
	waitersBit = 1 << 30
)

// spinLoads is how many times a Lock that found the lock taken re-reads the
// word before it sleeps. The critical sections this package is made for are
// a few nanoseconds long, so a holder running on another core usually lets go
// within a few loads; sleeping and being woken costs two system calls and a
// context switch. Kept short because with more processes than cores the
// holder may be waiting for the very core the spinner is using.
const spinLoads = 100

// waitSlice is the longest a waiter sleeps in the kernel before it looks
// around: whether its deadline passed, its context was cancelled, or the
// holder died. It is also the longest a dead holder delays a waiter.
const waitSlice = 20 * time.Millisecond

// myPID is what this process writes in a lock word it holds. Go programs do
// not fork without exec, so the pid never changes.
var myPID = uint32(os.Getpid()) & pidMask

// plock is the cross-process mutex on one lock word in a mapping. Value and
// Mutex embed one. The portable algorithm lives here; futexWait, futexWake
// and processAlive are the system-specific parts.
type plock struct {
	word   *uint32 // in the mapping
	path   string
	closed atomic.Bool
}

// lockTimeout is Lock and LockTimeout. The fast path, a free lock, is one
// compare-and-swap: no clock reading, no timer, no allocation.
func (l *plock) lockTimeout(d time.Duration) error {
	if l.closed.Load() {
		return l.closedErr("lock")
	}
	if atomic.CompareAndSwapUint32(l.word, 0, myPID) {
		return nil
	}
	return l.lockSlow(nil, d)
}

// lockContext is LockContext. Like lockTimeout, a free lock is taken without
// looking at ctx, so a done ctx may still get a free lock.
func (l *plock) lockContext(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("lock %s: nil context", l.path)
	}
	if l.closed.Load() {
		return l.closedErr("lock")
	}
	if atomic.CompareAndSwapUint32(l.word, 0, myPID) {
		return nil
	}
	return l.lockSlow(ctx, 0)
}

// lockSlow waits for the lock: spin, then sleep in slices. ctx, if not nil,
// replaces the timeout d.
func (l *plock) lockSlow(ctx context.Context, d time.Duration) error {
	for i := 0; i < spinLoads; i++ {
		if atomic.LoadUint32(l.word) == 0 && atomic.CompareAndSwapUint32(l.word, 0, myPID) {
			return nil
		}
	}

	start := time.Now()
	deadline, fromCtx := start.Add(d), false
	if ctx != nil {
		if dl, ok := ctx.Deadline(); ok {
			deadline, fromCtx = dl, true
		} else {
			// A context without a deadline must not wait forever either:
			// nothing can interrupt a Jupyter kernel stuck in Lock.
			deadline = start.Add(DefaultTimeout)
		}
	}
	for {
		w := atomic.LoadUint32(l.word)
		if w == 0 {
			// Take it with the waiters bit set: other processes may still be
			// asleep on the word, and only the bit makes our Unlock wake one.
			if atomic.CompareAndSwapUint32(l.word, 0, myPID|waitersBit) {
				return nil
			}
			continue
		}
		if w&waitersBit == 0 {
			// Announce a sleeper before sleeping, or the holder's Unlock
			// would not wake us.
			if !atomic.CompareAndSwapUint32(l.word, w, w|waitersBit) {
				continue
			}
			w |= waitersBit
		}

		left := time.Until(deadline)
		if left <= 0 {
			if l.takeOver(w) {
				return nil
			}
			return l.timeoutErr(start, w, fromCtx)
		}
		if ctx != nil {
			if err := ctx.Err(); err != nil {
				if errors.Is(err, context.DeadlineExceeded) {
					return l.timeoutErr(start, w, true)
				}
				return fmt.Errorf("lock %s: %w after %v; held by pid %d",
					l.path, err, time.Since(start).Round(time.Millisecond), w&pidMask)
			}
		}
		slice := min(waitSlice, left)

		// Sleep while the word still equals w. The kernel compares and
		// sleeps atomically, so an Unlock between our load and this call
		// is not missed: the word differs and futexWait returns at once.
		timedOut, err := futexWait(l.word, w, slice)
		if err != nil {
			return fmt.Errorf("lock %s: %w", l.path, err)
		}
		// A whole slice without a wake-up: the holder kept the lock for
		// 20 ms, long for this package's critical sections. Is it alive?
		if timedOut && l.takeOver(w) {
			return nil
		}
	}
}

// takeOver takes the lock from a dead holder: w is the word as last seen.
// The compare-and-swap makes sure that of several waiters who saw the same
// dead holder exactly one takes over, and that a lock released or re-taken
// meanwhile is left alone. The waiters bit is kept so that our Unlock wakes
// the others.
func (l *plock) takeOver(w uint32) bool {
	holder := w & pidMask
	if holder == myPID || processAlive(int(holder)) {
		return false
	}
	return atomic.CompareAndSwapUint32(l.word, w, myPID|w&waitersBit)
}

// tryLock is TryLock: takes the lock if it is free or its holder is dead.
func (l *plock) tryLock() (bool, error) {
	if l.closed.Load() {
		return false, l.closedErr("trylock")
	}
	for {
		if atomic.CompareAndSwapUint32(l.word, 0, myPID) {
			return true, nil
		}
		w := atomic.LoadUint32(l.word)
		if w == 0 {
			continue // released between the two atomics: try again
		}
		return l.takeOver(w), nil
	}
}

// unlock releases a lock this process holds. The fast path, no waiters, is one
// compare-and-swap; with waiters it also wakes one of them.
func (l *plock) unlock() error {
	if l.closed.Load() {
		return l.closedErr("unlock")
	}
	if atomic.CompareAndSwapUint32(l.word, myPID, 0) {
		return nil
	}
	for {
		w := atomic.LoadUint32(l.word)
		if w == 0 {
			return fmt.Errorf("unlock %s: %w (the lock is free)", l.path, ErrNotLocked)
		}
		if w&pidMask != myPID {
			return fmt.Errorf("unlock %s: %w (held by pid %d, this is pid %d)", l.path, ErrNotLocked, w&pidMask, myPID)
		}
		if atomic.CompareAndSwapUint32(l.word, w, 0) {
			if w&waitersBit != 0 {
				futexWake(l.word, 1)
			}
			return nil
		}
	}
}

func (l *plock) closedErr(op string) error {
	return fmt.Errorf("%s %s: %w", op, l.path, ErrClosed)
}

func (l *plock) timeoutErr(start time.Time, w uint32, fromCtx bool) error {
	e := &TimeoutError{Path: l.path, Waited: time.Since(start)}
	if fromCtx {
		e.cause = context.DeadlineExceeded
	}
	// Report the holder as it is now, not as it was at our last look.
	if now := atomic.LoadUint32(l.word); now != 0 {
		w = now
	}
	e.HolderPID = int(w & pidMask)
	if e.HolderPID == int(myPID) {
		e.holder = "this process: a missing Unlock?"
	} else {
		e.holder = processName(e.HolderPID)
	}
	return e
}

// errNil is returned by the methods of a nil *Value or *Mutex (an ignored
// error from OpenValue or OpenMutex) instead of a nil-pointer panic.
var errNil = errors.New("shared: method called on nil (did Open fail?)")
