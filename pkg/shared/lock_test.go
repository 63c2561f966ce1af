package shared

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestUnlockNotLocked(t *testing.T) {
	for _, kind := range []string{"value", "mutex"} {
		l, _ := openLocker(t, kind, filepath.Join(t.TempDir(), kind))
		if err := l.Unlock(); !errors.Is(err, ErrNotLocked) {
			t.Errorf("%s: Unlock of a free lock = %v; want ErrNotLocked", kind, err)
		}
		if err := l.Lock(); err != nil {
			t.Fatal(err)
		}
		if err := l.Unlock(); err != nil {
			t.Fatal(err)
		}
		if err := l.Unlock(); !errors.Is(err, ErrNotLocked) {
			t.Errorf("%s: second Unlock = %v; want ErrNotLocked", kind, err)
		}
	}
}

// The lock belongs to the process: this process's own holder is alive, so a
// second Lock times out (and says the holder is this process) instead of
// taking over.
func TestRelockSameProcessTimesOut(t *testing.T) {
	l, _ := openLocker(t, "mutex", filepath.Join(t.TempDir(), "lock"))
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	if ok, err := l.TryLock(); ok || err != nil {
		t.Errorf("TryLock of a held lock = %v, %v; want false, nil", ok, err)
	}
	err := l.LockTimeout(30 * time.Millisecond)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "this process") {
		t.Errorf("second Lock = %v; want ErrTimeout naming this process", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// Goroutines exclude each other too, through one handle or through several
// handles (separate mappings) of the same file.
func TestGoroutinesExcludeEachOther(t *testing.T) {
	path := filepath.Join(t.TempDir(), "value")
	var handles [2]*Value
	for i := range handles {
		v, err := OpenValue(path)
		if err != nil {
			t.Fatal(err)
		}
		defer v.Close()
		handles[i] = v
	}
	const goroutines, n = 4, 20_000
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v := handles[g%len(handles)]
			for i := 0; i < n; i++ {
				if err := v.Lock(); err != nil {
					errs <- err
					return
				}
				v.Set(v.Get() + 1)
				if err := v.Unlock(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := handles[1].Get(); got != goroutines*n {
		t.Fatalf("got %d, want %d", got, goroutines*n)
	}
}

// A damaged word (waiters bit, no pid) is not a live holder.
func TestDamagedWordTakenOver(t *testing.T) {
	l, pl := openLocker(t, "mutex", filepath.Join(t.TempDir(), "lock"))
	atomic.StoreUint64(pl.word, waitersBit)
	if err := l.LockTimeout(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if w := atomic.LoadUint64(pl.word); w != 0 {
		t.Fatalf("word %#x after Unlock, want 0", w)
	}
}

// The hot path allocates nothing: no context, no timer, no error value.
func TestHotPathAllocatesNothing(t *testing.T) {
	dir := t.TempDir()
	v, err := OpenValue(filepath.Join(dir, "value"))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	r, err := OpenRaw(filepath.Join(dir, "raw"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	mu, err := OpenMutex(filepath.Join(dir, "lock"))
	if err != nil {
		t.Fatal(err)
	}
	defer mu.Close()
	for name, f := range map[string]func(){
		"get-set": func() { v.Set(v.Get() + 1) },
		"locked":  func() { v.Lock(); v.Set(v.Get() + 1); v.Unlock() },
		"rawlock": func() { mu.Lock(); r.Set(r.Get() + 1); mu.Unlock() },
		"atomic":  func() { v.Add(1) },
		"trylock": func() { v.TryLock(); v.Unlock() },
	} {
		if a := testing.AllocsPerRun(100, f); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, a)
		}
	}
}

func TestCloseThenUse(t *testing.T) {
	dir := t.TempDir()
	v, err := OpenValue(filepath.Join(dir, "value"))
	if err != nil {
		t.Fatal(err)
	}
	v.Set(7)
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if err := v.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v; want ErrClosed", err)
	}
	if got := v.Get(); got != 7 {
		t.Errorf("Get after Close = %d; want the last value 7", got)
	}
	v.Set(8) // on the private copy: must not crash
	v.Add(1)
	for name, err := range map[string]error{
		"Lock":        v.Lock(),
		"LockTimeout": v.LockTimeout(time.Second),
		"LockContext": v.LockContext(t.Context()),
		"Unlock":      v.Unlock(),
	} {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v; want ErrClosed", name, err)
		}
	}
	if _, err := v.TryLock(); !errors.Is(err, ErrClosed) {
		t.Errorf("TryLock after Close = %v; want ErrClosed", err)
	}

	// The file kept the value it had at Close.
	v2, err := OpenValue(filepath.Join(dir, "value"))
	if err != nil {
		t.Fatal(err)
	}
	defer v2.Close()
	if got := v2.Get(); got != 7 {
		t.Errorf("reopened value = %d; want 7", got)
	}

	r, err := OpenRaw(filepath.Join(dir, "raw"))
	if err != nil {
		t.Fatal(err)
	}
	r.Add(3)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close of RawValue = %v; want ErrClosed", err)
	}
	if r.Get() != 3 {
		t.Errorf("RawValue Get after Close = %d; want 3", r.Get())
	}

	mu, err := OpenMutex(filepath.Join(dir, "lock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := mu.Close(); err != nil {
		t.Fatal(err)
	}
	if err := mu.Lock(); !errors.Is(err, ErrClosed) {
		t.Errorf("Mutex Lock after Close = %v; want ErrClosed", err)
	}
}

func TestNilReceivers(t *testing.T) {
	var v *Value
	var mu *Mutex
	var r *RawValue
	for name, err := range map[string]error{
		"Value.Lock": v.Lock(), "Value.Unlock": v.Unlock(), "Value.Close": v.Close(),
		"Mutex.Lock": mu.Lock(), "Mutex.Unlock": mu.Unlock(), "Mutex.Close": mu.Close(),
		"RawValue.Close": r.Close(),
	} {
		if err == nil {
			t.Errorf("%s on nil: no error", name)
		}
	}
	// The calls without an error result neither panic nor invent a value:
	// on nil, and on a Value or RawValue not made by Open, they read 0.
	v.Set(5)
	r.Set(5)
	if v.Get() != 0 || v.Add(1) != 0 || r.Get() != 0 || r.Add(1) != 0 {
		t.Errorf("Get/Add on nil: %d %d %d %d, want 0", v.Get(), v.Add(1), r.Get(), r.Add(1))
	}
	var zv Value
	var zr RawValue
	zv.Set(5)
	zr.Set(5)
	if zv.Get() != 0 || zv.Add(1) != 0 || zr.Get() != 0 || zr.Add(1) != 0 {
		t.Errorf("Get/Add on a zero value: want 0")
	}
}
