//go:build unix

package stepper

import "golang.org/x/sys/unix"

// The open and flock flags a held call carries (gate.Call.Flags).
const (
	oTrunc   = unix.O_TRUNC
	oAccMode = unix.O_ACCMODE
	oRdOnly  = unix.O_RDONLY
	lockUn   = unix.LOCK_UN
)
