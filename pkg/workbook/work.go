package workbook

import (
	"fmt"
	"os"
	"strconv"
	"strings"

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
//
// Each message is one Fprintln, that is one write: lines printed by several
// processes at once interleave whole (Python needs flush=True for that).
func readOrZero(filename string) int {
	if _, err := os.Stat(filename); err != nil {
		fmt.Fprintln(os.Stdout, "File doesn't exist, starting to count from 0.")
		return 0
	}
	data, err := regular.ReadFile(filename)
	if err != nil {
		fmt.Fprintln(os.Stdout, "File read error, starting to count from 0; error: "+err.Error())
		return 0
	}
	nbr, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		fmt.Fprintln(os.Stdout, "File read error, starting to count from 0; error: "+err.Error())
		return 0
	}
	return nbr
}

// overwrite writes next into filename in place, like Python's
// open(filename, "w"): the write first empties the file, then writes. A
// process reading between those two steps finds an empty file, hence
// `strconv.Atoi: parsing "": invalid syntax`, and starts again from 0.
// (regular.WriteFile is os.WriteFile that writes only to a regular file,
// never blocks on a FIFO and never follows a symbolic link planted where
// the counter should be; the race it takes part in is the same.)
func overwrite(filename string, next int) error {
	if err := regular.WriteFile(filename, []byte(strconv.Itoa(next)+"\n"), 0o644); err != nil {
		return fmt.Errorf("work %s: %w", filename, err)
	}
	return nil
}
