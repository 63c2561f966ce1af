package filelock_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golocks/golocks/pkg/filelock"
)

func lockPath(t *testing.T) string {
	return filepath.Join(t.TempDir(), "tmp_lock")
}

func TestLockUnlock(t *testing.T) {
	p := lockPath(t)
	l := filelock.New(p)
	if l.Path() != p {
		t.Errorf("Path() = %q, want %q", l.Path(), p)
	}
	if err := l.Unlock(); err == nil || !strings.Contains(err.Error(), "not locked") {
		t.Errorf("Unlock before Lock: %v, want a not-locked error", err)
	}
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	if ok, err := l.TryLock(); ok || err != nil {
		t.Errorf("TryLock while locked = %v, %v; want false, nil", ok, err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err == nil {
		t.Error("second Unlock: no error")
	}
	if ok, err := l.TryLock(); !ok || err != nil {
		t.Fatalf("TryLock when free = %v, %v; want true, nil", ok, err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	// Never deleted: see the package comment.
	if _, err := os.Stat(p); err != nil {
		t.Errorf("lock file gone after Unlock: %v", err)
	}
}

// Two handles on one path exclude each other inside one process, and the
// timeout names the file, the wait and the holder (us).
func TestTimeoutNamesHolder(t *testing.T) {
	p := lockPath(t)
	a, b := filelock.New(p), filelock.New(p)
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := b.LockTimeout(200 * time.Millisecond)
	waited := time.Since(start)
	if !errors.Is(err, filelock.ErrTimeout) {
		t.Fatalf("LockTimeout on a held lock: %v, want ErrTimeout", err)
	}
	if waited < 200*time.Millisecond || waited > 2*time.Second {
		t.Errorf("waited %v for a 200ms timeout", waited)
	}
	var te *filelock.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("%T is not a *TimeoutError", err)
	}
	if te.Lock != p || te.Waited != 200*time.Millisecond {
		t.Errorf("TimeoutError = %+v", te)
	}
	want := "lock " + p + ": timed out after 200ms"
	if runtime.GOOS == "linux" { // the holder is known from /proc/locks
		if te.HolderPID != os.Getpid() {
			t.Errorf("HolderPID = %d, want this process, %d", te.HolderPID, os.Getpid())
		}
		want += fmt.Sprintf("; held by pid %d (this process)", os.Getpid())
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, want) {
		t.Errorf("message %q does not start %q", msg, want)
	}
	t.Log(msg)

	// Once a lets go, b gets it, through the waiter its timed-out call
	// left behind or on its own descriptor.
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := b.LockTimeout(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// Lock twice from one goroutine is a bug; it must end in an error, not a
// kernel hung forever.
func TestLockTwiceTimesOut(t *testing.T) {
	l := filelock.New(lockPath(t))
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	err := l.LockTimeout(100 * time.Millisecond)
	if !errors.Is(err, filelock.ErrTimeout) {
		t.Fatalf("second Lock: %v, want ErrTimeout", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := l.LockTimeout(time.Second); err != nil {
		t.Fatalf("Lock after Unlock: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestLockContext(t *testing.T) {
	p := lockPath(t)
	holder := filelock.New(p)
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock()
	l := filelock.New(p)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := l.LockContext(ctx)
	if !errors.Is(err, filelock.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v, want ErrTimeout and DeadlineExceeded", err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	err = l.LockContext(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, filelock.ErrTimeout) {
		t.Errorf("cancel: %v, want context.Canceled only", err)
	}
	if err := l.LockContext(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("done ctx: %v, want context.Canceled", err)
	}
	if err := l.LockContext(nil); err == nil { //lint:ignore SA1012 testing misuse
		t.Error("nil ctx: no error")
	}
	if err := l.LockTimeout(0); !errors.Is(err, filelock.ErrTimeout) {
		t.Errorf("LockTimeout(0) on a held lock: %v, want ErrTimeout", err)
	}
}

// Bad lock paths give a clear error at once: never a panic, never a hang.
func TestBadPaths(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"directory":      dir,
		"missing parent": filepath.Join(dir, "nope", "tmp_lock"),
		"empty":          "",
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			l := filelock.New(p)
			start := time.Now()
			err := l.LockTimeout(5 * time.Second)
			if err == nil {
				t.Fatal("Lock: no error")
			}
			if time.Since(start) > time.Second {
				t.Errorf("took %v to fail", time.Since(start))
			}
			if errors.Is(err, filelock.ErrTimeout) || !strings.Contains(err.Error(), "lock "+p) {
				t.Errorf("Lock: %v", err)
			}
			t.Log(err)
			if ok, err := l.TryLock(); ok || err == nil {
				t.Errorf("TryLock = %v, %v; want an error", ok, err)
			}
			if err := l.Unlock(); err == nil {
				t.Error("Unlock: no error")
			}
			called := false
			if err := filelock.Wrap(p, func() error { called = true; return nil })(); err == nil || called {
				t.Errorf("Wrap: err %v, f called %v", err, called)
			}
		})
	}
	if p := filepath.Join(dir, "nope", "x"); !strings.Contains(lockErr(p), "lock "+p+": open "+p+": no such file or directory") {
		t.Errorf("missing parent: %q", lockErr(p))
	}
}

func lockErr(p string) string {
	err := filelock.New(p).Lock()
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestMisuseIsAnError(t *testing.T) {
	var nilLock *filelock.Lock
	var zero filelock.Lock
	for _, l := range []*filelock.Lock{nilLock, &zero} {
		if err := l.Lock(); err == nil {
			t.Error("Lock: no error")
		}
		if _, err := l.TryLock(); err == nil {
			t.Error("TryLock: no error")
		}
		if err := l.Unlock(); err == nil {
			t.Error("Unlock: no error")
		}
	}
	if err := filelock.Wrap(lockPath(t), nil)(); err == nil {
		t.Error("Wrap(nil): no error")
	}
}

func TestTimeoutErrorMessage(t *testing.T) {
	e := &filelock.TimeoutError{Lock: "/tmp/tmp_lock", Waited: 10*time.Second + 213*time.Microsecond}
	if got, want := e.Error(), "lock /tmp/tmp_lock: timed out after 10s"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// Goroutines sharing one *Lock exclude each other. The counter is a plain
// int: with -race this also checks that Unlock happens before the next
// Lock in the memory model's sense.
func TestGoroutinesShareOneLock(t *testing.T) {
	for _, g := range []int{2, 8} {
		l := filelock.New(lockPath(t))
		const n = 1000
		count := 0
		var wg sync.WaitGroup
		errs := make(chan error, g)
		for range g {
			wg.Go(func() {
				for range n {
					if err := l.Lock(); err != nil {
						errs <- err
						return
					}
					count++
					if err := l.Unlock(); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if count != g*n {
			t.Errorf("%d goroutines: count %d, want %d", g, count, g*n)
		}
	}
}

// Wrap'd calls from many goroutines: each call has its own handle, so the
// kernel's flock makes them take turns on a counter file.
func TestWrapGoroutines(t *testing.T) {
	dir := t.TempDir()
	file, lock := filepath.Join(dir, "count.txt"), filepath.Join(dir, "tmp_lock")
	inc := filelock.Wrap(lock, func() error { return incrementFile(file) })
	const g, n = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, g)
	for range g {
		wg.Go(func() {
			for range n {
				if err := inc(); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got, err := readFile(file); err != nil || got != g*n {
		t.Errorf("count %d, %v; want %d", got, err, g*n)
	}
}

func TestWrapResults(t *testing.T) {
	p := lockPath(t)
	boom := errors.New("boom")
	if err := filelock.Wrap(p, func() error { return boom })(); err != boom {
		t.Errorf("Wrap returned %v, want f's error", err)
	}

	// A panic in f propagates, and the lock is released on the way out.
	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic did not propagate")
			}
		}()
		_ = filelock.Wrap(p, func() error { panic("in f") })()
	}()
	if ok, err := filelock.New(p).TryLock(); !ok || err != nil {
		t.Errorf("lock still held after a panic in f: %v, %v", ok, err)
	}
}
