//go:build unix && !linux

package pool

import "syscall"

// sysProcAttr puts a worker in a process group of its own, so that the pool
// can kill it with everything it started. Only Linux has a parent-death
// signal: elsewhere a worker whose parent is killed outright runs to its end.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
