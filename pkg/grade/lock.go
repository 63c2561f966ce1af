package grade

import (
	"errors"
	"fmt"

	"github.com/golocks/golocks/pkg/filelock"
)

// The arguments LockWrapper calls the wrapped function with. The probe's
// work never touches the file: only the arguments are checked.
const (
	probeCount = 7
	probeFile  = "grade-probe.txt"
)

// errProbe is what the probe's work returns: the wrapped function must
// hand it back.
var errProbe = errors.New("the test's work error")

// LockWrapper checks a lock wrapper: locked(lockPath, work) must return a
// function that takes the file lock at lockPath, calls work with its own
// arguments exactly once while holding it, lets go after work returns, and
// returns work's error. That is Go's form of Python's
// @interprocess_locked(lockPath).
//
// It does not race anything to find out (a race that loses no update proves
// nothing): it wraps a work function of its own, which looks at the lock
// from inside (a lock file held by the wrapper cannot be taken by another
// handle, even in the same process), and at the lock again once the call
// returns. So a wrapper that locks another file, unlocks before calling
// work, or never locks fails every time, with a message that says which.
// It waits only as long as the wrapper's own Lock does.
func LockWrapper(locked func(lockPath string, work func(maxCount int, filename string) error) func(maxCount int, filename string) error, lockPath string) (err error) {
	if locked == nil {
		return errors.New("the lock wrapper is nil: define it first (run its cell)")
	}
	if held, err := isHeld(lockPath); err != nil {
		return err
	} else if held {
		return fmt.Errorf("%s is held before the test starts: a lock taken earlier was never let go (restart the kernel, then run the notebook again)", lockPath)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the lock wrapper panicked: %v", r)
		}
	}()

	var (
		calls      int
		args       string
		heldInside bool
		probeErr   error
	)
	work := func(maxCount int, filename string) error {
		calls++
		if maxCount != probeCount || filename != probeFile {
			args = fmt.Sprintf("work(%d, %q)", maxCount, filename)
		}
		heldInside, probeErr = isHeld(lockPath)
		return errProbe
	}
	wrapped := locked(lockPath, work)
	if wrapped == nil {
		return errors.New("the lock wrapper returned nil: return a function that takes the lock, calls work and lets go")
	}
	if calls > 0 {
		return errors.New("the lock wrapper called work itself: it must return a function that does, each time it is called")
	}
	got := wrapped(probeCount, probeFile)
	heldAfter, afterErr := isHeld(lockPath)

	switch {
	case probeErr != nil:
		return probeErr
	case afterErr != nil:
		return afterErr
	case calls == 0 && got != nil:
		return fmt.Errorf("the wrapped function returned an error without calling work: %w", got)
	case calls == 0:
		return errors.New("the wrapped function never called work: call work(maxCount, filename) while you hold the lock")
	case calls > 1:
		return fmt.Errorf("the wrapped function called work %d times for one call: call it once", calls)
	case args != "":
		return fmt.Errorf("the wrapped function, called with (%d, %q), called %s: pass its arguments on to work", probeCount, probeFile, args)
	case !heldInside:
		return fmt.Errorf("work ran while %s was free: take the lock before calling work, and let go only after work returns", lockPath)
	case heldAfter:
		return fmt.Errorf("%s is still held after the wrapped function returned: let go of the lock when work is done (defer lock.Unlock()), or every later caller waits for it", lockPath)
	case !errors.Is(got, errProbe):
		return fmt.Errorf("the wrapped function returned %v, not work's error: return what work returns", got)
	}
	return nil
}

// isHeld reports whether some handle holds the file lock at path, by trying
// to take it with a handle of our own (and letting go at once if we got it).
func isHeld(path string) (bool, error) {
	l := filelock.New(path)
	got, err := l.TryLock()
	if err != nil {
		return false, fmt.Errorf("cannot check the lock: %w", err)
	}
	if !got {
		return true, nil
	}
	if err := l.Unlock(); err != nil {
		return false, fmt.Errorf("cannot check the lock: %w", err)
	}
	return false, nil
}
