package grade

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/golocks/golocks/pkg/shared"
)

// RawValue checks that the shared raw value in the file at path
// (shared.OpenRaw) holds exactly want. It reads the value without creating
// the file: a missing file means the student's code never opened it.
func RawValue(path string, want int64) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s does not exist: open it with shared.OpenRaw(%q), set it to 0 and run the processes on it", path, path)
	}
	raw, err := shared.OpenRaw(path)
	if err != nil {
		return fmt.Errorf("cannot read the raw value: %w", err)
	}
	got := raw.Get()
	if err := raw.Close(); err != nil {
		return fmt.Errorf("cannot read the raw value: %w", err)
	}
	return Equal("the raw value in "+path, got, want)
}
