package filelock_test

import (
	"errors"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/procfs"
	"github.com/golocks/golocks/pkg/filelock"
)

// A cell that retries a busy lock in a loop leaves no pile of waiters: a
// Lock has at most one blocking wait in the kernel, reused by the next
// call, so 500 timed-out waits keep the process's thread and descriptor
// counts flat. When the holder lets go, that waiter lets go too.
func TestTimedOutWaitsStayFlat(t *testing.T) {
	l, holder := newHeld(t)
	timeoutsStayFlat(t, holder, l.LockTimeout, l)
}

// The same with a fresh Lock value for every try, as a cell that writes
// filelock.New(path).LockTimeout(time.Millisecond) in a loop does: the
// process has one blocking wait per lock file, not one per value, and a
// value whose wait gave up keeps no descriptor open.
func TestTimedOutWaitsByFreshValuesStayFlat(t *testing.T) {
	_, holder := newHeld(t)
	fresh := func(d time.Duration) error { return filelock.New(holder.Path()).LockTimeout(d) }
	l := filelock.New(holder.Path())
	t.Cleanup(func() { l.Close() })
	timeoutsStayFlat(t, holder, fresh, l)
}

// timeoutsStayFlat times try(1ms) out 500 times on the lock holder holds
// and checks that the process's threads and descriptors stay within +10;
// then, once the holder let go, that next takes the lock and lets go, and
// that the process's waiter did not keep it: the holder gets it again.
func timeoutsStayFlat(t *testing.T, holder *filelock.Lock, try func(time.Duration) error, next *filelock.Lock) {
	t.Helper()
	retry := func(n int) {
		t.Helper()
		for range n {
			if err := try(time.Millisecond); !errors.Is(err, filelock.ErrTimeout) {
				t.Fatalf("LockTimeout on a held lock: %v, want ErrTimeout", err)
			}
		}
	}
	retry(10)    // the waiter, and whatever threads the runtime wants for it
	runtime.GC() // earlier tests' unreachable files close now, not during the count
	threads, fds := countThreads(t), countFDs(t)
	retry(500)
	threads2, fds2 := countThreads(t), countFDs(t)
	t.Logf("after 10 timeouts: %d threads, %d descriptors; after 510: %d, %d", threads, fds, threads2, fds2)
	if fds2 > fds+10 {
		t.Errorf("descriptors %d -> %d over 500 timed-out waits", fds, fds2)
	}
	if threads2 > threads+10 {
		t.Errorf("threads %d -> %d over 500 timed-out waits", threads, threads2)
	}

	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := next.LockTimeout(5 * time.Second); err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
	if err := next.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := holder.LockTimeout(5 * time.Second); err != nil {
		t.Fatalf("the waiter kept the lock: %v", err)
	}
	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// Many Lock values of one process wait for one file at once, each with its
// own goroutines: every increment of a counter file under the lock counts,
// whichever value the process's one waiter hands the lock to. (A file, not
// a variable: the race detector does not see flock's ordering.)
func TestFreshValuesShareTheWaiter(t *testing.T) {
	p := lockPath(t)
	holder := filelock.New(p)
	defer holder.Close()
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	const values, each = 8, 50
	counter := filepath.Join(t.TempDir(), "counter")
	var wg sync.WaitGroup
	errs := make(chan error, values)
	for range values {
		wg.Go(func() {
			l := filelock.New(p)
			defer l.Close()
			for range each {
				if err := l.LockTimeout(30 * time.Second); err != nil {
					errs <- err
					return
				}
				if err := incrementFile(counter); err != nil {
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
	time.Sleep(10 * time.Millisecond) // let some wait on the held lock (not asserted)
	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, err := readFile(counter); err != nil || n != values*each {
		t.Fatalf("counter %d (%v), want %d", n, err, values*each)
	}
}

func countThreads(t *testing.T) int {
	t.Helper()
	st, err := procfs.SelfStatus()
	if err != nil {
		t.Fatal(err)
	}
	return st.Threads
}

func countFDs(t *testing.T) int {
	t.Helper()
	n, err := procfs.OpenFiles()
	if err != nil {
		t.Fatal(err)
	}
	return n
}
