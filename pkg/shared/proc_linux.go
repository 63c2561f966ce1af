//go:build linux

package shared

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
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
	st, ok := readStat(pid)
	if !ok {
		return 0
	}
	return st.start
}

// procStat is what a lock needs from /proc/PID/stat.
type procStat struct {
	state byte   // R, S, D, Z (zombie), X (dead), ...
	start uint32 // field 22, low 32 bits
}

// readStat reads /proc/pid/stat; ok is false if pid does not exist or
// /proc cannot be read.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// "pid (comm) S ppid ...": comm may hold spaces and parentheses; the
	// fields after the last ')' are numbered from 3 (the state).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, false
	}
	start, err := strconv.ParseUint(string(f[22-3]), 10, 64)
	if err != nil {
		return procStat{}, false
	}
	return procStat{state: f[0][0], start: uint32(start)}, true
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
	st, ok := readStat(pid)
	if !ok {
		// Gone between the two looks, or no /proc: trust kill.
		return unix.Kill(pid, 0) == unix.ESRCH
	}
	if st.state == 'Z' || st.state == 'X' {
		return true
	}
	return start != 0 && st.start != start
}

// processName returns the command name of pid, or "" if unknown. Only the
// error paths call it.
func processName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(b))
}
