package filelock_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golocks/golocks/pkg/filelock"
)

// One Lock per process; every process names the same lock file.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "filelock")
	defer os.RemoveAll(dir)

	l := filelock.New(filepath.Join(dir, "tmp_lock"))
	defer l.Close()
	if err := l.Lock(); err != nil { // waits at most l.Timeout()
		fmt.Println(err)
		return
	}
	fmt.Println("locked")
	// ... read and rewrite the shared file ...
	if err := l.Unlock(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("unlocked")
	err := l.Unlock() // a second Unlock is an error, not a crash
	fmt.Println("second Unlock:", errors.Is(err, filelock.ErrNotLocked))
	// Output:
	// locked
	// unlocked
	// second Unlock: true
}

// A wait that reaches its bound is a *TimeoutError: errors.Is tells it from
// other failures, errors.As says who held the lock.
func ExampleLock_LockTimeout() {
	dir, _ := os.MkdirTemp("", "filelock")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tmp_lock")

	holder := filelock.New(path) // another process, in real life
	defer holder.Close()
	if err := holder.Lock(); err != nil {
		fmt.Println(err)
		return
	}
	l := filelock.New(path)
	defer l.Close()
	err := l.LockTimeout(100 * time.Millisecond)
	fmt.Println("busy:", errors.Is(err, filelock.ErrTimeout))
	var te *filelock.TimeoutError
	if errors.As(err, &te) {
		fmt.Println("waited:", te.Waited)
	}
	// Output:
	// busy: true
	// waited: 100ms
}

// TryLock does something else instead of waiting.
func ExampleLock_TryLock() {
	dir, _ := os.MkdirTemp("", "filelock")
	defer os.RemoveAll(dir)

	l := filelock.New(filepath.Join(dir, "tmp_lock"))
	defer l.Close()
	ok, err := l.TryLock()
	if err != nil {
		fmt.Println(err)
		return
	}
	if ok {
		fmt.Println("got it")
		defer l.Unlock()
	} else {
		fmt.Println("busy: come back later")
	}
	// Output: got it
}

// SetTimeout changes how long Lock waits, for this Lock only.
func ExampleLock_SetTimeout() {
	l := filelock.New(filepath.Join(os.TempDir(), "tmp_lock"))
	defer l.Close()
	fmt.Println(l.Timeout())
	l.SetTimeout(time.Minute) // a holder that legitimately keeps it longer
	fmt.Println(l.Timeout())
	// Output:
	// 10s
	// 1m0s
}

// Wrap is the Go form of Python's @interprocess_locked('/tmp/tmp_lock').
func ExampleWrap() {
	dir, _ := os.MkdirTemp("", "filelock")
	defer os.RemoveAll(dir)

	hello := filelock.Wrap(filepath.Join(dir, "tmp_lock"), func() error {
		fmt.Println("only one caller at a time runs this")
		return nil
	})
	if err := hello(); err != nil {
		fmt.Println(err)
	}
	// Output: only one caller at a time runs this
}
