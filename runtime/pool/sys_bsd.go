//go:build unix && !linux

package pool

import (
	"os"
	"syscall"
)

// sysProcAttr puts a worker in a process group of its own, so that the pool
// can kill it with everything it started. Only Linux has a parent-death
// signal: elsewhere a worker whose parent is killed outright runs to its end.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// barrierFile is a temporary file, removed at once: its descriptor is all
// that reaches it.
func barrierFile() (*os.File, error) {
	f, err := os.CreateTemp("", "golocks-start-barrier-*")
	if err != nil {
		return nil, err
	}
	os.Remove(f.Name())
	return f, nil
}
