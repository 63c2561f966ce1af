package grade

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/regular"
)

// Count checks that the counter file at path holds exactly want: what a
// run that loses no update leaves (one process, or processes that take
// turns under a lock). Use CountAtMost for a racy run.
func Count(path string, want int) error {
	if want < 1 {
		return fmt.Errorf("grade.Count(%q, %d): the count wanted must be at least 1", path, want)
	}
	n, err := readCount(path)
	if err != nil {
		return err
	}
	switch {
	case n == want:
		return nil
	case n > want:
		return tooMany(path, n, want)
	case n < 1:
		return fmt.Errorf("%s holds %d, not %d: a run of work leaves at least 1", path, n, want)
	default:
		return fmt.Errorf("%s holds %d, not %d: %d updates are missing (lost to a race, or never made: check the counts your code ran)",
			path, n, want, want-n)
	}
}

// CountAtMost checks that the counter file at path holds a count from 1 to
// max: what a racy run of max increments always leaves. Updates may be
// lost, never invented; whether this run lost any is chance, so it is not
// checked.
func CountAtMost(path string, max int) error {
	if max < 1 {
		return fmt.Errorf("grade.CountAtMost(%q, %d): the most wanted must be at least 1", path, max)
	}
	n, err := readCount(path)
	if err != nil {
		return err
	}
	switch {
	case n > max:
		return tooMany(path, n, max)
	case n < 1:
		return fmt.Errorf("%s holds %d: a run of work leaves at least 1", path, n)
	}
	return nil
}

// readCount reads the number in a counter file, with the errors a student
// can act on. Only a regular file is read (internal/regular): a FIFO or a
// device at path would otherwise block the cell or never end.
func readCount(path string) (int, error) {
	data, err := regular.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("%s does not exist: run your code first; it must leave its count there", path)
	}
	if err != nil {
		return 0, fmt.Errorf("cannot read %s: %w", path, err)
	}
	n, text, err := workbook.ParseCount(data)
	if err != nil {
		return 0, fmt.Errorf("%s holds %q, not a number: was a process stopped while writing it? Delete it and run your code again", path, text)
	}
	return n, nil
}

func tooMany(path string, n, max int) error {
	return fmt.Errorf("%s holds %d, more than the %d increments made: it went on counting from an earlier run; delete it before each run (os.Remove(%q))",
		path, n, max, path)
}

// Equal checks that the number called what (a variable's name, as the
// student knows it) is exactly want: a count made under a lock, or with
// atomic operations.
func Equal(what string, got, want int64) error {
	switch {
	case got == want:
		return nil
	case got == 0:
		return fmt.Errorf("%s is 0, not %d: did your code run?", what, want)
	case got > want:
		return fmt.Errorf("%s is %d, more than the %d increments made: did it start from 0?", what, got, want)
	default:
		return fmt.Errorf("%s is %d, not %d: %d increments were lost", what, got, want, want-got)
	}
}

// AtMost checks that the number called what is from 1 to max: what a racy
// count of max increments always ends at.
func AtMost(what string, got, max int64) error {
	switch {
	case got < 1:
		return fmt.Errorf("%s is %d: did your code run?", what, got)
	case got > max:
		return fmt.Errorf("%s is %d, more than the %d increments made: did it start from 0?", what, got, max)
	}
	return nil
}

// Measured checks that the duration called what was measured: it is more
// than zero. It asserts nothing about how long anything took (that depends
// on the machine and its load).
func Measured(what string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%s is %v: time the run (start := time.Now() before it, %s = time.Since(start) after it)", what, d, what)
	}
	return nil
}
