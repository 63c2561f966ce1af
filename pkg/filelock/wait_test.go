package filelock_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/runtime/cell"
)

// newHeld returns a Lock on a fresh lock file and a second Lock holding
// that file, both closed when the test ends.
func newHeld(t *testing.T) (l, holder *filelock.Lock) {
	t.Helper()
	p := lockPath(t)
	l, holder = filelock.New(p), filelock.New(p)
	t.Cleanup(func() { l.Close(); holder.Close() })
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	return l, holder
}

// A context without a deadline does not make the wait unbounded: the
// Lock's own timeout bounds it, and the error is a timeout of that bound,
// not the context's.
func TestLockContextWithoutDeadlineIsBounded(t *testing.T) {
	l, _ := newHeld(t)
	l.SetTimeout(100 * time.Millisecond)
	err := l.LockContext(context.Background())
	var te *filelock.TimeoutError
	if !errors.As(err, &te) || te.Waited != 100*time.Millisecond {
		t.Fatalf("LockContext(Background) on a held lock: %v, want a timeout after the Lock's 100ms", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v matches context.DeadlineExceeded, but the context had no deadline", err)
	}
	// SetTimeout(0): Lock and LockContext try once.
	l.SetTimeout(0)
	if err := l.Lock(); !errors.Is(err, filelock.ErrTimeout) {
		t.Errorf("Lock with a timeout of 0: %v, want ErrTimeout", err)
	}
	if err := l.LockContext(context.Background()); !errors.Is(err, filelock.ErrTimeout) {
		t.Errorf("LockContext with a timeout of 0: %v, want ErrTimeout", err)
	}
}

// A cell-like goroutine changes a Lock's timeout while goroutines that a
// previous cell left running lock and unlock it: with -race this checks
// that the timeout is safe to change at any time.
func TestSetTimeoutWhileLocking(t *testing.T) {
	l := filelock.New(lockPath(t))
	defer l.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for range 2 {
		wg.Go(func() {
			for range 200 {
				if err := l.Lock(); err != nil {
					errs <- err
					return
				}
				if err := l.Unlock(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range 200 {
		l.SetTimeout(time.Duration(5+i%3) * time.Second)
		runtime.Gosched()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if d := l.Timeout(); d < 5*time.Second || d > 7*time.Second {
		t.Errorf("Timeout() = %v after SetTimeout(5s..7s)", d)
	}
}

// An interrupted cell ends a wait in progress: the error wraps the cell's
// cause, cell.ErrInterrupted, and is not a timeout.
func TestInterruptedCellEndsWait(t *testing.T) {
	l, holder := newHeld(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	celltest.Run(t, ctx)
	done := make(chan error, 1)
	go func() { done <- l.LockTimeout(time.Minute) }()
	time.Sleep(20 * time.Millisecond) // let it start waiting (either way the result is the same)
	cancel(cell.ErrInterrupted)
	err := <-done
	if !errors.Is(err, cell.ErrInterrupted) || !errors.Is(err, context.Canceled) || errors.Is(err, filelock.ErrTimeout) {
		t.Fatalf("interrupted wait: %v, want cell.ErrInterrupted and context.Canceled, not ErrTimeout", err)
	}
	// A goroutine that waits in another process's turn (in-process
	// contention) is interrupted too.
	if err := l.LockTimeout(0); !errors.Is(err, filelock.ErrTimeout) {
		t.Fatal(err)
	}
	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
	// The wait interrupted above left the process's waiter in flock(2): it
	// gets the lock now and, with nobody queued, lets go at once. Until it
	// has, the lock is busy, and a wait in this interrupted cell would end
	// at once. flock(2) hands a released lock to nobody in particular: the
	// waiter may take it only after another try (the holder's, say) has
	// taken and dropped it. So try (once each time: a try is no wait, and
	// no interrupt ends it) until the lock is ours, bounded.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		err := l.LockTimeout(0)
		if err == nil {
			break
		}
		if !errors.Is(err, filelock.ErrTimeout) {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("the process's waiter kept the lock after its holder let go")
		}
	}
	if err := l.LockTimeout(time.Minute); !errors.Is(err, cell.ErrInterrupted) {
		t.Errorf("in-process wait in an interrupted cell: %v, want cell.ErrInterrupted", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// LockTimeout(0) on a busy lock tries once: no waiter is left behind.
func TestZeroTimeoutLeavesNoWaiter(t *testing.T) {
	l, _ := newHeld(t)
	before := runtime.NumGoroutine()
	for range 20 {
		if err := l.LockTimeout(0); !errors.Is(err, filelock.ErrTimeout) {
			t.Fatalf("LockTimeout(0) on a held lock: %v", err)
		}
		if ok, err := l.TryLock(); ok || err != nil {
			t.Fatalf("TryLock on a held lock: %v, %v", ok, err)
		}
	}
	if got := runtime.NumGoroutine(); got > before {
		t.Errorf("goroutines %d -> %d: a try left something waiting", before, got)
	}
}

// Close releases a held lock and ends every wait in progress with
// ErrClosed; afterwards every method says ErrClosed.
func TestClose(t *testing.T) {
	l, holder := newHeld(t)
	done := make(chan error, 2)
	go func() { done <- l.LockTimeout(time.Minute) }() // waits for the file lock
	time.Sleep(20 * time.Millisecond)
	go func() { done <- l.LockTimeout(time.Minute) }() // waits for its turn in this process
	time.Sleep(20 * time.Millisecond)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; !errors.Is(err, filelock.ErrClosed) {
			t.Errorf("wait in progress at Close: %v, want ErrClosed", err)
		}
	}

	// Close of the holder releases the file lock.
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	other := filelock.New(holder.Path())
	defer other.Close()
	if err := other.LockTimeout(5 * time.Second); err != nil {
		t.Fatalf("after the holder's Close: %v", err)
	}
	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Lock": holder.Lock(), "LockTimeout": holder.LockTimeout(0), "Unlock": holder.Unlock(), "Close": holder.Close(),
	} {
		if !errors.Is(err, filelock.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	if ok, err := holder.TryLock(); ok || !errors.Is(err, filelock.ErrClosed) {
		t.Errorf("TryLock after Close: %v, %v; want ErrClosed", ok, err)
	}
}

// A Lock and a gofrs/flock Flock on the same path exclude each other: the
// Lock makes gofrs' own flock(2) calls, on a descriptor it keeps open.
func TestExcludesGofrs(t *testing.T) {
	p := lockPath(t)
	l, g := filelock.New(p), flock.New(p)
	defer l.Close()
	if err := g.Lock(); err != nil {
		t.Fatal(err)
	}
	if ok, err := l.TryLock(); ok || err != nil {
		t.Fatalf("TryLock while gofrs holds: %v, %v; want false", ok, err)
	}
	if err := g.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	if ok, err := g.TryLock(); ok || err != nil {
		t.Fatalf("gofrs TryLock while the Lock holds: %v, %v; want false", ok, err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if ok, err := g.TryLock(); !ok || err != nil {
		t.Fatalf("gofrs TryLock after Unlock: %v, %v; want true", ok, err)
	}
	g.Unlock()
}

// Taking and releasing a free lock allocates nothing.
func TestFastPathAllocatesNothing(t *testing.T) {
	l := filelock.New(lockPath(t))
	defer l.Close()
	if a := testing.AllocsPerRun(100, func() {
		if err := l.Lock(); err != nil {
			t.Fatal(err)
		}
		if err := l.Unlock(); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Lock+Unlock of a free lock: %v allocations, want 0", a)
	}
}
