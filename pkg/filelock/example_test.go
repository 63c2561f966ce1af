package filelock_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/golocks/golocks/pkg/filelock"
)

// One lock value per process; every process names the same lock file.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "filelock")
	defer os.RemoveAll(dir)

	l := filelock.New(filepath.Join(dir, "tmp_lock"))
	if err := l.Lock(); err != nil { // waits at most DefaultTimeout
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
	fmt.Println("second Unlock failed:", err != nil)
	// Output:
	// locked
	// unlocked
	// second Unlock failed: true
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
