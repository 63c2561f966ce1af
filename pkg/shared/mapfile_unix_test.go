//go:build unix

package shared

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/regular"
)

// A FIFO would block an open for reading or writing until its other end is
// opened: it is refused at once, and left a FIFO.
func TestFIFORefused(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for kind, open := range map[string]func(string) error{"value": openValue, "raw": openRaw, "mutex": openMutex} {
		done := make(chan error, 1)
		go func() { done <- open(fifo) }()
		select {
		case err := <-done:
			if !errors.Is(err, regular.ErrNotRegular) {
				t.Errorf("%s on a FIFO: %v, want ErrNotRegular", kind, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s on a FIFO: blocked for a minute", kind)
		}
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(fifo, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		t.Errorf("the FIFO is gone or changed: %v", err)
	}
}
