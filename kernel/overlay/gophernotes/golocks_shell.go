//go:build golocks_kernel

package main

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"github.com/golocks/golocks/runtime/cell"
)

// runShellCommand runs a cell's "$ command" line and copies its output
// into the cell's. gophernotes split the line at spaces and ran the first
// word: no quoting, no globbing, no pipes, and a command that started
// others (a script, sh -c) left them running when it was stopped. Here:
//
//   - the line is run by /bin/sh, as Jupyter's "!command" is, so
//     $ grep -c x "my file.txt" | sort means what it says;
//   - the command and everything it starts get a process group of their
//     own, and an interrupt (or the kernel shutting down, which cancels the
//     cell) kills the whole group, not only the shell;
//   - the shell gets SIGKILL if the kernel dies without a word (Jupyter
//     kills a kernel that does not shut down in time): Pdeathsig, set from
//     a thread this goroutine keeps until the command ends, since Linux
//     sends it when the thread that started the child exits;
//   - output a leftover process still holds open is waited for at most
//     shellWaitDelay after the command ends, so the cell always ends.
func runShellCommand(outerr OutErr, line string) {
	script := line[1:]
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	cmd := exec.CommandContext(cell.Context(), "/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		// The group's id is the shell's pid (Setpgid with Pgid 0).
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = shellWaitDelay
	cmd.Stdout, cmd.Stderr = outerr.out, outerr.err

	if err := cmd.Run(); err != nil {
		// An interrupted cell's error is reported as an interrupt, whatever
		// it says (golocks_interrupt.go).
		panic(fmt.Errorf("$%s: %v", script, err))
	}
	// The command ended but something it started still ran: end that too.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}

// shellWaitDelay bounds how long a cell waits for a command's output once
// the command itself has ended (or been killed).
const shellWaitDelay = 2 * time.Second
