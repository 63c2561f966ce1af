package filelock

import (
	"os"

	"github.com/golocks/golocks/internal/procfs"
)

// withHolder fills in e's holder as it is now, at the end of the wait: the
// holder may be gone by the time the error is read.
func (l *Lock) withHolder(e *TimeoutError) *TimeoutError {
	if pid, ok := Holder(l.path); ok {
		e.HolderPID = pid
		if pid == os.Getpid() {
			e.HolderName = "this process"
		} else {
			e.HolderName = procfs.Comm(pid)
		}
	}
	return e
}
