package stepper_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
)

// Both processes read before either writes: one update is lost.
func ExampleReplay() {
	dir, _ := os.MkdirTemp("", "stepper-example-")
	defer os.RemoveAll(dir)
	quiet := stepper.Output(io.Discard, io.Discard)
	tr, err := stepper.Replay(workbook.Work, []int{1, 1}, filepath.Join(dir, "counter.txt"), "A read, B read, A write, B write", quiet)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range tr.Steps {
		fmt.Printf("%s %-8s value %d file %q\n", s.Proc, s.Op, s.Value, s.File)
	}
	fmt.Println("expected", tr.Expected, "final", tr.Final, "lost", tr.Lost)
	// Output:
	// A read     value 0 file "(no file)"
	// B read     value 0 file "(no file)"
	// A truncate value 0 file ""
	// A write    value 1 file "1"
	// A end      value 0 file "1"
	// B truncate value 0 file ""
	// B write    value 1 file "1"
	// B end      value 0 file "1"
	// expected 2 final 1 lost 1
}

// Every distinct schedule of two processes counting once.
func ExampleEvery() {
	dir, _ := os.MkdirTemp("", "stepper-example-")
	defer os.RemoveAll(dir)
	sum, err := stepper.Every(workbook.Work, []int{1, 1}, filepath.Join(dir, "counter.txt"), stepper.Output(io.Discard, io.Discard))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sum.Schedules, "schedules; finals:", sum.Finals)
	// Output:
	// 14 schedules; finals: map[1:12 2:2]
}

// A stepper's processes wait between calls, as between notebook cells.
func ExampleNew() {
	dir, _ := os.MkdirTemp("", "stepper-example-")
	defer os.RemoveAll(dir)
	st, err := stepper.New(workbook.WorkLocked, []int{1, 1}, filepath.Join(dir, "counter.txt"), stepper.Output(io.Discard, io.Discard))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	st.Step("A") // A takes the lock
	st.Step("A") // A reads the counter
	fmt.Println(st.Next())
	if _, err := st.Step("B"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// A: truncate (holds the lock)
	// B: lock (waits: A holds the lock)
	// process B waits for the lock, which A holds: step A first
}
