//go:build unix

package pool

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

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

// barrierSize is the size of the start barrier's file: one page, of which
// the first 4 bytes are the word (protocol.go).
const barrierSize = 4096

// newBarrier makes the start barrier of a run whose first round has n
// calls: a file only the pool and its workers can reach, holding n.
func newBarrier(n int) (*os.File, error) {
	f, err := barrierFile()
	if err != nil {
		return nil, fmt.Errorf("start barrier: %w", err)
	}
	var word [4]byte
	binary.NativeEndian.PutUint32(word[:], uint32(n))
	if err := f.Truncate(barrierSize); err != nil {
		f.Close()
		return nil, fmt.Errorf("start barrier: %w", err)
	}
	if _, err := f.WriteAt(word[:], 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("start barrier: %w", err)
	}
	return f, nil
}

// A barrier is a worker's view of the start barrier: the word, mapped
// shared with the pool and the other workers of the first round.
type barrier struct {
	mem  []byte
	word *int32
}

// openBarrier maps the start barrier the pool passed as fd, and closes fd
// (the mapping stays): the call's own child processes must not get it.
func openBarrier(fd int) (*barrier, error) {
	mem, err := unix.Mmap(fd, 0, barrierSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	_ = unix.Close(fd)
	return &barrier{mem: mem, word: (*int32)(unsafe.Pointer(&mem[0]))}, nil
}

// arrive says this worker is ready, and whether it was the last of the
// first round: then the barrier is open.
func (b *barrier) arrive() bool { return atomic.AddInt32(b.word, -1) == 0 }

func (b *barrier) open() bool { return atomic.LoadInt32(b.word) <= 0 }

// await waits, at most d, until the barrier opens, and says whether it
// did. For spinWait it watches the word without sleeping; then it sleeps
// on the start line, which the pool opens once the whole first round has
// reported Ready (the last worker then opens the barrier a moment later)
// or when it dies. Then it waits for the word, looking at the request pipe
// (fd), which stays empty unless the pool is gone.
func (b *barrier) await(lineFD, requestFD int, d time.Duration) bool {
	start := time.Now()
	for time.Since(start) < spinWait {
		if b.open() {
			return true
		}
	}
	if err := waitReadable(lineFD, d-time.Since(start)); err != nil {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(requestFD), Events: unix.POLLIN}}
	for !b.open() {
		if n, err := unix.Poll(fds, 1); n > 0 || err != nil && err != unix.EINTR || time.Since(start) > d {
			return b.open() // the pool is gone, or out of time
		}
	}
	return true
}

func (b *barrier) close() { _ = unix.Munmap(b.mem) }

// claimBarrier checks that fd, passed by the pool, is open, and keeps it
// from the call's own child processes.
func claimBarrier(fd int) error {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return err
	}
	syscall.CloseOnExec(fd)
	return nil
}
