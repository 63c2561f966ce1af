package workbook

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/golocks/golocks/internal/regular"
)

// Work is the workbook's work function: maxCount times, read the number in
// filename, add one and write it back. Run it on one process to count to
// maxCount; run it on several processes sharing filename to watch updates
// get lost: this is the code that races.
//
// Like the Python original it says "File doesn't exist, starting to count
// from 0." or "File read error, starting to count from 0; error: ..." and
// carries on from 0. It returns an error, before touching anything, for a
// negative maxCount or a filename in a missing directory, and for a failed
// write.
func Work(maxCount int, filename string) error {
	if err := checkArgs(maxCount, filename); err != nil {
		return err
	}
	for range maxCount {
		// Check for data already present
		nbr := readOrZero(filename)

		// Update data
		next := nbr + 1

		// Write update (overwrite existing data)
		if err := overwrite(filename, next); err != nil {
			return err
		}
	}
	return nil
}

// readOrZero returns the number in filename, or 0 after printing why not.
func readOrZero(filename string) int {
	n, _, _, _ := readNote(filename, nil)
	return n
}

// readNote is readOrZero that also says, when it returns 0 for want of a
// number, what it found instead (for a Step's Reset): "no file", "an empty
// file", "a read error: ...", or the text it could not parse, quoted. With
// a clock (for a Step), it also returns when the read began and ended:
// just before and after the file is read, after the check that it exists
// and before any message, so that the steps of several processes are
// ordered as they really read and wrote.
//
// Each message is one Fprintln, that is one write: lines printed by several
// processes at once interleave whole (Python needs flush=True for that).
func readNote(filename string, clock func() time.Time) (nbr int, reset string, start, end time.Time) {
	now := func() time.Time {
		if clock == nil {
			return time.Time{}
		}
		return clock()
	}
	if _, err := os.Stat(filename); err != nil {
		start = now()
		fmt.Fprintln(os.Stdout, "File doesn't exist, starting to count from 0.")
		return 0, "no file", start, start
	}
	start = now()
	data, err := regular.ReadFile(filename)
	end = now()
	if err != nil {
		fmt.Fprintln(os.Stdout, "File read error, starting to count from 0; error: "+err.Error())
		return 0, "a read error: " + err.Error(), start, end
	}
	nbr, text, err := ParseCount(data)
	if err != nil {
		fmt.Fprintln(os.Stdout, "File read error, starting to count from 0; error: "+err.Error())
		if text == "" {
			return 0, "an empty file", start, end
		}
		return 0, strconv.Quote(text), start, end
	}
	return nbr, "", start, end
}

// overwrite writes next into filename in place, like Python's
// open(filename, "w"): the write first empties the file, then writes. A
// process reading between those two steps finds an empty file, hence
// `strconv.Atoi: parsing "": invalid syntax`, and starts again from 0.
// (regular.WriteFile is os.WriteFile that writes only to a regular file,
// never blocks on a FIFO and never follows a symbolic link planted where
// the counter should be; the race it takes part in is the same.)
func overwrite(filename string, next int) error {
	if err := regular.WriteFile(filename, formatCount(next), 0o644); err != nil {
		return fmt.Errorf("work %s: %w", filename, err)
	}
	return nil
}

// overwriteAt is overwrite that also says when the new number was in the
// file: after the write, before the close (which, on ext4, may wait for
// the disk, long after other processes can read the number).
func overwriteAt(filename string, next int, clock func() time.Time) (time.Time, error) {
	f, err := regular.Open(filename, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return time.Time{}, fmt.Errorf("work %s: %w", filename, err)
	}
	_, err = f.Write([]byte(strconv.Itoa(next) + "\n"))
	end := clock()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return end, fmt.Errorf("work %s: %w", filename, err)
	}
	return end, nil
}
