//go:build linux

package gate_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/runtime/gate"
)

// The test binary is also the gated process: with GATE_CHILD set it
// installs the gate, writes the listener's number on fd 3, waits for a
// line on fd 4, closes its copy and touches the files named in the
// environment, then prints what happened on stdout.
func TestMain(m *testing.M) {
	if os.Getenv("GATE_CHILD") != "" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

func child() int {
	out, in := os.NewFile(3, "to parent"), os.NewFile(4, "from parent")
	fd, err := gate.Install()
	if err != nil {
		fmt.Fprintln(out, "error", err)
		return 1
	}
	fmt.Fprintln(out, fd)
	if _, err := bufio.NewReader(in).ReadString('\n'); err != nil {
		return 1
	}
	os.NewFile(uintptr(fd), "listener").Close()
	counter, other := os.Getenv("GATE_COUNTER"), os.Getenv("GATE_OTHER")
	// Unwatched calls pass without the parent's say.
	if err := os.WriteFile(other, []byte("x"), 0o644); err != nil {
		fmt.Println("other:", err)
	}
	_, err = os.Stat(counter)
	fmt.Println("stat:", err)
	data, err := os.ReadFile(counter)
	fmt.Printf("read: %q %v\n", data, err)
	err = os.WriteFile(counter, []byte("7\n"), 0o644)
	fmt.Println("write:", err)
	return 0
}

// start starts the child gated, and takes its gate.
func start(t *testing.T, dir string) (*exec.Cmd, *gate.Gate, *strings.Builder) {
	t.Helper()
	toParentR, toParentW, _ := os.Pipe()
	fromParentR, fromParentW, _ := os.Pipe()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GATE_CHILD=1", gate.EnvVar+"=1",
		"GATE_COUNTER="+filepath.Join(dir, "counter.txt"), "GATE_OTHER="+filepath.Join(dir, "other.txt"))
	cmd.ExtraFiles = []*os.File{toParentW, fromParentR}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toParentW.Close()
	fromParentR.Close()
	t.Cleanup(func() { fromParentW.Close(); toParentR.Close() })
	line, err := bufio.NewReader(toParentR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	fd, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("child: %s", line)
	}
	g, err := gate.Take(cmd.Process.Pid, fd, []string{filepath.Join(dir, "counter.txt")})
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal(err)
	}
	fromParentW.Write([]byte("go\n"))
	return cmd, g, &stdout
}

func next(t *testing.T, g *gate.Gate) *gate.Call {
	t.Helper()
	select {
	case c, ok := <-g.Calls():
		if !ok {
			return nil
		}
		return c
	case <-time.After(20 * time.Second):
		t.Fatal("no call within 20s")
	}
	return nil
}

func TestGateHoldsEveryCallOnTheWatchedFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "counter.txt"), []byte("3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd, g, stdout := start(t, dir)
	defer g.Close()
	var seen []string
	for {
		c := next(t, g)
		if c == nil {
			break
		}
		if c.Path != filepath.Join(dir, "counter.txt") {
			t.Errorf("held a call on %s", c.Path)
		}
		seen = append(seen, c.Kind.String())
		if err := c.Release(); err != nil {
			t.Fatal(err)
		}
		if c.Kind == gate.Close && strings.Contains(strings.Join(seen, " "), "write") {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err, stdout)
	}
	got := strings.Join(seen, " ")
	// os.Stat, os.ReadFile (open, fstat not held, read to the end, close),
	// os.WriteFile (open, write, close).
	for _, want := range []string{"stat", "open", "read", "close", "write"} {
		if !strings.Contains(got, want) {
			t.Errorf("calls %q lack %s", got, want)
		}
	}
	if !strings.HasPrefix(got, "stat open") {
		t.Errorf("calls %q do not start with stat, open", got)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "counter.txt")); string(data) != "7\n" {
		t.Errorf("counter %q", data)
	}
	if !strings.Contains(stdout.String(), "write: <nil>") || !strings.Contains(stdout.String(), `read: "3\n" <nil>`) {
		t.Errorf("child said %s", stdout)
	}
}

func TestClosingTheGateUnblocksTheProcess(t *testing.T) {
	dir := t.TempDir()
	before := runtime.NumGoroutine()
	cmd, g, stdout := start(t, dir)
	c := next(t, g) // the stat, held
	if c.Kind != gate.Stat {
		t.Errorf("first call %s", c)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Release(); err == nil {
		t.Error("release after close: no error")
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the process still waits after Close")
	}
	if !strings.Contains(stdout.String(), "function not implemented") {
		t.Errorf("child said %s", stdout)
	}
	// No goroutine of the gate is left.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines, %d before", n, before)
	}
}

// A process not started to be gated (a notebook kernel) cannot gate itself.
func TestInstallRefusesAnUngatedProcess(t *testing.T) {
	if _, err := gate.Install(); err == nil || !strings.Contains(err.Error(), "GOLOCKS_GATE=1") {
		t.Fatal(err)
	}
}

func TestReleaseTwiceIsAnError(t *testing.T) {
	var c gate.Call
	if err := c.Release(); err == nil || !strings.Contains(err.Error(), "not held") {
		t.Fatal(err)
	}
	var nilCall *gate.Call
	if err := nilCall.Release(); err == nil {
		t.Fatal("nil release")
	}
}
