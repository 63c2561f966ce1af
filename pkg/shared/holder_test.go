//go:build linux

package shared

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/runtime/cell"
)

// A lock word names its holder by pid and start time. A dead holder whose
// pid now belongs to another process, even to this one (a container
// restarted with the same few pids, and a persistent value file), is
// recognised as dead and its lock taken over at once; a live holder never
// is, even when its start time is unknown.
func TestReusedPidTakenOver(t *testing.T) {
	if !lockSupported {
		t.Fatal("no cross-process lock on this system")
	}
	live := startChild(t, "idle")
	live.expect("ready")
	liveStart := startTime(live.pid())
	if liveStart == 0 || selfStart() == 0 {
		t.Fatalf("start times unreadable: child %d, self %d", liveStart, selfStart())
	}
	cases := []struct {
		name string
		word uint64
		dead bool
	}{
		{"this pid, an earlier process", lockID(uint32(selfPID()), selfStart()+1), true},
		{"this pid, an earlier process, waiters", lockID(uint32(selfPID()), selfStart()-7) | waitersBit, true},
		{"a live pid, an earlier process", lockID(uint32(live.pid()), liveStart+1), true},
		{"a live process", lockID(uint32(live.pid()), liveStart), false},
		{"a live pid, start unknown", lockID(uint32(live.pid()), 0), false},
		{"this process", self, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, pl := openLocker(t, "mutex", filepath.Join(t.TempDir(), "lock"))
			atomic.StoreUint64(pl.word, c.word)
			ok, err := pl.tryLock()
			if err != nil || ok != c.dead {
				t.Fatalf("TryLock over %#x = %v, %v; want %v", c.word, ok, err, c.dead)
			}
			if !ok {
				if w := atomic.LoadUint64(pl.word); w != c.word {
					t.Fatalf("TryLock changed a live holder's word %#x to %#x", c.word, w)
				}
				return
			}
			if w := atomic.LoadUint64(pl.word); w != self|c.word&waitersBit {
				t.Fatalf("word %#x after the takeover, want %#x", w, self|c.word&waitersBit)
			}
			if err := pl.unlock(); err != nil {
				t.Fatal(err)
			}

			// Lock takes it over too; for this process's own pid without
			// announcing itself as a sleeper first (at once: no waitersBit).
			atomic.StoreUint64(pl.word, c.word)
			if err := pl.lockTimeout(5 * time.Second); err != nil {
				t.Fatalf("Lock over %#x: %v", c.word, err)
			}
			w := atomic.LoadUint64(pl.word)
			if w&^waitersBit != self {
				t.Fatalf("word %#x after Lock, want this process", w)
			}
			if holderPID(c.word) == selfPID() && w != self|c.word&waitersBit {
				t.Errorf("word %#x: Lock slept before taking over from an earlier process with this pid", w)
			}
			if err := pl.unlock(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A new lock word holds this process's start time beside its pid, in the
// file that other processes read.
func TestLockWordHoldsStartTime(t *testing.T) {
	_, pl := openLocker(t, "value", filepath.Join(t.TempDir(), "value"))
	if err := pl.lockTimeout(time.Second); err != nil {
		t.Fatal(err)
	}
	w := atomic.LoadUint64(pl.word)
	if holderPID(w) != selfPID() || holderStart(w) != startTime(selfPID()) || holderStart(w) == 0 {
		t.Fatalf("word %#x: want pid %d and start %d", w, selfPID(), startTime(selfPID()))
	}
	if err := pl.unlock(); err != nil {
		t.Fatal(err)
	}
}

// TryLock on a busy lock is cheap: no system call when this process holds
// it, and a live holder found by one TryLock is trusted for a waitSlice by
// the next ones instead of being looked up in /proc again.
func TestTryLockRemembersLiveHolder(t *testing.T) {
	live := startChild(t, "idle")
	live.expect("ready")
	_, pl := openLocker(t, "mutex", filepath.Join(t.TempDir(), "lock"))
	atomic.StoreUint64(pl.word, self)
	if ok, _ := pl.tryLock(); ok || pl.alive.Load() != 0 {
		t.Fatalf("TryLock of our own lock: %v, remembered %#x; want false, nothing looked up", ok, pl.alive.Load())
	}
	holder := lockID(uint32(live.pid()), startTime(live.pid()))
	atomic.StoreUint64(pl.word, holder)
	if ok, _ := pl.tryLock(); ok || pl.alive.Load() != holder {
		t.Fatalf("TryLock of a live holder: %v, remembered %#x; want false, %#x", ok, pl.alive.Load(), holder)
	}
}

// LockTimeout(0) tries once: it never announces itself as a sleeper, so the
// holder's Unlock makes no wake-up call for nobody.
func TestZeroTimeoutSetsNoWaitersBit(t *testing.T) {
	for _, kind := range []string{"value", "mutex"} {
		l, pl := openLocker(t, kind, filepath.Join(t.TempDir(), kind))
		holder := startChild(t, "hold", kind, pl.path())
		holder.expect("locked")
		for range 3 {
			if err := l.LockTimeout(0); !errors.Is(err, ErrTimeout) {
				t.Fatalf("%s: LockTimeout(0) on a held lock: %v", kind, err)
			}
		}
		if w := atomic.LoadUint64(pl.word); w&waitersBit != 0 {
			t.Errorf("%s: word %#x after LockTimeout(0): waiters bit set", kind, w)
		}
		holder.send("unlock")
		holder.expect("unlocked")
	}
}

// A context without a deadline is bounded by the value's own timeout, and
// the error is that bound's, not the context's.
func TestLockContextWithoutDeadlineIsBounded(t *testing.T) {
	for _, kind := range []string{"value", "mutex"} {
		l, pl := openLocker(t, kind, filepath.Join(t.TempDir(), kind))
		atomic.StoreUint64(pl.word, self) // held by this process: a missing Unlock
		setTimeout(l, 60*time.Millisecond)
		err := l.LockContext(context.Background())
		var te *TimeoutError
		if !errors.As(err, &te) || te.Waited != 60*time.Millisecond || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: LockContext(Background) = %v; want a timeout after the value's 60ms", kind, err)
		}
		setTimeout(l, 0)
		if err := l.Lock(); !errors.Is(err, ErrTimeout) {
			t.Errorf("%s: Lock with a timeout of 0: %v", kind, err)
		}
		atomic.StoreUint64(pl.word, 0)
	}
}

func setTimeout(l locker, d time.Duration) {
	l.(interface{ SetTimeout(time.Duration) }).SetTimeout(d)
}

// A cell-like goroutine changes the timeout while goroutines a previous cell
// left running lock and unlock: with -race, this checks that it may.
func TestSetTimeoutWhileLocking(t *testing.T) {
	v, err := OpenValue(filepath.Join(t.TempDir(), "value"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			for range 2000 {
				if err := v.Lock(); err != nil {
					errs <- err
					return
				}
				v.Set(v.Get() + 1)
				if err := v.Unlock(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range 200 {
		v.SetTimeout(time.Duration(5+i%3) * time.Second)
		runtime.Gosched()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if v.Get() != 4000 {
		t.Errorf("count %d, want 4000", v.Get())
	}
}

// An interrupted cell ends a Lock that waits: the error wraps the cell's
// cause and is not a timeout.
func TestInterruptedCellEndsWait(t *testing.T) {
	for _, kind := range []string{"value", "mutex"} {
		l, pl := openLocker(t, kind, filepath.Join(t.TempDir(), kind))
		atomic.StoreUint64(pl.word, self)
		ctx, cancel := context.WithCancelCause(context.Background())
		celltest.Run(t, ctx)
		done := make(chan error, 1)
		go func() { done <- l.LockTimeout(time.Minute) }()
		time.Sleep(30 * time.Millisecond) // asleep in the kernel by now (either way the result is the same)
		cancel(cell.ErrInterrupted)
		err := <-done
		if !errors.Is(err, cell.ErrInterrupted) || errors.Is(err, ErrTimeout) {
			t.Errorf("%s: wait in an interrupted cell: %v; want cell.ErrInterrupted", kind, err)
		}
		atomic.StoreUint64(pl.word, 0)
	}
}

// Unlock of a lock that an earlier process with this pid left says so.
func TestUnlockOfEarlierProcess(t *testing.T) {
	l, pl := openLocker(t, "mutex", filepath.Join(t.TempDir(), "lock"))
	atomic.StoreUint64(pl.word, lockID(uint32(selfPID()), selfStart()+1))
	err := l.Unlock()
	if !errors.Is(err, ErrNotLocked) || !strings.Contains(err.Error(), "earlier process that had this pid, "+strconv.Itoa(selfPID())) {
		t.Errorf("Unlock of an earlier process's lock: %v", err)
	}
}
