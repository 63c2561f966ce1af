//go:build linux

package shared

import (
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// lockSupported says whether this system has the futexes the lock needs.
const lockSupported = true

// futex(2) operations. Deliberately without FUTEX_PRIVATE_FLAG: a private
// futex is keyed by the virtual address in one process, a shared one by the
// mapped file page and offset, which is what lets a process asleep on the
// word be woken by an Unlock in another process that maps the file at another
// address.
const (
	futexWaitOp = 0 // FUTEX_WAIT
	futexWakeOp = 1 // FUTEX_WAKE
)

// futexWait sleeps while *addr == val, at most d. It reports whether it slept
// the whole d. Waking up, a changed word (EAGAIN) and a signal (EINTR: the Go
// runtime preempts with signals) all return timedOut false and no error: the
// caller just looks at the word again.
func futexWait(addr *uint32, val uint32, d time.Duration) (timedOut bool, err error) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	// Syscall6, not RawSyscall6: this call blocks, and the Go scheduler must
	// know so that it can run other goroutines meanwhile.
	_, _, errno := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWaitOp,
		uintptr(val), uintptr(unsafe.Pointer(&ts)), 0, 0)
	switch errno {
	case 0, unix.EAGAIN, unix.EINTR:
		return false, nil
	case unix.ETIMEDOUT:
		return true, nil
	}
	return false, fmt.Errorf("futex wait: %w", errno)
}

// futexWake wakes at most n threads asleep on addr, in any process, and
// returns how many it woke. It never blocks, so it need not tell the Go
// scheduler about the system call.
func futexWake(addr *uint32, n int) int {
	woken, _, errno := unix.RawSyscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWakeOp, uintptr(n), 0, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(woken)
}
