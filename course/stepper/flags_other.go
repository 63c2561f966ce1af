//go:build !unix

package stepper

// Outside Unix no call is ever held (package gate needs Linux): the flags
// are Linux's, for the code to build.
const (
	oTrunc   = 0x200
	oAccMode = 0x3
	oRdOnly  = 0x0
	lockUn   = 0x8
)
