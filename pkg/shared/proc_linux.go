//go:build linux

package shared

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// processAlive reports whether the process pid can still unlock a lock.
// kill(pid, 0) checks that the pid exists without sending anything (EPERM:
// it exists, owned by another user). A killed child that its parent has not
// reaped yet (a zombie) still has its pid but will never run again, so
// /proc/pid/stat is read for its state. See the package comment for pid reuse
// and PID namespaces.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false // not a process: a damaged word; kill(0, 0) would mean "my process group"
	}
	if err := unix.Kill(pid, 0); err == unix.ESRCH {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc: trust kill
	}
	// "pid (comm) S ...": comm may hold spaces and parentheses, the state
	// follows the last ')'.
	if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) {
		switch b[i+2] {
		case 'Z', 'X': // zombie, dead
			return false
		}
	}
	return true
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
