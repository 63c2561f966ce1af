//go:build !linux

package filelock

// Holder reports which process holds a lock on the file at path. Only Linux
// can tell (from /proc/locks); elsewhere it always reports (0, false), and a
// *TimeoutError leaves the holder out of its message.
func Holder(path string) (pid int, ok bool) { return 0, false }
