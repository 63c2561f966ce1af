package shared

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/internal/reexec"
)

// The cross-process tests re-run this test binary as child processes (see
// internal/reexec): TestMain runs the child's role instead of the tests.
func TestMain(m *testing.M) {
	reexec.Main(func(role string, args []string) int {
		if err := runChild(role, args); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			return 1
		}
		return 0
	})
	if err := celltest.Install(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// runChild plays one role. Each role reports on stdout, one line per step,
// and takes its cues from stdin; stdin at EOF (the test ended or died) makes
// it exit, so no child outlives its test.
func runChild(role string, args []string) error {
	in := bufio.NewReader(os.Stdin)
	switch role {
	case "hold": // kind path: take the lock, hold it until told "unlock"
		var lock, unlock func() error
		switch args[0] {
		case "value":
			v, err := OpenValue(args[1])
			if err != nil {
				return err
			}
			lock, unlock = v.Lock, v.Unlock
		case "mutex":
			mu, err := OpenMutex(args[1])
			if err != nil {
				return err
			}
			lock, unlock = mu.Lock, mu.Unlock
		}
		if err := lock(); err != nil {
			return err
		}
		fmt.Println("locked")
		if line, err := in.ReadString('\n'); err != nil || line != "unlock\n" {
			return fmt.Errorf("holder: stdin %q, %v", line, err)
		}
		if err := unlock(); err != nil {
			return err
		}
		fmt.Println("unlocked")
		_, err := in.ReadString('\n') // hold the process (not the lock) until the end
		if err == io.EOF {
			return nil
		}
		return err
	case "futexwait": // path val: sleep on the mutex word in the kernel
		mu, err := OpenMutex(args[0])
		if err != nil {
			return err
		}
		val, err := strconv.ParseUint(args[1], 10, 32)
		if err != nil {
			return err
		}
		fmt.Println("waiting")
		timedOut, err := futexWait(mu.lk.low, uint32(val), 10*time.Second)
		fmt.Printf("timedOut=%v err=%v\n", timedOut, err)
		return nil
	case "exit":
		return nil
	case "idle": // stay alive, holding nothing, until stdin closes
		fmt.Println("ready")
		_, err := in.ReadString('\n')
		if err == io.EOF {
			return nil
		}
		return err
	case "close-in-use": // kind path: Close while goroutines use the value
		return closeInUse(args[0], args[1])
	}
	return fmt.Errorf("unknown role %q", role)
}

// child is a running child process of this test binary.
type child struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	stderr bytes.Buffer
}

func startChild(t testing.TB, role string, args ...string) *child {
	t.Helper()
	c := &child{t: t, lines: make(chan string, 16)}
	c.cmd = reexec.Command(role, args...)
	c.cmd.Stderr = &c.stderr
	var err error
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
	}()
	t.Cleanup(func() {
		c.stdin.Close()
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
	})
	return c
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// expect waits for the child's next line and checks it.
func (c *child) expect(want string) {
	c.t.Helper()
	select {
	case line, ok := <-c.lines:
		if !ok {
			c.cmd.Wait()
			c.t.Fatalf("child %d exited before %q; stderr: %s", c.pid(), want, c.stderr.String())
		}
		if line != want {
			c.t.Fatalf("child %d said %q, want %q", c.pid(), line, want)
		}
	case <-time.After(20 * time.Second):
		c.t.Fatalf("child %d: no %q after 20s; stderr: %s", c.pid(), want, c.stderr.String())
	}
}

func (c *child) send(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		c.t.Fatalf("child %d: %v", c.pid(), err)
	}
}

// wait waits for the child to exit and fails the test if it failed.
func (c *child) wait() {
	c.t.Helper()
	c.stdin.Close()
	if err := c.cmd.Wait(); err != nil {
		c.t.Fatalf("child %d: %v; stderr: %s", c.pid(), err, c.stderr.String())
	}
}

// kill kills the child with SIGKILL. The caller decides whether to reap it.
func (c *child) kill() {
	c.t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		c.t.Fatal(err)
	}
}
