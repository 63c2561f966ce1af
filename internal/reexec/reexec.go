// Package reexec lets a test binary re-run itself as helper processes, so
// that cross-process tests use real OS processes without building anything,
// in the style of github.com/rogpeppe/go-internal/lockedfile's tests.
//
// In the test package:
//
//	func TestMain(m *testing.M) {
//		reexec.Main(runHelper) // returns only in the test process itself
//		os.Exit(m.Run())
//	}
//
// and a test starts helpers with reexec.Command("role", args...).
package reexec

import (
	"os"
	"os/exec"
	"strings"
)

// roleEnv carries the helper's role; its arguments follow "--" on the
// command line, where the testing package's flag parsing never looks.
const roleEnv = "GOLOCKS_TEST_ROLE"

// Main runs run(role, args) and exits with its status if this process was
// started by Command; otherwise it returns at once. Call it first in
// TestMain.
func Main(run func(role string, args []string) int) {
	role := os.Getenv(roleEnv)
	if role == "" {
		return
	}
	var args []string
	for i, a := range os.Args {
		if a == "--" {
			args = os.Args[i+1:]
			break
		}
	}
	os.Exit(run(role, args))
}

// Command returns an unstarted command that re-runs this test binary as a
// helper in role, with args. It runs no tests (-test.run=^$), and in a
// -race build it skips the race runtime's one-second sleep at exit, which
// would otherwise add a second to every helper.
func Command(role string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(),
		roleEnv+"="+role,
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	return cmd
}
