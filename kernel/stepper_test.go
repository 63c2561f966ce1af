package kernel

// The stepper on a notebook's own work function: the kernel's binary is
// the worker that interprets it, held at each file operation by the gate.

import (
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
