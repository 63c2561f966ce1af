package counter_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/golocks/golocks/pkg/counter"
)

// Exercise 1: one process counts to 1000.
func ExampleWork() {
	dir, _ := os.MkdirTemp("", "counter")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "serial.txt")

	if err := counter.Work(1000, file); err != nil {
		fmt.Println(err)
		return
	}
	n, err := counter.Read(file)
	fmt.Println(n, err)
	// Output:
	// File doesn't exist, starting to count from 0.
	// 1000 <nil>
}

// Exercise 4: with the lock held for each call, calls running at the same
// time (here goroutines; in the workbook processes) take turns, and the
// count is exact.
func ExampleWorkLocked() {
	dir, _ := os.MkdirTemp("", "counter")
	defer os.RemoveAll(dir)
	file, lock := filepath.Join(dir, "parallel.txt"), filepath.Join(dir, "tmp_lock")

	errs := make(chan error)
	for _, n := range []int{100, 200} {
		go func() { errs <- counter.WorkLocked(n, file, lock) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			fmt.Println(err)
		}
	}
	n, _ := counter.Read(file)
	fmt.Println(n)
	// Output:
	// File doesn't exist, starting to count from 0.
	// 300
}

// A Counter that records who held the lock when, for a timeline.
func ExampleCounter_Run() {
	dir, _ := os.MkdirTemp("", "counter")
	defer os.RemoveAll(dir)
	c := counter.Counter{
		File:         filepath.Join(dir, "parallel.txt"),
		LockFile:     filepath.Join(dir, "tmp_lock"),
		PerIncrement: true,
		Trace:        filepath.Join(dir, "trace.txt"),
	}
	if err := c.Run(3); err != nil {
		fmt.Println(err)
		return
	}
	spans, _ := counter.ReadTrace(c.Trace)
	fmt.Println(len(spans), "lock holds, first by this process:", spans[0].PID == os.Getpid())
	// Output:
	// File doesn't exist, starting to count from 0.
	// 3 lock holds, first by this process: true
}
