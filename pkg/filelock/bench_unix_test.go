//go:build unix

package filelock_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// rawIncrement is the floor the package is measured against: flock(2) on
// a descriptor kept open, no timeout, no in-process exclusion.
func rawIncrement(n int, file, lock string) error {
	f, err := os.OpenFile(lock, os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fd := int(f.Fd())
	for range n {
		if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
			return err
		}
		if err := incrementFile(file); err != nil {
			return err
		}
		if err := unix.Flock(fd, unix.LOCK_UN); err != nil {
			return err
		}
	}
	return nil
}

// benchProcs times procs processes, each doing 2000 locked increments of
// one counter file (process start-up included). Compare role
// "lock-increment" (this package) with "raw-increment" (flock(2) alone);
// run with TMPDIR=/dev/shm to see the lock rather than the disk. make bench
// measures the same against the workbook's Python (docs/benchmarks.md).
func benchProcs(b *testing.B, role string, procs int) {
	const n = 2000
	start := time.Now()
	for range b.N {
		if got := runProcs(b, role, procs, n); got != procs*n {
			b.Fatalf("count %d", got)
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/float64(b.N*procs*n), "µs/increment")
}

func BenchmarkProcesses(b *testing.B) {
	for _, procs := range []int{1, 2, 4} {
		for _, role := range []string{"raw-increment", "lock-increment"} {
			b.Run(role+"/"+strconv.Itoa(procs), func(b *testing.B) { benchProcs(b, role, procs) })
		}
	}
}
