//go:build unix

package pool

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
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

// awaitLine waits, at most d, until the start line fd reads as ended: the
// pool closed it. For spinWait it polls without sleeping, so that it sees
// the line open the moment it does; then it sleeps until it opens.
func awaitLine(fd int, d time.Duration) error {
	start := time.Now()
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for time.Since(start) < spinWait {
		if n, err := unix.Poll(fds, 0); err != nil && err != unix.EINTR {
			return err
		} else if n > 0 {
			return nil
		}
	}
	return waitReadable(fd, d-time.Since(start))
}

// waitReadable waits, at most d, in poll(2) on this goroutine's own thread,
// until fd can be read without blocking, or reads as ended.
func waitReadable(fd int, d time.Duration) error {
	deadline := time.Now().Add(d)
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		ms := time.Until(deadline).Milliseconds()
		if ms <= 0 {
			return fmt.Errorf("nothing from the pool within %v", d)
		}
		n, err := unix.Poll(fds, int(ms))
		switch {
		case err == unix.EINTR:
		case err != nil:
			return err
		case n > 0:
			return nil
		}
	}
}
