// Package regular opens regular files, and nothing else: never a FIFO, a
// device, a socket or a directory, and never through a symbolic link in the
// last element of the path. Every file golocks opens by a name a user gave
// (the counter, its trace and temp files, the lock file, a shared value) is
// opened here, because a name can be anything:
//
//   - a FIFO blocks open(2) until another process opens its other end, and
//     a device may never end a read (/dev/zero) or do something on open
//     (a tape rewinds). Open never blocks: it opens with O_NONBLOCK, asks
//     the descriptor what it is (fstat) and refuses anything but a regular
//     file before reading or writing a byte.
//   - a symbolic link planted by another user, in a folder both may write
//     to, would redirect a write to a file of the planter's choice. Open
//     uses O_NOFOLLOW, so it refuses a link where the file should be; the
//     folders on the way are followed as usual.
//
// The errors say what was found instead, in one line, and match
// ErrNotRegular. Check tells the same without opening anything.
package regular

import (
	"errors"
	"io/fs"
	"os"
)

// ErrNotRegular is matched (errors.Is) by the errors of Open, ReadFile,
// WriteFile and Check for a path that names something other than a regular
// file.
var ErrNotRegular = errors.New("not a regular file")

// A notRegularError says what was found where a regular file should be.
type notRegularError struct{ kind string }

func (e *notRegularError) Error() string {
	if e.kind == "symbolic link" {
		return "is a symbolic link, not a regular file (never followed here)"
	}
	return "is a " + e.kind + ", not a regular file"
}

func (e *notRegularError) Is(target error) bool { return target == ErrNotRegular }

// kind names a file type for an error, or "" for a regular file.
func kind(m fs.FileMode) string {
	switch t := m.Type(); {
	case t == 0:
		return ""
	case t&fs.ModeDir != 0:
		return "directory"
	case t&fs.ModeSymlink != 0:
		return "symbolic link"
	case t&fs.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "block device"
	}
	return "special file"
}

// Check reports whether path names something Open would refuse for its
// type, without opening it (lstat(2)): nil if nothing is there or a regular
// file is, an *fs.PathError matching ErrNotRegular otherwise. Use it to
// check a name before acting on it; Open checks again, on what it opened.
func Check(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return notRegular("open", path, st.Mode())
}

// notRegular is the error for a file of mode m at path, nil if it is
// regular.
func notRegular(op, path string, m fs.FileMode) error {
	if k := kind(m); k != "" {
		return &fs.PathError{Op: op, Path: path, Err: &notRegularError{k}}
	}
	return nil
}

// explain turns the error of a failed open into one that says what is at
// path, if something other than a regular file is: O_NOFOLLOW fails on a
// symbolic link with ELOOP, and O_NONBLOCK on a FIFO without a reader with
// ENXIO, neither of which says so.
func explain(path string, err error) error {
	if st, lerr := os.Lstat(path); lerr == nil {
		if nerr := notRegular("open", path, st.Mode()); nerr != nil {
			return nerr
		}
	}
	return err
}
