//go:build e2e

package kernel

// The kernel never ends itself: whatever a client sends or does, whatever
// a cell leaves behind, a request gets an answer and the kernel lives on
// with the student's state. (Interrupts, stuck cells and panicking
// goroutines: interrupt_test.go; sessions opened and closed through a
// notebook server: churn_test.go.)

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golocks/golocks/internal/jupytertest"
)

// TestLostReplies: requests whose connection closes while their reply is on
// its way, as Jupyter's server closes the one it asks a new kernel's
// kernel_info on, on the shell and the control channel. The reply is lost
// with the connection; the kernel lives on, with its state. (Before
// gophernotes patch 13 a reply that could not be sent ended the kernel: a
// few hundred such requests killed it every time.)
func TestLostReplies(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	res := runSession(t, k, kernelName, []step{
		{"run": "x := 42"},
		{"abrupt": 300, "channel": "shell"},
		{"abrupt": 300, "channel": "control"},
		{"alive": true},
		{"run": `import "fmt"
fmt.Println("x is", x)`},
	})
	if !res[3].yes(t) {
		t.Fatal("the kernel died")
	}
	if c := res[4].Cells[0]; c.status() != "ok" || !strings.Contains(c.Stdout, "x is 42") {
		t.Errorf("after the lost replies: %s %q %v; want the state from before", c.status(), c.Stdout, c.Errors)
	}
}

// TestUnservableRequests: requests the kernel cannot serve get an error
// reply, and the kernel lives on. An execute_request that leaves out what
// the protocol lets it leave out runs; one without code, or an
// is_complete_request without it, is refused. A kernel out of file
// descriptors (a cell opened files it never closed) still runs cells,
// saying their output is lost, so that the cell closing the files can run.
func TestUnservableRequests(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	// A copy of the kernelspec whose kernel may hold 256 descriptors.
	spec := filepath.Join(k.Data, "kernels", kernelName)
	raw, err := os.ReadFile(filepath.Join(spec, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ks map[string]any
	if err := json.Unmarshal(raw, &ks); err != nil {
		t.Fatal(err)
	}
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("prlimit (util-linux) is needed: %v", err)
	}
	ks["argv"] = append([]any{prlimit, "--nofile=256", "--"}, ks["argv"].([]any)...)
	// On the race detector's kernel (make test-race-kernel), the detector
	// opens its report file when it first reports, which a kernel with no
	// descriptor left cannot do, and the race runtime then ends the
	// process: this kernel reports to its stderr (the session's kernel
	// log) instead of the file jupytertest reads.
	if env, ok := ks["env"].(map[string]any); ok && os.Getenv(jupytertest.RaceEnv) != "" {
		env["GORACE"] = "halt_on_error=0"
	}
	few := filepath.Join(k.Data, "kernels", kernelName+"-few-files")
	if err := os.MkdirAll(few, 0o755); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(ks)
	if err := os.WriteFile(filepath.Join(few, "kernel.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}

	// A goroutine takes every descriptor the kernel frees (the cell's own
	// pipes when it ends) until it is told to stop, then closes them all.
	steps := []step{
		{"run": `import ("fmt"; "os"; "time")
x := 42`},
		{"shell": "execute_request", "content": map[string]any{"code": `fmt.Println("bare request, x is", x)`}},
		{"shell": "execute_request", "content": map[string]any{"silent": false}},
		{"shell": "is_complete_request", "content": map[string]any{}},
		{"run": `stop, closed := make(chan bool), make(chan bool)
go func() {
	var files []*os.File
	for {
		select {
		case <-stop:
			for _, f := range files {
				f.Close()
			}
			close(closed)
			return
		default:
		}
		if f, err := os.Open(os.DevNull); err == nil {
			files = append(files, f)
		} else {
			time.Sleep(time.Millisecond)
		}
	}
}()
fmt.Println("started")`},
	}
	// Bounded trials: the goroutine takes the descriptors a cell frees
	// within a millisecond, so the next cell almost always finds none.
	const probes = 10
	for i := 0; i < probes; i++ {
		steps = append(steps, step{"run": `fmt.Println("probe")`})
	}
	steps = append(steps,
		step{"run": "close(stop)\n<-closed"},
		step{"run": `fmt.Println("back, x is", x)`},
		step{"alive": true})
	res := runSession(t, k, kernelName+"-few-files", steps)
	if r := res[1]; r.ReplyType != "execute_reply" || r.Reply["status"] != "ok" {
		t.Errorf("execute_request with only code: %s %v; want it run", r.ReplyType, r.Reply)
	}
	for i, what := range map[int]string{2: "execute_request without code", 3: "is_complete_request without code"} {
		if r := res[i]; r.Reply["status"] != "error" || r.Reply["ename"] != "request error" {
			t.Errorf("%s: %s %v; want an error reply", what, r.ReplyType, r.Reply)
		}
	}
	without := 0
	for _, r := range res[5 : 5+probes] {
		c := r.Cells[0]
		if c.status() != "ok" {
			t.Errorf("a cell run with no descriptor left: %s %v; want it run", c.status(), c.Errors)
		}
		if strings.Contains(c.Stderr, "cannot show this cell's output") && strings.Contains(c.Stderr, "too many open files") {
			without++
		}
	}
	if without == 0 {
		t.Errorf("no cell of %d ran without descriptors for its output, or none said so", probes)
	}
	n := len(res)
	if c := res[n-2].Cells[0]; c.status() != "ok" || !strings.Contains(c.Stdout, "back, x is 42") {
		t.Errorf("after the files were closed: %s %q %v", c.status(), c.Stdout, c.Errors)
	}
	if !res[n-1].yes(t) {
		t.Error("the kernel died")
	}
}
