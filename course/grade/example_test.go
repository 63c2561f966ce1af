package grade_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/golocks/golocks/course/grade"
	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/runtime/pool"
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

// The lock exercise's test: does the student's function hold the lock
// while it reads the counter? This one lets go too early.
func ExampleHoldsLock() {
	dir, _ := os.MkdirTemp("", "grade")
	defer os.RemoveAll(dir)
	lockPath := filepath.Join(dir, "counter.lock")

	early := func(maxCount int, filename string) error {
		lock := filelock.New(lockPath)
		if err := lock.Lock(); err != nil {
			return err
		}
		lock.Unlock() // too early: the counting below runs unlocked
		for range maxCount {
			data, _ := os.ReadFile(filename)
			n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
			if err := os.WriteFile(filename, []byte(strconv.Itoa(n+1)+"\n"), 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	err := grade.HoldsLock(early, lockPath)
	fmt.Println(strings.Contains(err.Error(), "while "+lockPath+" was free"))
	// Output:
	// true
}

// A racy exercise's test: the count may be anything up to the increments
// made, but only if the student's pool raced at all.
func ExampleProcesses() {
	p := pool.New(1) // a student's pool: one process, the calls take turns
	fmt.Println(grade.Processes("p", p, 2))
	fmt.Println(grade.Processes("p", pool.New(2), 2))
	// Output:
	// p runs 1 process at a time: its calls take turns and nothing races; this exercise asks for 2 processes at once (pool.New(2))
	// <nil>
}
