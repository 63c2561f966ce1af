//go:build unix

package regular

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// The flags every open adds: never block, never follow a link in the last
// element, never make a terminal ours, never leak into a child process.
const safeFlags = unix.O_NONBLOCK | unix.O_NOFOLLOW | unix.O_NOCTTY | unix.O_CLOEXEC

// Open is os.OpenFile for a regular file only (see the package doc). The
// file it returns is in blocking mode, like os.OpenFile's. An error is an
// *fs.PathError; for anything but a regular file at path it matches
// ErrNotRegular, and the thing was not read or written. (With O_TRUNC a
// regular file is emptied by the open itself; nothing else is changed by
// it.)
func Open(path string, flag int, perm fs.FileMode) (*os.File, error) {
	var st unix.Stat_t
	fd, err := openStat(path, flag, perm, &st)
	if err != nil {
		return nil, err
	}
	// Back to blocking, as os.OpenFile leaves a regular file: F_SETFL sets
	// exactly the status flags given, and the caller's are in flag. (Left
	// non-blocking, os.NewFile would try to add the file to Go's poller,
	// which refuses regular files: a system call for nothing.)
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, flag&^unix.O_NONBLOCK); err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// ReadFile is os.ReadFile for a regular file only. It makes half os.ReadFile's
// system calls (no poller set-up): open, fstat, the reads, close.
func ReadFile(path string) ([]byte, error) {
	var st unix.Stat_t
	fd, err := openStat(path, unix.O_RDONLY, 0, &st)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	// One byte more than the size, so that a file read whole needs one
	// read to fill and one to see the end.
	buf := make([]byte, 0, max(st.Size+1, 64))
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// WriteFile is os.WriteFile for a regular file only: it creates the file
// (mode perm, before the umask) or empties it, then writes data. Like
// ReadFile it makes half os.WriteFile's system calls: open, fstat, the
// write, close.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	var st unix.Stat_t
	fd, err := openStat(path, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC, perm, &st)
	if err != nil {
		return err
	}
	for len(data) > 0 {
		n, err := unix.Write(fd, data)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			unix.Close(fd)
			return &fs.PathError{Op: "write", Path: path, Err: err}
		}
		data = data[n:]
	}
	if err := unix.Close(fd); err != nil {
		return &fs.PathError{Op: "close", Path: path, Err: err}
	}
	return nil
}

// openStat opens path with flag and the safe flags, and returns the
// descriptor of a regular file, still non-blocking, and its stat in st.
func openStat(path string, flag int, perm fs.FileMode, st *unix.Stat_t) (int, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, flag|safeFlags, syscallMode(perm))
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return -1, explain(path, &fs.PathError{Op: "open", Path: path, Err: err})
	}
	if err := unix.Fstat(fd, st); err != nil {
		unix.Close(fd)
		return -1, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return -1, notRegular("open", path, fileMode(uint32(st.Mode)))
	}
	return fd, nil
}

// syscallMode is perm as open(2) takes it (the permission bits, with
// setuid, setgid and sticky moved to where the kernel wants them).
func syscallMode(perm fs.FileMode) uint32 {
	m := uint32(perm.Perm())
	if perm&fs.ModeSetuid != 0 {
		m |= syscall.S_ISUID
	}
	if perm&fs.ModeSetgid != 0 {
		m |= syscall.S_ISGID
	}
	if perm&fs.ModeSticky != 0 {
		m |= syscall.S_ISVTX
	}
	return m
}

// fileMode is the type part of a stat(2) mode as an fs.FileMode.
func fileMode(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFREG:
		return 0
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	}
	return fs.ModeIrregular
}
