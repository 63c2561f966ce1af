package shared

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/golocks/golocks/internal/procfs"
	"github.com/golocks/golocks/pkg/lockerr"
	"github.com/golocks/golocks/runtime/cell"
)

// The lock word, 64 bits in the mapped file: 0 when the lock is free, else
//
//	bits 0-29   the holder's pid (Linux pids are at most 2^22)
//	bit 30      waitersBit: a process may be asleep in the kernel waiting
//	            for the lock, so Unlock must make the wake-up system call
//	bits 32-63  the holder's start time (see proc_linux.go), 0 if unknown
//
// The pid and the start time are taken in one compare-and-swap, so there
// is no moment at which the word names a holder without its start time: a
// waiter can never mistake a holder that has just taken the lock for a
// dead process whose pid was reused, and take a live holder's lock over.
// Futexes wait on 32-bit words, so waiters sleep on the low half (the pid
// and waitersBit), which changes whenever the lock is released.
const (
	pidMask    = 1<<30 - 1
	waitersBit = 1 << 30
)

func lockID(pid, start uint32) uint64 { return uint64(pid&pidMask) | uint64(start)<<32 }

func holderPID(w uint64) int      { return int(w & pidMask) }
func holderStart(w uint64) uint32 { return uint32(w >> 32) }
func selfPID() int                { return holderPID(self) }
func selfStart() uint32           { return holderStart(self) }

// lowHalf returns the half of the word at p that holds bits 0-31.
func lowHalf(p *uint64) *uint32 {
	one := uint16(1)
	if *(*byte)(unsafe.Pointer(&one)) == 1 { // little-endian
		return (*uint32)(unsafe.Pointer(p))
	}
	return (*uint32)(unsafe.Add(unsafe.Pointer(p), 4))
}

// spinLoads is how many times a Lock that found the lock taken re-reads the
// word before it sleeps. The critical sections this package is made for are
// a few nanoseconds long, so a holder running on another core usually lets go
// within a few loads; sleeping and being woken costs two system calls and a
// context switch. Kept short because with more processes than cores the
// holder may be waiting for the very core the spinner is using.
const spinLoads = 100

// waitSlice is the longest a waiter sleeps in the kernel before it looks
// around: whether its deadline passed, its context was cancelled, the cell
// was interrupted, or the holder died. It is also the longest a dead
// holder delays a waiter (a dead earlier process with this process's own
// pid, none), and how long TryLock trusts that a holder it found alive
// still is.
const waitSlice = 20 * time.Millisecond

// plock is the cross-process mutex on one lock word in a mapping. Value and
// Mutex embed one. The portable algorithm lives here; futexWait, futexWake
// and holderDead are the system-specific parts.
type plock struct {
	word    *uint64 // in the mapping
	low     *uint32 // the half of word the futexes wait on
	m       *mapping
	timeout atomic.Int64 // Lock's bound, in nanoseconds (SetTimeout)

	// closed is set by Close before the mapping is replaced. It repeats
	// the mapping's closed flag here so that the fast paths read it
	// without following l.m: making Close safe adds no pointer chase to a
	// free Lock+Unlock (docs/benchmarks.md, "Speed work").
	closed atomic.Bool

	// alive and aliveAt remember the last holder TryLock found alive, and
	// when, so that a TryLock loop against a live holder does not read
	// /proc on every call. They are a hint: read apart, a stale pair only
	// makes a dead holder wait one more waitSlice.
	alive   atomic.Uint64
	aliveAt atomic.Int64 // UnixNano
}

// init makes l the lock whose word is at offset off of m.
func (l *plock) init(m *mapping, off int) {
	l.m, l.word = m, m.uint64At(off)
	l.low = lowHalf(l.word)
	l.timeout.Store(int64(DefaultTimeout))
}

func (l *plock) path() string { return l.m.path }

// lockTimeout is Lock and LockTimeout. The fast path, a free lock, is one
// compare-and-swap: no clock reading, no timer, no allocation.
func (l *plock) lockTimeout(d time.Duration) error {
	if l.closed.Load() {
		return l.closedErr("lock")
	}
	if atomic.CompareAndSwapUint64(l.word, 0, self) {
		return nil
	}
	if d <= 0 {
		return l.tryOnce()
	}
	return l.lockSlow(nil, d)
}

// lockContext is LockContext. Like lockTimeout, a free lock is taken without
// looking at ctx, so a done ctx may still get a free lock.
func (l *plock) lockContext(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("lock %s: nil context", l.path())
	}
	if l.closed.Load() {
		return l.closedErr("lock")
	}
	if atomic.CompareAndSwapUint64(l.word, 0, self) {
		return nil
	}
	d := time.Duration(l.timeout.Load())
	if _, ok := ctx.Deadline(); !ok && d <= 0 {
		return l.tryOnce()
	}
	return l.lockSlow(ctx, d)
}

// tryOnce is a wait bounded by 0: TryLock, with a busy lock reported as a
// *TimeoutError. It never sets waitersBit: it does not sleep.
func (l *plock) tryOnce() error {
	ok, err := l.tryLock()
	if err != nil || ok {
		return err
	}
	return l.timeoutErr(0, nil)
}

