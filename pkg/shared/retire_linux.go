//go:build linux

package shared

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// retire replaces the shared mapping b with a private copy of itself, at
// the same address, in one step: mremap moves a filled private mapping over
// it, so a goroutine reading b at that moment sees the shared page or the
// copy, never unmapped memory nor a page of zeros.
func retire(b []byte) error {
	p, err := private(b)
	if err != nil {
		return err
	}
	_, err = unix.MremapPtr(p, uintptr(len(b)), unsafe.Pointer(&b[0]), uintptr(len(b)), unix.MREMAP_MAYMOVE|unix.MREMAP_FIXED)
	if err != nil {
		_ = unix.MunmapPtr(p, uintptr(len(b))) // b stays mapped, shared: never a fault
	}
	return err
}
