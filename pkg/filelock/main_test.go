package filelock_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/internal/reexec"
	"github.com/golocks/golocks/pkg/filelock"
)

// Cross-process tests re-run this test binary in a helper role (see
// internal/reexec): TestMain runs the role instead of the tests.
func TestMain(m *testing.M) {
	reexec.Main(runHelper)
	if err := celltest.Install(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func runHelper(role string, args []string) int {
	err := func() error {
		switch role {
		case "lock-increment": // n counterFile lockFile: one *Lock, reused
			n, err := strconv.Atoi(args[0])
			if err != nil {
				return err
			}
			l := filelock.New(args[2])
			defer l.Close()
			for range n {
				if err := l.Lock(); err != nil {
					return err
				}
				if err := incrementFile(args[1]); err != nil {
					return err
				}
				if err := l.Unlock(); err != nil {
					return err
				}
			}
			return nil
		case "wrap-increment": // n counterFile lockFile: a handle per call
			n, err := strconv.Atoi(args[0])
			if err != nil {
				return err
			}
			inc := filelock.Wrap(args[2], func() error { return incrementFile(args[1]) })
			for range n {
				if err := inc(); err != nil {
					return err
				}
			}
			return nil
		case "raw-increment": // n counterFile lockFile: flock(2) alone
			n, err := strconv.Atoi(args[0])
			if err != nil {
				return err
			}
			return rawIncrement(n, args[1], args[2])
		case "hold": // lockFile: take the lock, say so, wait to be killed
			l := filelock.New(args[0])
			if err := l.Lock(); err != nil {
				return err
			}
			fmt.Println("locked")
			time.Sleep(time.Minute) // bounded, in case the test dies first
			return nil
		}
		return fmt.Errorf("unknown helper role %q", role)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// helper returns an unstarted command running this binary in role.
func helper(role string, args ...string) *exec.Cmd {
	cmd := reexec.Command(role, args...)
	cmd.Stderr = os.Stderr
	return cmd
}

// startHolder starts a "hold" helper and returns once it holds the lock.
func startHolder(t *testing.T, lockFile string) *exec.Cmd {
	t.Helper()
	cmd := helper("hold", lockFile)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("holder said %q, %v", line, err)
	}
	return cmd
}

// incrementFile adds one to the number in file (missing = 0). Unsafe on
// its own: the tests run it under the lock.
func incrementFile(file string) error {
	n, err := readFile(file)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	return os.WriteFile(file, []byte(strconv.Itoa(n+1)+"\n"), 0o644)
}

func readFile(file string) (int, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}
