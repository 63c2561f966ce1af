package main

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"

	"github.com/golocks/golocks/internal/regular"
)

// The files a user names: golocks never deletes, overwrites, blocks on or
// writes through anything but what it expects there. Every open is of a
// regular file, without blocking and never through a symbolic link
// (internal/regular); these checks come first, before any file changes.

// A counter file holds an integer and a newline (the Python reference
// writes the same). Racing writers leave other shapes of the same bytes:
// nothing (one emptied it, the other had not written yet), or the tail of
// a longer number after a shorter one ("99\n" over "100\n" is "99\n\n",
// "9\n" over "1000\n" is "9\n00\n"), so any few digits, signs and newlines
// are a counter.
var counterText = regexp.MustCompile(`^[-0-9\n]*$`)

// maxCounterSize is more than any counter file holds: the longest integer
// and its newline.
const maxCounterSize = 21

// checkReset says whether the counter file at path may be reset (deleted,
// so that the run counts from zero, as the workbook's `!rm parallel.txt`):
// only a regular file that is empty or holds a counter (or what racing
// writers left of one), or, with
// overwrite, any regular file. Never a device, a FIFO, a socket, a
// directory or a symbolic link; and nothing is opened but a regular file.
func checkReset(path string, overwrite bool) error {
	f, err := regular.Open(path, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return checkCreatable("--file", path)
	}
	if err != nil {
		return usagef("--file %s: %v; left untouched", path, pathErr(err))
	}
	defer f.Close()
	if overwrite {
		return nil
	}
	head, err := io.ReadAll(io.LimitReader(f, maxCounterSize+1))
	if err != nil {
		return usagef("--file %s: %v", path, pathErr(err))
	}
	if len(head) > maxCounterSize || !counterText.Match(head) {
		return usagef("--file %s: holds something other than a counter (an integer and a newline): left untouched; delete it, name another file, or add --overwrite to reset it", path)
	}
	return nil
}

// checkCreatable says whether path, which does not exist, can be created
// by this process: its folder must be writable. It only asks.
func checkCreatable(flag, path string) error {
	dir := filepath.Dir(path)
	if err := canCreateIn(dir); err != nil {
		return usagef("%s %s: cannot be created in %s: %v", flag, path, dir, err)
	}
	return nil
}

// createLockFile opens the lock file as the lock will, creating it if
// missing: a lock file is never deleted, so creating it early costs
// nothing, and a place it cannot be is found before the run starts.
func createLockFile(path string) error {
	f, err := regular.Open(path, os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return usagef("--lock-file %s: cannot be opened as a lock file: %v", path, pathErr(err))
	}
	return f.Close()
}

// openTrace opens the trace file as the workers will, to append, creating
// it if missing: a trace only grows, so this changes nothing, and a trace
// that cannot be written is found before the run starts.
func openTrace(path string) error {
	f, err := regular.Open(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return usagef("--trace %s: cannot be appended to: %v", path, pathErr(err))
	}
	return f.Close()
}

// pathErr is the reason in err without the path, which the caller names.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
