package shared

import (
	"path/filepath"
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
