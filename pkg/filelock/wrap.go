package filelock

import "fmt"

// Wrap returns f made to hold the lock file at path for each call: Go's
// form of Python's @interprocess_locked(path). Use it when every call of f,
// from any process or goroutine, must run alone.
//
// Each call uses a Lock of its own (so concurrent calls in one process
// also exclude each other), waits at most DefaultTimeout, runs f, unlocks
// and closes the Lock. The result is f's error, or the lock's. If f panics
// the lock is released and the panic goes on.
func Wrap(path string, f func() error) func() error {
	return func() (err error) {
		if f == nil {
			return fmt.Errorf("lock %s: nil function", path)
		}
		l := New(path)
		defer func() {
			if cerr := l.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
		if err := l.Lock(); err != nil {
			return err
		}
		defer func() {
			if uerr := l.Unlock(); uerr != nil && err == nil {
				err = uerr
			}
		}()
		return f()
	}
}
