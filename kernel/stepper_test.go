//go:build e2e

package kernel

// The stepper on a notebook's own work function: the kernel's binary is
// the worker that interprets it, held at each file operation by the gate.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/golocks/golocks/internal/jupytertest"
)

// work as a student writes it in a cell, with plain os calls.
const studentWork = `import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/golocks/golocks/course/stepper"
)

func work(maxCount int, filename string) error {
	for i := 0; i < maxCount; i++ {
		nbr := 0
		if _, err := os.Stat(filename); err != nil {
			fmt.Println("File doesn't exist, starting to count from 0.")
		} else if data, err := os.ReadFile(filename); err == nil {
			n, err := strconv.Atoi(strings.TrimSpace(string(data)))
			if err != nil {
				fmt.Println("File read error, starting to count from 0; error: " + err.Error())
			}
			nbr = n
		}
		if err := os.WriteFile(filename, []byte(strconv.Itoa(nbr+1)+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}`

func TestStepperOnANotebookFunction(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	res := runSession(t, k, kernelName, []step{
		{"run": studentWork},
		{"run": `for _, s := range []string{"A3 B3", "A read, B read, A write, B write", "A read, A truncate, B read, A write, B write"} {
	tr, err := stepper.Replay(work, []int{1, 1}, "counter.txt", s)
	if err != nil {
		fmt.Println("error:", err)
		continue
	}
	fmt.Printf("final %d lost %d reset %q\n", tr.Final, tr.Lost, tr.Steps[2].Reset)
}`},
		{"run": `st, err := stepper.New(work, []int{1, 1}, "counter.txt")
fmt.Println(err)
fmt.Println(st.Next())`},
		{"run": `st.Step("A")
st.Step("B")
fmt.Println(st.Next())`},
		{"run": `for _, p := range []string{"A", "A", "B", "B"} {
	if _, err := st.Step(p); err != nil {
		fmt.Println("error:", err)
	}
}
tr := st.Trace()
fmt.Printf("final %d lost %d done %v\n", tr.Final, tr.Lost, st.Done())
st.Close()`},
	})
	var out []string
	for i, r := range res {
		c := r.Cells[0]
		if c.status() == "error" {
			t.Fatalf("cell %d: %v %s", i, c.Errors, c.Stdout)
		}
		out = append(out, c.Stdout)
	}
	for _, want := range []string{"final 2 lost 0", "final 1 lost 1 reset \"\"", "final 1 lost 1 reset \"an empty file\""} {
		if !strings.Contains(out[1], want) {
			t.Errorf("replays: %q lacks %q", out[1], want)
		}
	}
	if !strings.Contains(out[2], "<nil>\nA: read\nB: read") {
		t.Errorf("new stepper: %q", out[2])
	}
	if !strings.Contains(out[3], "A: truncate\nB: truncate") {
		t.Errorf("after both read: %q", out[3])
	}
	if !strings.Contains(out[4], "final 1 lost 1 done true") {
		t.Errorf("end: %q", out[4])
	}
}

// Interrupting a cell during a step stops the stepper's processes; the
// stepper and its trace stay, and say so.
func TestStepperInterruptedMidStep(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	res := runSession(t, k, kernelName, []step{
		{"run": `import (
	"fmt"
	"os"
	"time"

	"github.com/golocks/golocks/course/stepper"
)

func slowWork(maxCount int, filename string) error {
	os.Stat(filename)
	time.Sleep(time.Hour)
	return nil
}

st, err := stepper.New(slowWork, []int{1}, "slow.txt", stepper.OpWait(time.Minute))
fmt.Println(err, st.Next())`},
		// "stepping" is printed once Step has been waiting a while, so the
		// interrupt it triggers reaches the cell inside Step, not before it.
		{"run": `go func() {
	time.Sleep(time.Second)
	fmt.Println("stepping")
}()
_, err = st.Step("A")
fmt.Println("step:", err)`, "interrupt_on": "stepping", "stop_on_error": false},
		{"run": `fmt.Println(st.Next())
for _, pid := range st.PIDs() {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	fmt.Println("gone", err != nil)
}`},
	})
	if out := res[0].Cells[0].Stdout; !strings.Contains(out, "<nil> A: read") {
		t.Fatalf("new: %q %v", out, res[0].Cells[0].Errors)
	}
	if c := res[1].Cells[0]; !strings.Contains(c.Stdout+fmt.Sprint(c.Errors), "interrupted") {
		t.Errorf("interrupted step: %q %v", c.Stdout, c.Errors)
	}
	out := res[2].Cells[0].Stdout
	if !strings.Contains(out, "A: stopped") || !strings.Contains(out, "gone true") || strings.Contains(out, "gone false") {
		t.Errorf("after the interrupt: %q %v", out, res[2].Cells[0].Errors)
	}
}

