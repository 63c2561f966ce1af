//go:build linux

package shared

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/golocks/golocks/internal/procfs"
)

// A process is known by its pid and its start time: /proc/PID/stat's field
// 22, in clock ticks since boot. A pid is reused once its process is gone
// (and soon, in a container restarted with the same few processes); the
// pair is not, so a lock word naming a pid whose process started at
// another time names a dead holder.

// self is this process's identity in a lock word. Go programs do not fork
// without exec, so it never changes.
var self = lockID(uint32(os.Getpid()), startTime(os.Getpid()))

// startTime returns the low 32 bits of pid's start time (wrapping after
// 497 days of uptime at 100 ticks a second: two processes with one pid
// would have to start exactly that far apart to be confused), or 0 if it
// cannot be read.
func startTime(pid int) uint32 {
	st, err := procfs.ReadStat(pid)
	if err != nil {
		return 0
	}
	return uint32(st.StartTime)
}

// holderDead reports whether the holder named by a lock word is certainly
// gone: it can never unlock. Cheap checks first: a damaged word and this
// process's own pid need no system call, kill(pid, 0) answers a freed pid
// in one, and only a pid that exists costs a read of /proc/PID/stat (its
// start time, and whether it is a zombie: a killed child its parent has
// not reaped keeps its pid but will never run again).
//
// A word without a start time (0: the holder could not read its own) is
// judged by pid alone. See the package comment for PID namespaces.
func holderDead(w uint64) bool {
	pid, start := holderPID(w), holderStart(w)
	switch {
	case pid == 0:
		return true // not a process: a damaged word; kill(0, 0) would mean "my process group"
	case pid == selfPID():
		// Our pid: this process, unless the start time says that it was
		// an earlier process with the same pid (a restarted container).
		return start != 0 && selfStart() != 0 && start != selfStart()
	}
	if err := unix.Kill(pid, 0); err == unix.ESRCH {
		return true
	}
	st, err := procfs.ReadStat(pid)
	if err != nil {
		// Gone between the two looks, or no /proc: trust kill.
		return unix.Kill(pid, 0) == unix.ESRCH
	}
	if st.State == 'Z' || st.State == 'X' {
		return true
	}
	return start != 0 && uint32(st.StartTime) != start
}
