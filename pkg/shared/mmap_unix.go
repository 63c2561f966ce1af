//go:build unix

package shared

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmap maps the first size bytes of f, shared: stores by any process that
// maps the file are seen by all the others (and reach the file itself).
// unix.MmapPtr rather than unix.Mmap, whose bookkeeping expects the mapping
// to be removed by unix.Munmap: a closed mapping is replaced instead (see
// retire).
func mmap(f *os.File, size int) ([]byte, error) {
	p, err := unix.MmapPtr(int(f.Fd()), 0, nil, uintptr(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	return unsafe.Slice((*byte)(p), size), nil
}

// private returns a new private, anonymous mapping of len(b) bytes holding
// a copy of b.
func private(b []byte) (unsafe.Pointer, error) {
	p, err := unix.MmapPtr(-1, 0, nil, uintptr(len(b)), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, err
	}
	copy(unsafe.Slice((*byte)(p), len(b)), b)
	return p, nil
}
