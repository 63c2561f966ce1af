package workbook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/golocks/golocks/internal/regular"
)

// checkArgs rejects bad arguments before any file is touched, so a rejected
// call never damages an existing counter.
func checkArgs(maxCount int, filename string) error {
	if maxCount < 0 {
		return fmt.Errorf("work %s: negative count %d", filename, maxCount)
	}
	return checkPath("work", filename)
}

// checkPath reports a path that cannot be a regular file: empty, in a
// missing directory, or naming something else (a directory, a FIFO, a
// device, a socket, a symbolic link: package regular). A missing file is
// fine. It only looks (stat, lstat): nothing is opened.
func checkPath(what, path string) error {
	if path == "" {
		return fmt.Errorf("%s: empty file name", what)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s %s: %s is not a directory", what, path, dir)
	}
	if err := regular.Check(path); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is said once, here
		}
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	return nil
}

// Check reports what Run would reject, without touching any file: a
// negative count or timeout, a path that is empty, in a missing directory
// or naming anything but a regular file (a directory, a FIFO, a device, a
// symbolic link...), a lock, trace or steps file that is the counter file,
// an Around that is not one of the four or has no lock. Use it
// to validate a whole experiment before resetting its files; Run calls it
// first too.
func (c Counter) Check(maxCount int) error {
	if err := checkArgs(maxCount, c.File); err != nil {
		return err
	}
	if c.Timeout < 0 {
		return fmt.Errorf("counter %s: negative timeout %v", c.File, c.Timeout)
	}
	if c.LockFile != "" {
		if err := checkPath("lock", c.LockFile); err != nil {
			return err
		}
		// Never lock the data file: CrashSafe renames a new file over it,
		// and a lock on the old inode would guard nothing.
		if samePath(c.LockFile, c.File) {
			return fmt.Errorf("counter %s: the lock file must be a separate file", c.File)
		}
	}
	switch c.Around {
	case "":
	case AroundCall, AroundIncrement, AroundWrite, AroundStep:
		if c.LockFile == "" {
			return fmt.Errorf("counter %s: Around %q needs a LockFile", c.File, c.Around)
		}
	default:
		return fmt.Errorf("counter %s: Around %q: want %q, %q, %q or %q", c.File, c.Around, AroundCall, AroundIncrement, AroundWrite, AroundStep)
	}
	for _, t := range []struct{ what, path string }{{"trace", c.Trace}, {"steps", c.Steps}} {
		if t.path == "" {
			continue
		}
		if err := checkPath(t.what, t.path); err != nil {
			return err
		}
		if samePath(t.path, c.File) || samePath(t.path, c.LockFile) {
			return fmt.Errorf("counter: the %s file must be a separate file", t.what)
		}
	}
	if c.Trace != "" && samePath(c.Trace, c.Steps) {
		return errors.New("counter: the trace and steps files must be separate files")
	}
	return nil
}

// samePath reports whether a and b name the same file, existing or not.
// It looks with lstat: both were checked not to be symbolic links
// (checkPath), so that is the same file a stat finds, and a locked
// Counter's first operation on its counter, as the stepper (and a
// student) reads the trace, comes after it takes the lock, as in the
// seed's lockedWork, instead of a stat before it.
func samePath(a, b string) bool {
	if b == "" {
		return false
	}
	if sa, err := os.Lstat(a); err == nil {
		if sb, err := os.Lstat(b); err == nil {
			return os.SameFile(sa, sb)
		}
	}
	aa, err1 := filepath.Abs(a)
	ab, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ab
}
