//go:build !unix

package shared

import (
	"fmt"
	"os"
)

func mmap(f *os.File, size int) ([]byte, error) {
	return nil, fmt.Errorf("mapping a file: %w", ErrNotSupported)
}

func munmap(b []byte) error { return nil }
