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
// pool closed it. For spinWait it polls without sleeping, yielding the
// processor to others between polls, so that it sees the line open the
// moment it does; then it sleeps in poll(2) until it opens. It polls on this
// goroutine's own thread: the call starts with no hand-over to another.
func awaitLine(fd int, d time.Duration) error {
	start := time.Now()
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		elapsed := time.Since(start)
		if elapsed >= d {
			return fmt.Errorf("the start line did not open within %v", d)
		}
		timeout := 0
		if elapsed > spinWait {
			timeout = int((d - elapsed).Milliseconds()) + 1
		}
		n, err := unix.Poll(fds, timeout)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return err
		case n > 0:
			return nil
		case timeout == 0:
			yieldProcessor()
		}
	}
}

// hungUp reports whether the writer of the pipe fd has gone away.
func hungUp(fd int) bool {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents&unix.POLLHUP != 0
}
