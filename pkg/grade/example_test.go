package grade_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/pkg/grade"
)

// A test cell checks the count that the student's run left in a file.
func ExampleCount() {
	dir, _ := os.MkdirTemp("", "grade")
	defer os.RemoveAll(dir)
	parallel := filepath.Join(dir, "parallel.txt")

	os.WriteFile(parallel, []byte("2714\n"), 0o644) // a run that lost updates
	fmt.Println(grade.Count(parallel, 3000) != nil)
	fmt.Println(grade.CountAtMost(parallel, 3000)) // fine for a racy run

	os.WriteFile(parallel, []byte("3000\n"), 0o644)
	fmt.Println(grade.Count(parallel, 3000))
	// Output:
	// true
	// <nil>
	// <nil>
}

// The lock exercise's test: does the student's wrapper hold the lock while
// work runs? This one lets go too early.
func ExampleLockWrapper() {
	dir, _ := os.MkdirTemp("", "grade")
	defer os.RemoveAll(dir)

	early := func(lockPath string, work func(int, string) error) func(int, string) error {
		return func(maxCount int, filename string) error {
			lock := filelock.New(lockPath)
			if err := lock.Lock(); err != nil {
				return err
			}
			lock.Unlock() // too early: work below runs unlocked
			return work(maxCount, filename)
		}
	}
	fmt.Println(grade.LockWrapper(early, filepath.Join(dir, "counter.lock")) != nil)
	// Output:
	// true
}
