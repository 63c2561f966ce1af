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

	"github.com/golocks/golocks/pkg/filelock"
)

// Cross-process tests re-run this test binary in a helper role, in the style
// of github.com/rogpeppe/go-internal/lockedfile: the role comes in
// helperEnv, its arguments after "--", and TestMain runs it instead of the
// tests.
const helperEnv = "GOLOCKS_TEST_HELPER"

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(runHelper(role, helperArgs()))
	}
	os.Exit(m.Run())
}

// helperGORACE keeps the caller's race detector options but drops its
// default one-second sleep at exit, which under -race would add a second
// to every helper process.
func helperGORACE() string {
	return "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")
}

func helperArgs() []string {
	for i, a := range os.Args {
		if a == "--" {
			return os.Args[i+1:]
		}
	}
	return nil
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
		case "raw-increment": // n counterFile lockFile: gofrs alone
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
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"="+role, helperGORACE())
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
