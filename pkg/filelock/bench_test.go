package filelock_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// rawIncrement is the floor the package is measured against: gofrs' own
// blocking Lock, no timeout, no in-process semaphore.
func rawIncrement(n int, file, lock string) error {
	for range n {
		fl := flock.New(lock)
		if err := fl.Lock(); err != nil {
			return err
		}
		if err := incrementFile(file); err != nil {
			return err
		}
		if err := fl.Unlock(); err != nil {
			return err
		}
	}
	return nil
}

// benchProcs times procs processes, each doing 2000 locked increments of
// one counter file (process start-up included). Compare role
// "lock-increment" (this package) with "raw-increment" (gofrs alone); run
// with TMPDIR=/dev/shm to see the lock rather than the disk.
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

// BenchmarkProcesses: on a 2-core VM with TMPDIR=/dev/shm, this package
// measured 17-19 µs per increment with 2 processes (raw 16-17) and 12-13 µs
// with 4 (raw 11-12).
func BenchmarkProcesses(b *testing.B) {
	for _, procs := range []int{1, 2, 4} {
		for _, role := range []string{"raw-increment", "lock-increment"} {
			b.Run(role+"/"+strconv.Itoa(procs), func(b *testing.B) { benchProcs(b, role, procs) })
		}
	}
}
