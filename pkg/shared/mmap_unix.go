//go:build unix

package shared

import (
	"os"

	"golang.org/x/sys/unix"
)

// mmap maps the first size bytes of f, shared: stores by any process that
// maps the file are seen by all the others (and reach the file itself).
func mmap(f *os.File, size int) ([]byte, error) {
	return unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
}

func munmap(b []byte) error { return unix.Munmap(b) }
