//go:build unix && !linux

package redisserver

import (
	"os/exec"
	"syscall"
)

// startChild starts cmd and returns a channel that receives cmd.Wait's
// result. Only Linux has a parent-death signal: elsewhere Stop must be
// called, and a parent that is killed leaves its server running.
func startChild(cmd *exec.Cmd) (<-chan error, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return exited, nil
}
