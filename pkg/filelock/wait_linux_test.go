package filelock_test

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/pkg/filelock"
)

// A cell that retries a busy lock in a loop leaves no pile of waiters: a
// Lock has at most one blocking wait in the kernel, reused by the next
// call, so 500 timed-out waits keep the process's thread and descriptor
// counts flat. When the holder lets go, that waiter lets go too.
func TestTimedOutWaitsStayFlat(t *testing.T) {
	l, holder := newHeld(t)
	retry := func(n int) {
		t.Helper()
		for range n {
			if err := l.LockTimeout(time.Millisecond); !errors.Is(err, filelock.ErrTimeout) {
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
	if fds2 > fds {
		t.Errorf("descriptors %d -> %d over 500 timed-out waits", fds, fds2)
	}
	if threads2 > threads+2 { // the Go runtime may start a thread of its own
		t.Errorf("threads %d -> %d over 500 timed-out waits", threads, threads2)
	}

	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.LockTimeout(5 * time.Second); err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	// The waiter took the lock and dropped it, or is about to: a third
	// Lock gets it.
	if err := holder.LockTimeout(5 * time.Second); err != nil {
		t.Fatalf("the waiter kept the lock: %v", err)
	}
	if err := holder.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func countThreads(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads: line in /proc/self/status")
	return 0
}

func countFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}
