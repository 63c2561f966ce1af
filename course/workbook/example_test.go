package workbook_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/pkg/shared"
)

// Exercise 1: one process counts to 1000.
func ExampleWork() {
	dir, _ := os.MkdirTemp("", "counter")
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "serial.txt")

	if err := workbook.Work(1000, file); err != nil {
		fmt.Println(err)
		return
	}
	n, err := workbook.ReadCount(file)
	fmt.Println(n, err)
	// Output:
	// File doesn't exist, starting to count from 0.
	// 1000 <nil>
}

// A notebook cell ends with PrintCount to show a run's result, or why
// there is none.
func ExamplePrintCount() {
	dir, _ := os.MkdirTemp("", "counter")
	defer os.RemoveAll(dir)
	wd, _ := os.Getwd()
	os.Chdir(dir) // a notebook's files are in its folder
	defer os.Chdir(wd)

	fmt.Println(workbook.PrintCount("serial.txt") != nil) // no file yet: an error
	os.WriteFile("serial.txt", []byte("1000\n"), 0o644)
	if err := workbook.PrintCount("serial.txt"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// true
	// serial.txt holds 1000
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
		go func() { errs <- workbook.WorkLocked(n, file, lock) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			fmt.Println(err)
		}
	}
	n, _ := workbook.ReadCount(file)
	fmt.Println(n)
	// Output:
	// File doesn't exist, starting to count from 0.
	// 300
}

// A Counter that records who held the lock when, for a timeline.
func ExampleCounter_Run() {
	dir, _ := os.MkdirTemp("", "counter")
	defer os.RemoveAll(dir)
	c := workbook.Counter{
		File:     filepath.Join(dir, "parallel.txt"),
		LockFile: filepath.Join(dir, "tmp_lock"),
		Around:   workbook.AroundIncrement,
		Trace:    filepath.Join(dir, "trace.txt"),
	}
	if err := c.Run(3); err != nil {
		fmt.Println(err)
		return
	}
	spans, _ := workbook.ReadTrace(c.Trace)
	fmt.Println(len(spans), "lock holds, first by this process:", spans[0].PID == os.Getpid())
	// Output:
	// File doesn't exist, starting to count from 0.
	// 3 lock holds, first by this process: true
}

// A Counter that notes each read and write of the counter file, read back
// in order with ReadSteps: in one process, nothing is lost.
func ExampleReadSteps() {
	dir, _ := os.MkdirTemp("", "steps")
	defer os.RemoveAll(dir)
	c := workbook.Counter{File: filepath.Join(dir, "parallel.txt"), Steps: filepath.Join(dir, "parallel.steps")}
	if err := c.Run(2); err != nil {
		fmt.Println(err)
		return
	}
	steps, err := workbook.ReadSteps(c.Steps)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range steps {
		fmt.Println(s)
	}
	// Output:
	// File doesn't exist, starting to count from 0.
	// A found no file: counts on from 0
	// A wrote 1
	// A read 1
	// A wrote 2
}

// One worker's loop of the shared-value experiment; `golocks shared` runs the
// same in several processes at once.
func ExampleIncrementShared() {
	dir, err := os.MkdirTemp("", "shared-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "counter")

	if err := workbook.IncrementShared(1000, "locked", path, ""); err != nil {
		fmt.Println(err)
		return
	}
	v, err := shared.OpenValue(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	fmt.Println(v.Get())
	// Output: 1000
}

// The same experiment with goroutines of one process: sync/atomic loses
// nothing. ("racy" would return less than 4000, different every run.)
func ExampleGoroutines() {
	got, err := workbook.Goroutines("atomic", 4, 1000)
	fmt.Println(got, err)
	// Output: 4000 <nil>
}
