package pool

import (
	"os/exec"
	"runtime"
)

// A starter starts a run's worker processes, all from one OS thread that
// stays alive until the run has reaped them.
//
// Why: Linux delivers a worker's parent-death signal (sysProcAttr) when the
// *thread* that forked it exits, not when the process does. Go's runtime
// destroys a thread when a goroutine locked to it (runtime.LockOSThread)
// ends, and a forking goroutine may be running on any thread. The starter's
// goroutine locks itself to its thread, so no other goroutine runs there and
// the thread cannot end while the goroutine lives; the goroutine lives until
// stop, which the run calls only after every worker it started has exited.
type starter struct {
	reqs chan startReq
}

type startReq struct {
	cmd *exec.Cmd
	err chan<- error
}

func newStarter() *starter {
	s := &starter{reqs: make(chan startReq)}
	go s.loop()
	return s
}

func (s *starter) loop() {
	runtime.LockOSThread()
	// Every child is reaped by now: the thread may go back to the pool.
	defer runtime.UnlockOSThread()
	for r := range s.reqs {
		r.err <- r.cmd.Start()
	}
}

// start starts cmd from the starter's thread.
func (s *starter) start(cmd *exec.Cmd) error {
	err := make(chan error, 1)
	s.reqs <- startReq{cmd, err}
	return <-err
}

// stop ends the starter; call it once every process it started was reaped.
func (s *starter) stop() { close(s.reqs) }
