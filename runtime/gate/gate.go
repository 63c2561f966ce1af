package gate

import (
	"errors"
	"fmt"
)

// ErrUnsupported is the error of every function outside Linux (and on a
// Linux without seccomp user notification, before 5.6).
var ErrUnsupported = errors.New("stepping processes needs Linux 5.6 or later (seccomp user notification)")

// EnvVar is the environment variable, set to 1, that says a process was
// started to be gated (see Install).
const EnvVar = "GOLOCKS_GATE"

// A Kind is which system call a held Call is.
type Kind int

// The kinds of held calls. Each comes from one or a few system calls.
const (
	Open     Kind = iota + 1 // openat: Flags are the open flags
	Stat                     // newfstatat or statx by path: NoFollow for lstat
	Fstat                    // newfstatat or statx of a descriptor (AT_EMPTY_PATH)
	Read                     // read, pread64, readv
	Write                    // write, pwrite64, writev
	Truncate                 // ftruncate
	Flock                    // flock: Flags is the operation (LOCK_EX, LOCK_UN, LOCK_NB)
	Close                    // close
)

var kindNames = [...]string{Open: "open", Stat: "stat", Fstat: "fstat", Read: "read", Write: "write", Truncate: "truncate", Flock: "flock", Close: "close"}

func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// A Call is one system call on a watched file, held until Release.
type Call struct {
	Kind     Kind
	Path     string // the watched path it touches, as given to Take
	FD       int    // the descriptor it is made on; -1 for a call by path
	Flags    int    // Open: the open flags; Flock: the operation
	NoFollow bool   // Stat: an lstat (AT_SYMLINK_NOFOLLOW)
	TID      int    // the thread that made it

	release func() error
}

// Release lets the call go on, as the process made it. Releasing a call
// twice, or one of a gate that is closed, is an error, not a panic.
func (c *Call) Release() error {
	if c == nil || c.release == nil {
		return errors.New("gate: release of a call that was not held")
	}
	r := c.release
	c.release = nil
	return r()
}

func (c *Call) String() string {
	return fmt.Sprintf("%s %s (fd %d, flags %#x)", c.Kind, c.Path, c.FD, c.Flags)
}
