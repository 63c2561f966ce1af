// Package filelock is an inter-process file lock: Go's answer to Python
// fasteners' @interprocess_locked('/tmp/tmp_lock').
//
// Use it when several OS processes (or goroutines) must take turns with a
// shared resource such as a counter file. Every party names the same lock
// file; while one holds the lock, the others wait. The lock is advisory: a
// process that never asks for it can still write the resource. Put the
// lock file beside the resource, in a folder of your own: a path such as
// the seed's /tmp/tmp_lock is shared by every user of the machine, so on a
// class server one student's lock would block another's. (For
// goroutines of one process alone, sync.Mutex is cheaper; for a number
// shared by processes, package shared.)
//
//	l := filelock.New("counter.lock")
//	defer l.Close()
//	if err := l.Lock(); err != nil { // waits at most l.Timeout()
//		return err
//	}
//	defer l.Unlock()
//
// or, closest to the Python decorator, Wrap: every call of the wrapped
// function holds the lock.
//
// It is built on flock(2), as github.com/gofrs/flock is (and uses gofrs'
// Flock itself outside Unix: LockFileEx on Windows). Three facts shape this
// package:
//
//   - A flock lock belongs to an open file description. Two Locks on the
//     same path exclude each other even inside one process, but one
//     description shared by goroutines is not a mutex: locking it again
//     while it holds returns at once. So a *Lock also excludes its own
//     goroutines, and Wrap uses a Lock per call.
//   - The kernel drops the lock when the holder's descriptor is closed,
//     which includes the holder dying (even by SIGKILL): no stale locks.
//   - Python's fasteners uses fcntl (POSIX record) locks, which on Linux do
//     not see flock locks: a Go process and a fasteners process locking the
//     same path do not exclude each other.
//
// A Lock keeps its lock file open from its first Lock to its Close (or to
// a wait that gives up), so that taking and releasing a free lock costs two
// system calls, no more. A process waits for a busy lock file with one
// blocking flock, whichever Lock values wait: waits that time out, by one
// Lock or by a new Lock each time, leave at most one goroutine, thread and
// descriptor per lock file behind, until the holder lets go.
//
// Every wait is bounded, so that a notebook never hangs on a lock: by the
// Lock's timeout
// (DefaultTimeout until SetTimeout changes it), by LockTimeout's, or by
// LockContext's context, whose deadline, if it has none, is the Lock's
// timeout. A lock that stays busy ends in a *TimeoutError naming the lock
// file and, on Linux, the holder. In a notebook a wait also ends when the
// cell is interrupted, with an error wrapping cell.ErrInterrupted. The
// errors are package lockerr's, the same in every golocks lock.
//
// The lock file is created (mode 0644 before umask) if missing and never
// deleted: deleting it while others wait would let two processes lock two
// different files with the same name. Do not delete it yourself while a
// Lock has it open (between its first Lock and its Close): that Lock would
// go on locking the deleted file, and exclude nobody who opens the new one.
package filelock
