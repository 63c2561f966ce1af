package workbook

import (
	"errors"
	"fmt"
	"strings"

	"github.com/golocks/golocks/pkg/shared"
)

// The shared-value modes: how IncrementShared adds 1 (see there). Use
// them, not their strings, in code; SharedModes lists them.
const (
	SharedRacy    = "racy"    // v.Set(v.Get() + 1): loses updates
	SharedLocked  = "locked"  // the same under the Value's own lock
	SharedRawLock = "rawlock" // a RawValue guarded by a separate Mutex
	SharedAtomic  = "atomic"  // v.Add(1)
)

// SharedModes lists the shared-value modes, in the order the workbook's
// Part 3 meets them: the one list the CLI, the benchmarks and the
// notebooks' checks take them from.
func SharedModes() []string {
	return []string{SharedRacy, SharedLocked, SharedRawLock, SharedAtomic}
}

// IncrementShared is one worker process's part of the shared-value experiment:
// what `golocks shared` runs in each process, as
// pool.New(4).Map(workbook.IncrementShared, counts, mode, path, lockPath).
// It adds 1 to the shared value at path n times, in one of four ways:
//
//	racy     v.Set(v.Get() + 1) on a Value                  (value.value += 1)
//	locked   v.Lock(); v.Set(v.Get() + 1); v.Unlock()       (with value.get_lock(): ...)
//	rawlock  the same on a RawValue at path, guarded by the
//	         Mutex at lockPath                              (RawValue + Lock)
//	atomic   v.Add(1) on a Value                            (no Python equivalent)
//
// lockPath is used by rawlock only ("" for the others). racy, locked and
// atomic open a Value file, rawlock a RawValue file: one path cannot serve
// both. The count comes first, as a pool's Map passes it. Run it in
// several processes at once and compare the value with processes × n: racy
// loses updates, the others do not.
func IncrementShared(n int, mode, path, lockPath string) error {
	if n < 0 {
		return fmt.Errorf("workbook: increment shared: negative count %d", n)
	}
	switch mode {
	case SharedRacy, SharedLocked, SharedAtomic:
		return incrementValue(mode, path, n)
	case SharedRawLock:
		if lockPath == "" {
			return fmt.Errorf("workbook: increment shared rawlock: empty lock path")
		}
		return incrementRawLock(path, lockPath, n)
	}
	return fmt.Errorf("workbook: increment shared: unknown mode %q (modes: %s)", mode, strings.Join(SharedModes(), ", "))
}

// incrementValue runs the modes that use a Value. The deferred Close joins
// its error to the named result: the open is at the function's top level,
// so `v, err :=` assigns that same err rather than a new one in a block.
func incrementValue(mode, path string, n int) (err error) {
	v, err := shared.OpenValue(path)
	if err != nil {
		return fmt.Errorf("workbook: increment shared %s: %w", mode, err)
	}
	defer func() { err = errors.Join(err, v.Close()) }()
	switch mode {
	case SharedRacy:
		incrementRacy(v, n)
	case SharedLocked:
		err = incrementLocked(v, n)
	default:
		incrementAtomic(v, n)
	}
	return err
}

// incrementRawLock opens the raw value and its separate lock, and closes
// both whatever happens, joining their errors to the result.
func incrementRawLock(path, lockPath string, n int) (err error) {
	r, err := shared.OpenRaw(path)
	if err != nil {
		return fmt.Errorf("workbook: increment shared rawlock: %w", err)
	}
	defer func() { err = errors.Join(err, r.Close()) }()
	mu, err := shared.OpenMutex(lockPath)
	if err != nil {
		return fmt.Errorf("workbook: increment shared rawlock: %w", err)
	}
	defer func() { err = errors.Join(err, mu.Close()) }()
	return rawLockLoop(r, mu, n)
}

// The loops are separate functions so that each hot loop is plain to read
// and, once the lock is taken, allocates nothing and makes no system call.

// incrementRacy: the load and the store are each atomic, the pair is not;
// another process's store between them is overwritten.
func incrementRacy(v *shared.Value, n int) {
	for i := 0; i < n; i++ {
		v.Set(v.Get() + 1)
	}
}

func incrementLocked(v *shared.Value, n int) error {
	for i := 0; i < n; i++ {
		if err := v.Lock(); err != nil {
			return fmt.Errorf("workbook: increment shared locked %d of %d: %w", i+1, n, err)
		}
		v.Set(v.Get() + 1)
		if err := v.Unlock(); err != nil {
			return fmt.Errorf("workbook: increment shared locked %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

func rawLockLoop(r *shared.RawValue, mu *shared.Mutex, n int) error {
	for i := 0; i < n; i++ {
		if err := mu.Lock(); err != nil {
			return fmt.Errorf("workbook: increment shared rawlock %d of %d: %w", i+1, n, err)
		}
		r.Set(r.Get() + 1)
		if err := mu.Unlock(); err != nil {
			return fmt.Errorf("workbook: increment shared rawlock %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

func incrementAtomic(v *shared.Value, n int) {
	for i := 0; i < n; i++ {
		v.Add(1)
	}
}
