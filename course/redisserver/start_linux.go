package redisserver

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startChild starts cmd so that the kernel kills it when this process dies,
// and returns a channel that receives cmd.Wait's result.
//
// Linux's parent-death signal (Pdeathsig) is sent when the *thread* that
// forked the child exits, not the process: a Go program's threads come and
// go, and a child started from an ordinary goroutine can be killed at any
// moment while its parent runs on. So the child is started from a goroutine
// locked to its thread, and that goroutine stays, blocked in cmd.Wait, for
// as long as the child lives; it never unlocks, so when it returns (the
// child is gone) the runtime ends the thread with it. Then the signal
// comes exactly when the process dies, SIGKILL included. Go's fork checks
// the parent is still there right after setting the signal, so a parent
// dying during the fork is covered too.
//
// The child gets a process group of its own so that a Ctrl-C at a terminal
// reaches golocks, not the server; the parent-death signal ends the server
// right after.
func startChild(cmd *exec.Cmd) (<-chan error, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	started := make(chan error, 1)
	exited := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return exited, nil
}
