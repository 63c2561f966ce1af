//go:build linux

package pool

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr puts a worker in a process group of its own, so that the pool
// can kill it with everything it started (kill(-pid)), and asks Linux to
// SIGKILL it when its parent dies, so that a killed kernel or golocks leaves
// no worker behind writing the counter file.
//
// The parent-death signal fires when the OS *thread* that started the child
// exits, not the process; each run starts its workers from one thread that
// stays alive until they are all reaped (see starter). Go's fork also checks
// that the parent did not die before the signal was armed.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// barrierFile is a memfd: memory with a file descriptor, in no folder.
func barrierFile() (*os.File, error) {
	fd, err := unix.MemfdCreate("golocks-start-barrier", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "start barrier"), nil
}
