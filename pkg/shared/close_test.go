package shared

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Close while other goroutines still use the value, the way a later cell
// closes a value that goroutines left running by an earlier cell still
// hammer, or still wait to lock: they get ErrClosed (or the private copy),
// never a fault. A fault kills the process whatever recover does, so the
// scene plays in a child process (closeInUse) and the test checks that the
// child finished.
func TestCloseWhileInUse(t *testing.T) {
	for _, kind := range []string{"value", "mutex", "raw"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			c := startChild(t, "close-in-use", kind, filepath.Join(t.TempDir(), kind))
			c.expect("closed")
			c.expect("ok")
			c.wait()
		})
	}
}

// closeInUse is the child's side of TestCloseWhileInUse. A second handle on
// the same file holds the lock, so that one goroutine sleeps in the lock
// loop (on the word Close replaces); others loop over the methods. (Not
// Unlock: the lock belongs to the process, so Unlock through any handle
// would release the other handle's lock.)
func closeInUse(kind, path string) error {
	type handle interface{ Close() error }
	var (
		victim, other handle
		ops           []func() error // each touches the mapping
		wait          func() error   // a Lock that must wait
	)
	switch kind {
	case "value":
		v, err := OpenValue(path)
		if err != nil {
			return err
		}
		o, err := OpenValue(path)
		if err != nil {
			return err
		}
		if err := o.Lock(); err != nil {
			return err
		}
		victim, other = v, o
		wait = func() error { return v.LockTimeout(time.Minute) }
		ops = []func() error{
			func() error { v.Set(v.Get() + 1); return nil },
			func() error { v.Add(1); return nil },
			func() error { _, err := v.TryLock(); return err },
			func() error { return v.LockTimeout(time.Millisecond) },
		}
	case "mutex":
		mu, err := OpenMutex(path)
		if err != nil {
			return err
		}
		o, err := OpenMutex(path)
		if err != nil {
			return err
		}
		if err := o.Lock(); err != nil {
			return err
		}
		victim, other = mu, o
		wait = func() error { return mu.LockTimeout(time.Minute) }
		ops = []func() error{
			func() error { _, err := mu.TryLock(); return err },
			func() error { return mu.LockTimeout(time.Millisecond) },
		}
	case "raw":
		r, err := OpenRaw(path)
		if err != nil {
			return err
		}
		o, err := OpenRaw(path)
		if err != nil {
			return err
		}
		victim, other = r, o
		ops = []func() error{
			func() error { r.Set(r.Get() + 1); return nil },
			func() error { r.Add(1); return nil },
		}
	default:
		return fmt.Errorf("kind %q", kind)
	}

	waited := make(chan error, 1)
	if wait != nil {
		go func() { waited <- wait() }()
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, len(ops))
	for _, op := range ops {
		wg.Go(func() {
			var last error
			for !stop.Load() {
				last = op()
			}
			// After Close every lock method says ErrClosed.
			if last != nil && !errors.Is(last, ErrClosed) {
				errs <- fmt.Errorf("after Close: %v, want ErrClosed", last)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // all of them at work, the waiter asleep
	if err := victim.Close(); err != nil {
		return err
	}
	fmt.Println("closed")
	time.Sleep(50 * time.Millisecond) // still at work on the closed value
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	if wait != nil {
		select {
		case err := <-waited:
			if !errors.Is(err, ErrClosed) {
				return fmt.Errorf("a Lock waiting at Close: %v, want ErrClosed", err)
			}
		case <-time.After(10 * time.Second):
			return errors.New("a Lock waiting at Close still waits 10s later")
		}
	}
	if err := victim.Close(); !errors.Is(err, ErrClosed) {
		return fmt.Errorf("second Close: %v, want ErrClosed", err)
	}
	if err := other.Close(); err != nil {
		return err
	}
	fmt.Println("ok")
	return nil
}

// Close leaves the file with the value it had, and the closed value with
// a private copy of it.
func TestCloseKeepsValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "value")
	v, err := OpenValue(path)
	if err != nil {
		t.Fatal(err)
	}
	v.Set(7)
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	v.Add(100) // the private copy
	if got := v.Get(); got != 107 {
		t.Errorf("Get after Close = %d; want 107 from the private copy", got)
	}
	v2, err := OpenValue(path)
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	if got := v2.Get(); got != 7 {
		t.Errorf("the file holds %d after Close; want 7", got)
	}
	b, err := os.ReadFile("/proc/self/maps")
	if err == nil && strings.Contains(string(b), path) {
		// v2 maps it; v must not any more. Count the lines naming it.
		if n := strings.Count(string(b), path); n != 1 {
			t.Errorf("%s is mapped %d times with one open Value", path, n)
		}
	}
}
