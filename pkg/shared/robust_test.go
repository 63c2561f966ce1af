package shared

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// locker is what Value and Mutex have in common, so that each robustness
// test runs on both.
type locker interface {
	Lock() error
	LockTimeout(time.Duration) error
	LockContext(context.Context) error
	TryLock() (bool, error)
	Unlock() error
	Close() error
}

func openLocker(t *testing.T, kind, path string) (locker, *plock) {
	t.Helper()
	switch kind {
	case "value":
		v, err := OpenValue(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { v.Close() })
		return v, &v.lk
	default:
		mu, err := OpenMutex(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { mu.Close() })
		return mu, &mu.lk
	}
}

// A live holder in another process: TryLock says no, LockTimeout and a
// LockContext with a deadline fail with ErrTimeout naming the file and the
// holder, a cancelled LockContext fails with context.Canceled, Unlock is
// refused. When the holder unlocks, a waiter asleep in the kernel gets the
// lock.
func TestLiveHolder(t *testing.T) {
	for _, kind := range []string{"value", "mutex"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), kind)
			l, pl := openLocker(t, kind, path)
			holder := startChild(t, "hold", kind, path)
			holder.expect("locked")

			if ok, err := l.TryLock(); ok || err != nil {
				t.Fatalf("TryLock with a live holder = %v, %v; want false, nil", ok, err)
			}
			err := l.LockTimeout(50 * time.Millisecond)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("LockTimeout with a live holder = %v; want ErrTimeout", err)
			}
			var te *TimeoutError
			if !errors.As(err, &te) || te.HolderPID != holder.pid() || te.Lock != path || te.Waited <= 0 {
				t.Fatalf("TimeoutError %+v; want holder %d, path %s, waited > 0", te, holder.pid(), path)
			}
			msg := err.Error()
			for _, want := range []string{path, "pid " + strconv.Itoa(holder.pid()), "timed out after"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			if err := l.LockContext(ctx); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("LockContext past its deadline = %v; want ErrTimeout and DeadlineExceeded", err)
			}
			ctx, cancel = context.WithCancel(context.Background())
			cancel()
			if err := l.LockContext(ctx); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
				t.Errorf("LockContext cancelled = %v; want context.Canceled", err)
			}
			if err := l.LockTimeout(0); !errors.Is(err, ErrTimeout) {
				t.Errorf("LockTimeout(0) = %v; want ErrTimeout at once", err)
			}
			if err := l.Unlock(); !errors.Is(err, ErrNotLocked) || !strings.Contains(err.Error(), strconv.Itoa(holder.pid())) {
				t.Errorf("Unlock of another process's lock = %v; want ErrNotLocked naming pid %d", err, holder.pid())
			}

			// Sleep in the kernel, then be woken by the holder's Unlock.
			done := make(chan error, 1)
			go func() { done <- l.LockTimeout(20 * time.Second) }()
			for atomic.LoadUint64(pl.word)&waitersBit == 0 {
				time.Sleep(time.Millisecond) // until the waiter has announced itself
			}
			holder.send("unlock")
			holder.expect("unlocked")
			if err := <-done; err != nil {
				t.Fatalf("Lock after the holder's Unlock: %v", err)
			}
			if err := l.Unlock(); err != nil {
				t.Fatal(err)
			}
			holder.wait()
		})
	}
}

// A holder killed with SIGKILL while holding the lock: the waiter takes the
// lock over, whether the dead holder was already reaped (its pid is gone) or
// not (a zombie: its pid still exists).
func TestDeadHolderTakenOver(t *testing.T) {
	for _, kind := range []string{"value", "mutex"} {
		for _, reaped := range []bool{true, false} {
			name := kind + "/zombie"
			if reaped {
				name = kind + "/reaped"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				path := filepath.Join(t.TempDir(), kind)
				l, pl := openLocker(t, kind, path)
				holder := startChild(t, "hold", kind, path)
				holder.expect("locked")
				if got := holderPID(atomic.LoadUint64(pl.word)); got != holder.pid() {
					t.Fatalf("lock word holds pid %d, want the holder %d", got, holder.pid())
				}
				holder.kill()
				if reaped {
					holder.cmd.Wait()
				}
				if err := l.LockTimeout(5 * time.Second); err != nil {
					t.Fatalf("Lock after the holder was killed: %v", err)
				}
				if got := atomic.LoadUint64(pl.word) &^ waitersBit; got != self {
					t.Fatalf("lock word %#x after the takeover, want this process's %#x", got, self)
				}
				if err := l.Unlock(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TryLock takes a lock whose holder is dead, without waiting.
func TestTryLockDeadHolder(t *testing.T) {
	exited := startChild(t, "exit")
	exited.wait() // its pid is now free
	l, pl := openLocker(t, "mutex", filepath.Join(t.TempDir(), "lock"))
	atomic.StoreUint64(pl.word, uint64(exited.pid())|waitersBit)
	if ok, err := l.TryLock(); !ok || err != nil {
		t.Fatalf("TryLock over a dead holder = %v, %v; want true, nil", ok, err)
	}
	if w := atomic.LoadUint64(pl.word); w != self|waitersBit {
		t.Fatalf("word %#x, want this pid with the waiters bit kept", w)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// The futex is shared, not private: a process asleep on the word in its own
// mapping is woken by a wake-up on the same word in another process's mapping
// (with FUTEX_PRIVATE_FLAG no wake-up would ever find it).
func TestFutexAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	_, pl := openLocker(t, "mutex", path)
	const val = 12345
	atomic.StoreUint64(pl.word, val)
	sleeper := startChild(t, "futexwait", path, strconv.Itoa(val))
	sleeper.expect("waiting")
	for futexWake(pl.low, 1) == 0 { // until the sleeper is really asleep
		time.Sleep(time.Millisecond)
	}
	sleeper.expect("timedOut=false err=<nil>")
	sleeper.wait()
}
