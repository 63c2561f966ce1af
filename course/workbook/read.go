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
	n, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, fmt.Errorf("read count %s: %w", filename, err)
	}
	return n, nil
}
