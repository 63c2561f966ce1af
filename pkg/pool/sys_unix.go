//go:build unix

package pool

import (
	"errors"
	"syscall"
)

// killGroup kills the worker whose pid leads a process group, and whatever
// it started in that group. It is also called just after the worker has
// been reaped: the group outlives its leader while anything it started
// lives, and while it does, its id cannot be reused; an empty group is no
// longer found (pids are handed out in sequence, not reused in a moment).
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// claimPipe checks that fd, passed by the pool, is a pipe, and keeps it
// from the call's own child processes.
func claimPipe(fd int) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return errors.New("not a pipe")
	}
	syscall.CloseOnExec(fd)
	return nil
}