// Every on a notebook function runs each schedule in the processes of the
// last (pool.GatedRun.Again), as fresh ones would run it: the notebook's
// package-level variables start as declared at each run (countedWork
// fails at a second call in one interpreter). An interrupt mid-Every
// leaves no worker behind.
func TestStepperEveryOnANotebookFunction(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	res := runSession(t, k, kernelName, []step{
		{"run": studentWork},
		{"run": `import "time"

start := time.Now()
sum, err := stepper.Every(work, []int{2, 2}, "counter.txt")
fmt.Printf("2x2: %v schedules %d fresh %q\n", err, sum.Schedules, sum.Fresh)
fmt.Fprintf(os.Stderr, "every schedule of 2 x 2 in %v\n", time.Since(start))`},
		{"run": `var calls int

func countedWork(maxCount int, filename string) error {
	calls++
	if calls > 1 {
		return fmt.Errorf("call %d in one interpreter", calls)
	}
	return work(maxCount, filename)
}

for _, f := range []func(int, string) error{work, countedWork} {
	sum, err := stepper.Every(f, []int{1, 1}, "counter.txt")
	if err != nil {
		fmt.Println("error:", err)
		continue
	}
	fmt.Printf("schedules %d finals %v fresh %q\n", sum.Schedules, sum.Finals, sum.Fresh)
}`},
		{"run": `go func() {
	time.Sleep(time.Second)
	fmt.Println("running")
}()
_, err = stepper.Every(work, []int{3, 3}, "counter.txt")
fmt.Println("every:", err)`, "interrupt_on": "running", "stop_on_error": false},
		{"run": `children := func() int {
	n := 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(data)
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) {
			n++
		}
	}
	return n
}
for i := 0; i < 100 && children() > 0; i++ {
	time.Sleep(50 * time.Millisecond)
}
fmt.Println("children", children())`},
	})
	// The work's own messages come between the lines looked for.
	every := res[1].Cells[0]
	if !strings.Contains(every.Stdout, "2x2: <nil> schedules 546 fresh \"\"") {
		t.Errorf("Every of 2 x 2: %q %v", every.Stdout[max(0, len(every.Stdout)-300):], every.Errors)
	}
	if i := strings.LastIndex(every.Stderr, "every schedule"); i >= 0 {
		t.Log(every.Stderr[i:])
	}
	if out := res[2].Cells[0].Stdout; strings.Count(out, "schedules 14 finals map[1:12 2:2] fresh \"\"\n") != 2 {
		t.Errorf("Every of 2 x 1, work and countedWork: %q", out[max(0, len(out)-300):])
	}
	if c := res[4].Cells[0]; !strings.Contains(c.Stdout, "children 0") {
		t.Errorf("after the interrupt: %q %v", c.Stdout, c.Errors)
	}
	if c := res[3].Cells[0]; !strings.Contains(c.Stdout+fmt.Sprint(c.Errors), "interrupted") {
		t.Errorf("interrupted Every: %q %v", c.Stdout, c.Errors)
	}
}