// lockSlow waits for the lock: spin, then sleep in slices. The bound is d,
// or ctx's deadline if ctx has one.
func (l *plock) lockSlow(ctx context.Context, d time.Duration) error {
	for range spinLoads {
		if atomic.LoadUint64(l.word) == 0 && atomic.CompareAndSwapUint64(l.word, 0, self) {
			return nil
		}
	}

	start := time.Now()
	deadline, fromCtx := start.Add(d), false
	if ctx != nil {
		if dl, ok := ctx.Deadline(); ok {
			deadline, fromCtx = dl, true
		}
	}
	// The running cell's interrupt, read once as the wait starts (package
	// cell, "How an interrupt reaches a wait").
	interrupt := cell.Context()
	for {
		if l.closed.Load() {
			return l.closedErr("lock")
		}
		w := atomic.LoadUint64(l.word)
		if w == 0 {
			// Take it with the waiters bit set: other processes may still be
			// asleep on the word, and only the bit makes our Unlock wake one.
			if atomic.CompareAndSwapUint64(l.word, 0, self|waitersBit) {
				return nil
			}
			continue
		}
		if holderPID(w) == selfPID() && w&^waitersBit != self && l.takeOver(w) {
			// An earlier process with this process's pid: dead, known
			// without a system call.
			return nil
		}
		if w&waitersBit == 0 {
			// Announce a sleeper before sleeping, or the holder's Unlock
			// would not wake us.
			if !atomic.CompareAndSwapUint64(l.word, w, w|waitersBit) {
				continue
			}
			w |= waitersBit
		}

		if ctx != nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return lockerr.Canceled(l.path(), time.Since(start), ctx)
		}
		if interrupt.Err() != nil {
			return lockerr.Canceled(l.path(), time.Since(start), interrupt)
		}
		left := time.Until(deadline)
		if left <= 0 {
			if l.takeOver(w) {
				return nil
			}
			if fromCtx {
				cause := context.Cause(ctx)
				if cause == nil {
					cause = context.DeadlineExceeded
				}
				return l.timeoutErr(max(deadline.Sub(start), 0), cause)
			}
			return l.timeoutErr(d, nil)
		}

		// Sleep while the low half of the word is unchanged. The kernel
		// compares and sleeps atomically, so an Unlock between our load and
		// this call is not missed: the word differs and futexWait returns
		// at once.
		timedOut, err := futexWait(l.low, uint32(w), min(waitSlice, left))
		if err != nil {
			return fmt.Errorf("lock %s: %w", l.path(), err)
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
func (l *plock) takeOver(w uint64) bool {
	return holderDead(w) && atomic.CompareAndSwapUint64(l.word, w, self|w&waitersBit)
}

// tryLock is TryLock: takes the lock if it is free or its holder is dead.
// A busy lock costs no system call when this process holds it, or when
// TryLock found the same holder alive less than a waitSlice ago.
func (l *plock) tryLock() (bool, error) {
	if l.closed.Load() {
		return false, l.closedErr("trylock")
	}
	for {
		if atomic.CompareAndSwapUint64(l.word, 0, self) {
			return true, nil
		}
		w := atomic.LoadUint64(l.word)
		holder := w &^ waitersBit
		switch {
		case w == 0:
			continue // released between the two atomics: try again
		case holder == self:
			return false, nil
		case holder == l.alive.Load() && time.Now().UnixNano()-l.aliveAt.Load() < int64(waitSlice):
			return false, nil
		}
		if !holderDead(w) {
			l.alive.Store(holder)
			l.aliveAt.Store(time.Now().UnixNano())
			return false, nil
		}
		if atomic.CompareAndSwapUint64(l.word, w, self|w&waitersBit) {
			return true, nil
		}
		// The word changed while we looked: look again.
	}
}

// unlock releases a lock this process holds. The fast path, no waiters, is one
// compare-and-swap; with waiters it also wakes one of them.
func (l *plock) unlock() error {
	if l.closed.Load() {
		return l.closedErr("unlock")
	}
	if atomic.CompareAndSwapUint64(l.word, self, 0) {
		return nil
	}
	for {
		w := atomic.LoadUint64(l.word)
		switch {
		case w == 0:
			return fmt.Errorf("unlock %s: %w (the lock is free)", l.path(), ErrNotLocked)
		case holderPID(w) == selfPID() && w&^waitersBit != self:
			return fmt.Errorf("unlock %s: %w (held by an earlier process that had this pid, %d)", l.path(), ErrNotLocked, selfPID())
		case w&^waitersBit != self:
			return fmt.Errorf("unlock %s: %w (held by pid %d, this is pid %d)", l.path(), ErrNotLocked, holderPID(w), selfPID())
		}
		if atomic.CompareAndSwapUint64(l.word, w, 0) {
			if w&waitersBit != 0 {
				futexWake(l.low, 1)
			}
			return nil
		}
	}
}

// close marks the lock closed and wakes every process asleep on the word:
// Close calls it before it replaces the mapping, so that a goroutine of
// this process still waiting on a closed value stops at once; sleepers in
// other processes just look at the word again.
func (l *plock) close() {
	l.closed.Store(true)
	futexWake(l.low, math.MaxInt32)
}

func (l *plock) closedErr(op string) error {
	return fmt.Errorf("%s %s: %w", op, l.path(), ErrClosed)
}

// timeoutErr is the error of a wait that reached its bound, waited, naming
// the holder as it is now: the word as the wait ends.
func (l *plock) timeoutErr(waited time.Duration, cause error) error {
	e := &TimeoutError{Lock: l.path(), Waited: waited, Cause: cause}
	w := atomic.LoadUint64(l.word)
	if w == 0 {
		return e
	}
	e.HolderPID = holderPID(w)
	switch {
	case w&^waitersBit == self:
		e.HolderName = "this process: a missing Unlock?"
	case e.HolderPID == selfPID():
		e.HolderName = "an earlier process with this pid"
	default:
		e.HolderName = procfs.Comm(e.HolderPID)
	}
	return e
}
