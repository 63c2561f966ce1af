//go:build unix

package filelock

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"github.com/golocks/golocks/internal/regular"
)

// A file is one open file description of the lock file: the thing a flock
// lock belongs to. A Lock keeps its file open from its first Lock to its
// Close, and locks and unlocks it with flock(2) directly.
//
// Why not gofrs/flock's Flock, the project's file lock, here: its Unlock
// also closes the descriptor (and a failed TryLock closes the one it just
// opened), so every Lock opens the lock file again. Through Go's os
// package an open is 6 system calls (openat, 4 fcntl and an epoll_ctl
// that fails for a regular file) and the close one more, against 2 for
// flock(LOCK_EX) and flock(LOCK_UN): where system calls are dear, that
// makes a locked counter increment markedly costlier than the same
// increment under a lock kept open (docs/benchmarks.md, "Speed work"). The
// calls below are exactly gofrs' on Unix (flock_unix.go in
// github.com/gofrs/flock v0.13.2), so a Lock and a gofrs Flock on the
// same path exclude each other, as the tests check: the file is opened
// O_CREATE|O_RDONLY, locked with LOCK_EX (LOCK_NB to try), unlocked with
// LOCK_UN, and reopened read-write for one more try when flock fails with
// EIO or EBADF (NFS emulates flock with fcntl locks, which need write
// access). Keeping the descriptor open changes nothing any other process
// can see: an open descriptor without a flock blocks nobody. On other
// systems (file_other.go) the Lock uses gofrs' Flock itself.
type file struct {
	f    *os.File // keeps fd open; closes it if the file is garbage collected
	fd   int
	path string
}

// openFile opens (creating if missing) the lock file at path.
func openFile(path string) (*file, error) {
	return openFileFlag(path, unix.O_RDONLY)
}

func openFileFlag(path string, mode int) (*file, error) {
	// Mode 0644: other users' processes may open the lock file read-only
	// and take the lock too (flock needs no write access), when several
	// users' processes guard one resource on purpose. regular.Open rather than
	// os.OpenFile: only a regular file, never a FIFO (whose open would
	// block) nor a symbolic link another user planted at a shared path
	// (which would create the file where it points), and without
	// os.OpenFile's attempt to register a regular file with Go's poller.
	f, err := regular.Open(path, mode|unix.O_CREAT, 0o644)
	if err != nil {
		return nil, err
	}
	return &file{f: f, fd: int(f.Fd()), path: path}, nil
}

// tryLock takes the flock without waiting; false if another open file
// description holds it.
func (f *file) tryLock() (bool, error) {
	err := f.flock(unix.LOCK_EX | unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// lock waits in flock(2) until it has the lock. It cannot be interrupted:
// the caller runs it in a goroutine of its own (see waiter).
func (f *file) lock() error { return f.flock(unix.LOCK_EX) }

func (f *file) unlock() error { return f.flock(unix.LOCK_UN) }

func (f *file) close() error { return f.f.Close() }

// flock is flock(2) on f, with gofrs' retry: once, read-write, after EIO
// or EBADF. EINTR cannot reach it (Go installs its signal handlers with
// SA_RESTART, so the kernel restarts flock), but is retried all the same.
func (f *file) flock(how int) error {
	for {
		err := unix.Flock(f.fd, how)
		switch {
		case err == unix.EINTR:
			continue
		case (err == unix.EIO || err == unix.EBADF) && how != unix.LOCK_UN && f.reopenReadWrite():
			err = unix.Flock(f.fd, how)
		}
		if err != nil && !errors.Is(err, unix.EWOULDBLOCK) {
			return &os.PathError{Op: "flock", Path: f.path, Err: err}
		}
		return err
	}
}

// reopenReadWrite replaces f's descriptor with a read-write one, as gofrs
// does for NFS; false if that cannot be done.
func (f *file) reopenReadWrite() bool {
	nf, err := openFileFlag(f.path, unix.O_RDWR)
	if err != nil {
		return false
	}
	_ = f.f.Close()
	*f = *nf
	return true
}

// A fileID is a lock file's identity: the key of the process's waiters.
type fileID struct{ dev, ino uint64 }

// id returns the identity of the file f has open.
func (f *file) id() (fileID, error) {
	var st unix.Stat_t
	if err := unix.Fstat(f.fd, &st); err != nil {
		return fileID{}, &os.PathError{Op: "fstat", Path: f.path, Err: err}
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino}, nil // Dev is not uint64 on every system
}
