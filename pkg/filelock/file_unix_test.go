//go:build unix

package filelock_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/pkg/filelock"
)

// A lock file is only ever a regular file: a FIFO (whose open would block
// until someone opened its other end) and a symbolic link (another user's,
// planted at a shared path, would have the lock file created where it
// points) are refused at once, and left as they are.
func TestLockFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(dir, "target")
	dangling := filepath.Join(dir, "dangling")
	os.Symlink(target, dangling)
	existing := filepath.Join(dir, "existing")
	os.WriteFile(filepath.Join(dir, "real_lock"), nil, 0o644)
	os.Symlink(filepath.Join(dir, "real_lock"), existing)

	for _, p := range []string{fifo, dangling, existing} {
		done := make(chan error, 1)
		go func() { done <- filelock.New(p).LockTimeout(time.Second) }()
		select {
		case err := <-done:
			if err == nil || errors.Is(err, filelock.ErrTimeout) {
				t.Errorf("lock %s: %v, want an error saying it is not a regular file", p, err)
			}
			t.Log(err)
		case <-time.After(time.Minute):
			t.Fatalf("lock %s: blocked for a minute", p)
		}
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a lock file was created through the dangling link: %v", err)
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode().Type() != fs.ModeNamedPipe {
		t.Errorf("the FIFO is gone or changed: %v", err)
	}
}
