package shared

import "sync/atomic"

// RawValue is an int64 shared by every process that opens the same file,
// without a lock: Python's multiprocessing.RawValue('q', 0).
//
// Use it with a separate Mutex when one lock guards several values, or with
// Add alone when one atomic counter is all you need. Get and Set are still
// each one atomic load or store (Python's RawValue makes no such promise, but
// in Go a plain load or store on memory another process writes would be a
// data race), so it is the same lost-update lesson as Value without the lock.
//
// A RawValue is safe for concurrent use by goroutines.
type RawValue struct {
	val *int64 // in the mapping (after Close, in its private copy)
	m   *mapping
}

// OpenRaw opens the shared raw value in the file at path, creating the file
// (mode 0644, value 0) if it does not exist, with the same rules as
// OpenValue. A raw value file is not a value file: each refuses the other.
func OpenRaw(path string) (*RawValue, error) {
	m, err := openMapping(path, kindRaw)
	if err != nil {
		return nil, err
	}
	return &RawValue{m: m, val: m.int64At(valueOffset)}, nil
}

// Get returns the value (one atomic load). As with Value, on a nil
// *RawValue (an OpenRaw whose error was not checked) Get and Add return 0
// and Set and Add store nothing, rather than crash the kernel.
func (r *RawValue) Get() int64 {
	if r == nil || r.val == nil {
		return 0
	}
	return atomic.LoadInt64(r.val)
}

// Set stores x (one atomic store); nothing on a nil *RawValue (see Get).
func (r *RawValue) Set(x int64) {
	if r == nil || r.val == nil {
		return
	}
	atomic.StoreInt64(r.val, x)
}

// Add adds d and returns the new value, as one atomic read-modify-write; 0
// on a nil *RawValue (see Get).
func (r *RawValue) Add(d int64) int64 {
	if r == nil || r.val == nil {
		return 0
	}
	return atomic.AddInt64(r.val, d)
}

// Path returns the path the RawValue was opened with.
func (r *RawValue) Path() string {
	if r == nil {
		return ""
	}
	return r.m.path
}

// Close detaches the RawValue from the file; the file stays, with its
// value. After Close, Get, Set and Add act on a private copy of the value,
// no longer shared; a second Close returns an error wrapping ErrClosed. Any
// goroutine may still use the RawValue while or after it is closed: never a
// crash.
func (r *RawValue) Close() error {
	if r == nil {
		return errNil
	}
	return r.m.close(nil)
}
