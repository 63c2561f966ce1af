// Package filelock is an inter-process file lock: Go's answer to Python
// fasteners' @interprocess_locked('/tmp/tmp_lock').
//
// Use it when several OS processes (or goroutines) must take turns with a
// shared resource such as a counter file. Every party names the same lock
// file; while one holds the lock, the others wait. The lock is advisory: a
// process that never asks for it can still write the resource.
//
//	l := filelock.New("/tmp/tmp_lock")
//	if err := l.Lock(); err != nil { // waits at most DefaultTimeout
//		return err
//	}
//	defer l.Unlock()
//
// or, closest to the Python decorator, Wrap: every call of the
// wrapped function holds the lock.
//
// It is built on github.com/gofrs/flock, that is flock(2) on Linux and macOS
// (LockFileEx on Windows). Three facts shape this package:
//
//   - A flock lock belongs to an open file description. Two handles on the
//     same path exclude each other even inside one process, but one handle
//     shared by goroutines is not a mutex: locking a handle that already
//     holds returns at once. So a *Lock guards its handle with an in-process
//     semaphore, and Wrap opens a handle per call.
//   - The kernel drops the lock when the holder's descriptor is closed, which
//     includes the holder dying (even by SIGKILL): no stale locks.
//   - Python's fasteners uses fcntl (POSIX record) locks, which on Linux do
//     not see flock locks: a Go process and a fasteners process locking the
//     same path do not exclude each other.
//
// Every wait is bounded (DefaultTimeout, LockTimeout, LockContext) because a
// Jupyter kernel running Go cannot be interrupted; a lock that stays busy
// ends in a *TimeoutError naming the lock file and, on Linux, the holder.
//
// The lock file is created (mode 0644 before umask) if missing and never
// deleted: deleting it while others wait would let two processes lock two
// different files with the same name.
package filelock
