//go:build unix && !linux

package shared

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// retire replaces the shared mapping b with a private copy of itself, at
// the same address. Without Linux's mremap this is mmap(MAP_FIXED) over it,
// then the copy: a reader in between sees zeros, never unmapped memory.
// (Only RawValue exists outside Linux.)
func retire(b []byte) error {
	snapshot := append([]byte(nil), b...)
	_, err := unix.MmapPtr(-1, 0, unsafe.Pointer(&b[0]), uintptr(len(b)), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_FIXED)
	if err != nil {
		return err
	}
	copy(b, snapshot)
	return nil
}
