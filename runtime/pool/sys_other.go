//go:build !unix

package pool

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// Worker processes need file descriptors beyond stdin, stdout and stderr,
// which os/exec passes on Unix only: elsewhere the worker cannot start, and
// the pool reports that by task. MapFunc works everywhere.

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}

func claimPipe(fd int) error { return errors.New("worker processes need Unix") }

func waitReadable(fd int, d time.Duration) error { return errors.New("worker processes need Unix") }

// newBarrier makes no barrier: no worker process starts here.
func newBarrier(n int) (*os.File, error) { return nil, nil }

type barrier struct{}

func openBarrier(fd int) (*barrier, error)                           { return nil, errors.New("worker processes need Unix") }
func (b *barrier) arrive() bool                                      { return false }
func (b *barrier) await(lineFD, requestFD int, d time.Duration) bool { return false }
func (b *barrier) close()                                            {}
func claimBarrier(fd int) error                                      { return errors.New("worker processes need Unix") }
