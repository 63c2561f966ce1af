package filelock

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Holder reports which process holds a lock on the file at path, read from
// /proc/locks. Use it to explain a busy lock ("held by pid 1234"); by the
// time you act on the answer the holder may have changed. ok is false when
// nobody holds it, the file does not exist, or /proc/locks is unreadable.
//
// Any lock on the file counts, flock or fcntl (so a Python fasteners holder
// of the same path is reported too). A pid outside this pid namespace shows
// as unknown.
func Holder(path string) (pid int, ok bool) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, false
	}
	data, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0, false
	}
	// /proc/locks prints the device as hex major:minor and the inode in
	// decimal: "fe:00:9978708" (fs/locks.c, lock_get_status).
	want := strconv.FormatUint(uint64(unix.Major(uint64(st.Dev))), 16) + ":" +
		strconv.FormatUint(uint64(unix.Minor(uint64(st.Dev))), 16) + ":" +
		strconv.FormatUint(st.Ino, 10)
	for line := range strings.Lines(string(data)) {
		if p, ok := parseLocksLine(line, want); ok {
			return p, true
		}
	}
	return 0, false
}

// parseLocksLine returns the pid of a held lock on the file want
// ("maj:min:ino") from one line of /proc/locks:
//
//	1: FLOCK  ADVISORY  WRITE 1234 fe:00:9978708 0 EOF
//	1: -> FLOCK  ADVISORY  WRITE 1235 fe:00:9978708 0 EOF
//
// The second form is a waiter, not a holder, and is skipped.
func parseLocksLine(line, want string) (int, bool) {
	f := strings.Fields(line)
	if len(f) < 6 || f[1] == "->" {
		return 0, false
	}
	if !sameFile(f[5], want) {
		return 0, false
	}
	pid, err := strconv.Atoi(f[4])
	if err != nil || pid <= 0 { // OFD locks show -1, other namespaces 0
		return 0, false
	}
	return pid, true
}

// sameFile compares "maj:min:ino" triples numerically, so "08:01:5" (the
// kernel pads to two digits) matches "8:1:5".
func sameFile(a, b string) bool {
	pa, pb := strings.Split(a, ":"), strings.Split(b, ":")
	if len(pa) != 3 || len(pb) != 3 {
		return false
	}
	for i, base := range []int{16, 16, 10} {
		x, err1 := strconv.ParseUint(pa[i], base, 64)
		y, err2 := strconv.ParseUint(pb[i], base, 64)
		if err1 != nil || err2 != nil || x != y {
			return false
		}
	}
	return true
}
