//go:build !linux

package shared

import (
	"fmt"
	"time"
)

// lockSupported is false: without Linux futexes there is no way here to sleep
// on a word shared between processes, so OpenValue and OpenMutex refuse.
const lockSupported = false

func futexWait(addr *uint32, val uint32, d time.Duration) (bool, error) {
	return false, fmt.Errorf("futex: %w", ErrNotSupported)
}

func futexWake(addr *uint32, n int) int { return 0 }
