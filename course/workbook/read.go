package workbook

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/golocks/golocks/internal/regular"
)

// ReadCount returns the count in filename: use it to check a run's result
// ("expected 3000, got 1412"). Unlike Work it does not fall back to 0: a
// missing or unparsable file is an error.
func ReadCount(filename string) (int, error) {
	data, err := regular.ReadFile(filename)
	if err != nil {
		return 0, fmt.Errorf("read count: %w", err)
	}
	n, _, err := ParseCount(data)
	if err != nil {
		return 0, fmt.Errorf("read count %s: %w", filename, err)
	}
	return n, nil
}

// PrintCount prints the count in filename, "parallel.txt holds 1412", and
// returns nil, or returns ReadCount's error without printing: end a
// notebook cell with it to show a run's result, and the kernel shows the
// error (a missing or unparsable file) when there is one.
func PrintCount(filename string) error {
	n, err := ReadCount(filename)
	if err != nil {
		return err
	}
	fmt.Println(filename, "holds", n)
	return nil
}

// ParseCount parses what a counter file holds: a decimal number, written
// by Work as the number and a newline, with any white space around it
// allowed. text is the contents trimmed, for messages ("" for an empty
// file, which a reader finds when it reads between a writer's truncate
// and its write). Every reader of a counter file parses it here: Work,
// ReadCount, Counter, and package grade's checks.
func ParseCount(data []byte) (n int, text string, err error) {
	text = strings.TrimSpace(string(data))
	n, err = strconv.Atoi(text)
	return n, text, err
}

// formatCount is what Work writes into a counter file: n and a newline.
func formatCount(n int) []byte { return []byte(strconv.Itoa(n) + "\n") }
