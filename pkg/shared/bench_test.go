package shared

import (
	"path/filepath"
	"sync/atomic"
	"testing"
)

// One process, no contention: the cost of the lock's fast path.
func BenchmarkValueLockedIncrement(b *testing.B) {
	v, err := OpenValue(filepath.Join(b.TempDir(), "value"))
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Lock(); err != nil {
			b.Fatal(err)
		}
		v.Set(v.Get() + 1)
		if err := v.Unlock(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAtomicAdd(b *testing.B) {
	v, err := OpenValue(filepath.Join(b.TempDir(), "value"))
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	b.ReportAllocs()
	for b.Loop() {
		v.Add(1)
	}
}

func BenchmarkMutexUncontended(b *testing.B) {
	mu, err := OpenMutex(filepath.Join(b.TempDir(), "lock"))
	if err != nil {
		b.Fatal(err)
	}
	defer mu.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := mu.Lock(); err != nil {
			b.Fatal(err)
		}
		if err := mu.Unlock(); err != nil {
			b.Fatal(err)
		}
	}
}

// What the ways of making Close safe cost the fast paths (see
// mapping.close): a reference count taken around each Get and each
// Lock+Unlock, against the private copy this package uses (which costs
// them nothing). go test -bench Close ./pkg/shared
func BenchmarkCloseDesign(b *testing.B) {
	v, err := OpenValue(filepath.Join(b.TempDir(), "value"))
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	var refs atomic.Int64
	var sink int64
	b.Run("get", func(b *testing.B) {
		for b.Loop() {
			sink += v.Get()
		}
	})
	b.Run("get-refcount", func(b *testing.B) {
		for b.Loop() {
			refs.Add(1)
			sink += v.Get()
			refs.Add(-1)
		}
	})
	b.Run("lock", func(b *testing.B) {
		for b.Loop() {
			v.Lock()
			v.Unlock()
		}
	})
	b.Run("lock-refcount", func(b *testing.B) {
		for b.Loop() {
			refs.Add(1)
			v.Lock()
			refs.Add(-1)
			refs.Add(1)
			v.Unlock()
			refs.Add(-1)
		}
	})
	_ = sink
}
