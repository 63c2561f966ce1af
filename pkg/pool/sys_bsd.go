//go:build unix && !linux

package pool

import (
	"runtime"
	"syscall"
)

// sysProcAttr puts a worker in a process group of its own, so that the pool
// can kill it with everything it started. Only Linux has a parent-death
// signal: elsewhere a worker whose parent is killed outright runs to its end.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// yieldProcessor lets other goroutines run between polls of the start line.
func yieldProcessor() { runtime.Gosched() }
