//go:build e2e

package kernel

// The plumbing of the tests that drive one kernel step by step through
// jupyter_client: kernel/session.py runs the steps, these tests check what
// came back.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golocks/golocks/internal/jupytertest"
)

// A step is one of session.py's steps (see its doc).
type step map[string]any

// A cellResult is what one execute request got back.
type cellResult struct {
	Reply  map[string]any
	Stdout string
	Stderr string
	Errors []struct {
		Ename, Evalue string
		Traceback     []string
	}
	Display []struct {
		Type string
		Data map[string]any
	}
	IOPub []iopubMsg // every output message, in the order it came
}

// An iopubMsg is one output message of a cell: its type, a stream's name
// and text or an error's evalue, a display's MIME types.
type iopubMsg struct {
	Type, Name, Text string
	Mime             []string
}

// A stepResult is session.py's result for one step; which fields are set
// depends on the step.
type stepResult struct {
	Error              string // the step failed: a timeout, a dead kernel
	Cells              []cellResult
	InterruptReply     map[string]any `json:"interrupt_reply"`
	InterruptReplyType string         `json:"interrupt_reply_type"`

	// complete, inspect, control steps: the reply
	Reply     map[string]any
	ReplyType string `json:"reply_type"`

	raw json.RawMessage
}

// runSession runs steps on the kernelspec named kernel and returns one
// result per step that ran; a step that failed ends the session and the
// test.
func runSession(t *testing.T, k *jupytertest.Kernel, kernel string, steps []step) []stepResult {
	t.Helper()
	in, err := json.Marshal(steps)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(jupytertest.Python, filepath.Join(k.Root, "kernel", "session.py"), kernel)
	cmd.Env, cmd.Dir = k.Env, k.Dir
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("session.py: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.Bytes())
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(jupytertest.LastLine(out), &raws); err != nil {
		t.Fatalf("session.py output: %v\n%s\nstderr:\n%s", err, out, stderr.Bytes())
	}
	results := make([]stepResult, len(raws))
	for i, raw := range raws {
		results[i].raw = raw
		// complete/inspect return the bare reply; alive/exits/procs a bool
		// or a list: those are read with (stepResult).as.
		_ = json.Unmarshal(raw, &results[i])
		if results[i].Error != "" {
			t.Fatalf("step %d (%v): %s\nkernel log:\n%s", i, steps[i], results[i].Error, tail(stderr.String(), 3000))
		}
	}
	if len(results) != len(steps) {
		t.Fatalf("%d steps, %d results", len(steps), len(results))
	}
	return results
}

// as decodes a step's bare result (a reply, a bool, a list) into v.
func (r stepResult) as(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.raw, v); err != nil {
		t.Fatalf("step result %s: %v", r.raw, err)
	}
}

// yes reads an "alive" or "exits" step's result.
func (r stepResult) yes(t *testing.T) bool {
	t.Helper()
	var b bool
	r.as(t, &b)
	return b
}

// signalKernelspec installs a copy of the kernelspec that asks Jupyter to
// interrupt with SIGINT (interrupt_mode "signal", Jupyter's default and
// what jupyter console does) and returns its name.
func signalKernelspec(t *testing.T, k *jupytertest.Kernel) string {
	t.Helper()
	const name = kernelName + "-signal"
	raw, err := os.ReadFile(filepath.Join(k.Data, "kernels", kernelName, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	if spec["interrupt_mode"] != "message" {
		t.Errorf("kernel.json interrupt_mode = %v, want message", spec["interrupt_mode"])
	}
	spec["interrupt_mode"] = "signal"
	out, _ := json.Marshal(spec)
	dir := filepath.Join(k.Data, "kernels", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// interruptModes are the kernelspecs to run a test with, by interrupt mode.
func interruptModes(t *testing.T, k *jupytertest.Kernel) map[string]string {
	return map[string]string{"message": kernelName, "signal": signalKernelspec(t, k)}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// status is an execute reply's status.
func (c cellResult) status() string {
	s, _ := c.Reply["status"].(string)
	return s
}

// errorName is the ename of the cell's error reply, "" if it has none.
func (c cellResult) errorName() string {
	s, _ := c.Reply["ename"].(string)
	return s
}

// output is everything the cell showed as text.
func (c cellResult) output() string {
	var b strings.Builder
	b.WriteString(c.Stdout)
	b.WriteString(c.Stderr)
	for _, e := range c.Errors {
		b.WriteString(strings.Join(e.Traceback, "\n"))
	}
	return b.String()
}
