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
