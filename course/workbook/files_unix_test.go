//go:build unix

package workbook

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/regular"
)

// Every file the counter opens is a regular file, opened without blocking
// and never through a symbolic link, whichever step meets it: Check before
// the run, and each read and write during it (a link planted between two
// increments by someone who can write the folder).
func TestCounterFilesOnlyRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o666); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(dir, "victim")
	const secret = "SECRET\n"
	os.WriteFile(victim, []byte(secret), 0o644)
	link := filepath.Join(dir, "link")
	os.Symlink(victim, link)
	file, lock := filepath.Join(dir, "parallel.txt"), filepath.Join(dir, "lock")

	steps := map[string]func() error{
		"Work on a FIFO":        func() error { return Work(1, fifo) },
		"Work on a link":        func() error { return Work(1, link) },
		"WorkSafe on a link":    func() error { return WorkSafe(1, link, lock) },
		"lock file a FIFO":      func() error { return WorkLocked(1, file, fifo) },
		"lock file a link":      func() error { return WorkLocked(1, file, link) },
		"trace a FIFO":          func() error { return Counter{File: file, Trace: fifo}.Run(1) },
		"trace a link":          func() error { return Counter{File: file, Trace: link}.Run(1) },
		"overwrite a link":      func() error { return overwrite(link, 5) },
		"overwrite a FIFO":      func() error { return overwrite(fifo, 5) },
		"replace over a link":   func() error { return replace(link, 5) },
		"openTrace of a link":   func() error { _, err := openTrace(link); return err },
		"openTrace of a FIFO":   func() error { _, err := openTrace(fifo); return err },
		"ReadCount of a FIFO":   func() error { _, err := ReadCount(fifo); return err },
		"ReadTrace of a FIFO":   func() error { _, err := ReadTrace(fifo); return err },
		"ReadCount of a link":   func() error { _, err := ReadCount(link); return err },
		"Check of a FIFO trace": func() error { return Counter{File: file, Trace: fifo}.Check(1) },
	}
	for name, step := range steps {
		done := make(chan error, 1)
		go func() { done <- step() }()
		select {
		case err := <-done:
			if name == "replace over a link" {
				// rename(2) replaces the link itself, never its target.
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
				os.Remove(link)
				os.Symlink(victim, link)
				continue
			}
			if !errors.Is(err, regular.ErrNotRegular) {
				t.Errorf("%s: %v, want ErrNotRegular", name, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s: blocked for a minute", name)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != secret {
		t.Errorf("the link's target now holds %q", b)
	}
	// readOrZero counts from 0 rather than read through the link (saying
	// why, as the workbook does, on stdout).
	if n := readOrZero(link); n != 0 {
		t.Errorf("readOrZero(link) = %d, want 0", n)
	}
}

// RemoveTemp removes the temp files of one dead writer, and nothing else.
func TestRemoveTemp(t *testing.T) {
	dir := t.TempDir()
	c := Counter{File: filepath.Join(dir, "c.txt"), CrashSafe: true}
	names := []string{"c.txt", ".c.txt.123.1.tmp", ".c.txt.123.7.tmp", ".c.txt.1234.1.tmp", ".c.txt.123.1.tmp.keep", ".d.txt.123.1.tmp"}
	for _, n := range names {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	if err := c.RemoveTemp(123); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := []string{".c.txt.123.1.tmp.keep", ".c.txt.1234.1.tmp", ".d.txt.123.1.tmp", "c.txt"}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}
