package workbook

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// maxGoroutines bounds Goroutines so that a typo (1e9) fails instead of
// exhausting memory in the kernel (each goroutine has a stack of at least 2 KiB).
const maxGoroutines = 100_000

// Goroutines' modes (its mode argument), in the order the workbook shows
// them.
const (
	GoroutinesRacy   = "racy"   // *p++ on a plain int64: loses updates
	GoroutinesMutex  = "mutex"  // the same under a sync.Mutex
	GoroutinesAtomic = "atomic" // atomic.AddInt64
)

// GoroutineModes returns Goroutines' modes, for a loop over them all or a
// flag's help.
func GoroutineModes() []string {
	return []string{GoroutinesRacy, GoroutinesMutex, GoroutinesAtomic}
}

// Goroutines runs the shared-counter experiment inside this process: the
// given number of goroutines each add 1 to one int64 n times, all at once,
// and it returns the final count (goroutines × n unless updates were lost).
// Use it to show that goroutines share memory and race on it the way
// processes race on a shared file. Modes:
//
//	racy    *p++ on a plain int64: load, add, store, not atomic; loses
//	        updates when goroutines run in parallel (GOMAXPROCS > 1).
//	        Refused in -race builds, where it would be reported as the
//	        data race it is.
//	mutex   the same, under a sync.Mutex: exact.
//	atomic  atomic.AddInt64: exact, and the fastest.
//
// goroutines must be 1 to 100000 and n at least 0. A panic in a goroutine is
// returned as an error, never let loose.
func Goroutines(mode string, goroutines, n int) (int64, error) {
	if goroutines < 1 || goroutines > maxGoroutines {
		return 0, fmt.Errorf("workbook: goroutines %s: %d goroutines, want 1 to %d", mode, goroutines, maxGoroutines)
	}
	if n < 0 {
		return 0, fmt.Errorf("workbook: goroutines %s: negative count %d", mode, n)
	}
	var count int64
	var body func()
	switch mode {
	case GoroutinesRacy:
		if raceBuild {
			return 0, fmt.Errorf("workbook: goroutines racy: refused in a -race build (the race detector reports the lost update as the data race it is); use mutex or atomic, or build without -race")
		}
		body = func() {
			for i := 0; i < n; i++ {
				racyIncrement(&count)
			}
		}
	case GoroutinesMutex:
		var mu sync.Mutex
		body = func() {
			for i := 0; i < n; i++ {
				mu.Lock()
				count++
				mu.Unlock()
			}
		}
	case GoroutinesAtomic:
		body = func() {
			for i := 0; i < n; i++ {
				atomic.AddInt64(&count, 1)
			}
		}
	default:
		return 0, fmt.Errorf("workbook: goroutines: unknown mode %q (modes: %s)", mode, strings.Join(GoroutineModes(), ", "))
	}
	if err := runAll(goroutines, body); err != nil {
		return 0, fmt.Errorf("workbook: goroutines %s: %w", mode, err)
	}
	return count, nil
}

// runAll runs body in the given number of goroutines and waits for them all.
// They wait at a starting line so that they really run at the same time:
// started one by one, the first could finish a short loop before the last
// begins, and nothing would be lost.
func runAll(goroutines int, body func()) error {
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		errs  []error
	)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("goroutine %d panicked: %v", g, p))
					mu.Unlock()
				}
			}()
			<-start
			body()
		}()
	}
	close(start)
	wg.Wait()
	return errors.Join(errs...)
}
