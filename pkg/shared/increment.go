package shared

import (
	"errors"
	"fmt"
)

// Increment is one worker process's part of the shared-value experiment:
// what `golocks worker shared <n> <mode> <path> [lockPath]` runs in each
// process. It adds 1 to the shared value at path n times, in one of four
// ways:
//
//	racy     v.Set(v.Get() + 1) on a Value                  (value.value += 1)
//	locked   v.Lock(); v.Set(v.Get() + 1); v.Unlock()       (with value.get_lock(): ...)
//	rawlock  the same on a RawValue at path, guarded by the
//	         Mutex at lockPath                              (RawValue + Lock)
//	atomic   v.Add(1) on a Value                            (no Python equivalent)
//
// lockPath is used by rawlock only. racy, locked and atomic open a Value
// file, rawlock a RawValue file: one path cannot serve both. Run it in
// several processes at once and compare the value with processes × n: racy
// loses updates, the others do not.
func Increment(mode, path, lockPath string, n int) (err error) {
	if n < 0 {
		return fmt.Errorf("shared: increment: negative count %d", n)
	}
	switch mode {
	case "racy", "locked", "atomic":
		v, err := OpenValue(path)
		if err != nil {
			return fmt.Errorf("shared: increment %s: %w", mode, err)
		}
		defer func() { err = errors.Join(err, v.Close()) }()
		switch mode {
		case "racy":
			incrementRacy(v, n)
			return nil
		case "locked":
			return incrementLocked(v, n)
		default:
			incrementAtomic(v, n)
			return nil
		}
	case "rawlock":
		if lockPath == "" {
			return fmt.Errorf("shared: increment rawlock: empty lock path")
		}
		r, err := OpenRaw(path)
		if err != nil {
			return fmt.Errorf("shared: increment rawlock: %w", err)
		}
		defer func() { err = errors.Join(err, r.Close()) }()
		mu, err := OpenMutex(lockPath)
		if err != nil {
			return fmt.Errorf("shared: increment rawlock: %w", err)
		}
		defer func() { err = errors.Join(err, mu.Close()) }()
		return incrementRawLock(r, mu, n)
	}
	return fmt.Errorf("shared: increment: unknown mode %q (modes: racy, locked, rawlock, atomic)", mode)
}

// The loops are separate functions so that each hot loop is plain to read
// and, once the lock is taken, allocates nothing and makes no system call.

// incrementRacy: the load and the store are each atomic, the pair is not;
// another process's store between them is overwritten.
func incrementRacy(v *Value, n int) {
	for i := 0; i < n; i++ {
		v.Set(v.Get() + 1)
	}
}

func incrementLocked(v *Value, n int) error {
	for i := 0; i < n; i++ {
		if err := v.Lock(); err != nil {
			return fmt.Errorf("shared: increment locked %d of %d: %w", i+1, n, err)
		}
		v.Set(v.Get() + 1)
		if err := v.Unlock(); err != nil {
			return fmt.Errorf("shared: increment locked %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

func incrementRawLock(r *RawValue, mu *Mutex, n int) error {
	for i := 0; i < n; i++ {
		if err := mu.Lock(); err != nil {
			return fmt.Errorf("shared: increment rawlock %d of %d: %w", i+1, n, err)
		}
		r.Set(r.Get() + 1)
		if err := mu.Unlock(); err != nil {
			return fmt.Errorf("shared: increment rawlock %d of %d: %w", i+1, n, err)
		}
	}
	return nil
}

func incrementAtomic(v *Value, n int) {
	for i := 0; i < n; i++ {
		v.Add(1)
	}
}
