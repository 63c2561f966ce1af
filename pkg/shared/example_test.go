package shared_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/golocks/golocks/pkg/shared"
)

// Python: with value.get_lock(): value.value += 1. Every process that opens
// the same path shares the value and its lock.
func ExampleOpenValue() {
	dir, err := os.MkdirTemp("", "shared-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	v, err := shared.OpenValue(filepath.Join(dir, "counter"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()

	if err := v.Lock(); err != nil { // waits at most v.Timeout()
		fmt.Println(err)
		return
	}
	v.Set(v.Get() + 1) // read-modify-write: safe only under the lock
	if err := v.Unlock(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Get())
	// Output: 1
}

// Add is one atomic instruction: no update is lost, and no lock is needed.
func ExampleValue_Add() {
	dir, err := os.MkdirTemp("", "shared-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	v, err := shared.OpenValue(filepath.Join(dir, "counter"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer v.Close()
	v.Add(10)
	fmt.Println(v.Add(5))
	// Output: 15
}

// RawValue plus a separate Mutex: Python's RawValue with a multiprocessing.Lock.
func ExampleOpenMutex() {
	dir, err := os.MkdirTemp("", "shared-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	r, err := shared.OpenRaw(filepath.Join(dir, "counter"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	mu, err := shared.OpenMutex(filepath.Join(dir, "counter.lock"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mu.Close()

	for i := 0; i < 3; i++ {
		if err := mu.Lock(); err != nil {
			fmt.Println(err)
			return
		}
		r.Set(r.Get() + 1)
		if err := mu.Unlock(); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(r.Get())
	// Output: 3
}

// Every wait is bounded. A lock held too long ends the wait in a
// *TimeoutError that names the holder: here this very process, which took
// the lock through another handle and never unlocked it.
func ExampleValue_LockTimeout() {
	dir, err := os.MkdirTemp("", "shared-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "counter")

	a, err := shared.OpenValue(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer a.Close()
	b, err := shared.OpenValue(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()

	if err := a.Lock(); err != nil {
		fmt.Println(err)
		return
	}
	err = b.LockTimeout(50 * time.Millisecond)
	fmt.Println("busy:", errors.Is(err, shared.ErrTimeout))
	var te *shared.TimeoutError
	if errors.As(err, &te) {
		fmt.Println("held by:", te.HolderName)
	}
	a.Unlock()
	// Output:
	// busy: true
	// held by: this process: a missing Unlock?
}
