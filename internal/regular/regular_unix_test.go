//go:build unix

package regular_test

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/regular"
)

// bounded runs f and fails the test if it has not returned within a
// minute: an open of a FIFO that blocked would never return.
func bounded(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s: still blocked after a minute", what)
		return nil
	}
}

// others makes one of everything that is not a regular file.
func others(t *testing.T) map[string]string {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("SECRET\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{
		"named pipe (FIFO)": filepath.Join(dir, "fifo"),
		"directory":         filepath.Join(dir, "dir"),
		"symbolic link":     filepath.Join(dir, "link"),
		"socket":            filepath.Join(dir, "sock"),
		"character device":  "/dev/null",
	}
	if err := syscall.Mkfifo(paths["named pipe (FIFO)"], 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(paths["directory"], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, paths["symbolic link"]); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", paths["socket"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return paths
}

func TestRefusesWhatIsNotRegular(t *testing.T) {
	for kind, path := range others(t) {
		opens := map[string]func() error{
			"Open read": func() error {
				f, err := regular.Open(path, os.O_RDONLY, 0)
				if err == nil {
					f.Close()
				}
				return err
			},
			"Open write": func() error {
				f, err := regular.Open(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
				if err == nil {
					f.Close()
				}
				return err
			},
			"Open lock": func() error {
				f, err := regular.Open(path, os.O_RDONLY|os.O_CREATE, 0o644)
				if err == nil {
					f.Close()
				}
				return err
			},
			"ReadFile":  func() error { _, err := regular.ReadFile(path); return err },
			"WriteFile": func() error { return regular.WriteFile(path, []byte("5\n"), 0o644) },
			"Check":     func() error { return regular.Check(path) },
		}
		for name, open := range opens {
			err := bounded(t, name+" "+kind, open)
			if !errors.Is(err, regular.ErrNotRegular) {
				t.Errorf("%s of a %s: %v, want ErrNotRegular", name, kind, err)
				continue
			}
			var pe *fs.PathError
			msg := err.Error()
			if !errors.As(err, &pe) || pe.Path != path || !strings.Contains(msg, "is a "+kind+", not a regular file") || strings.Contains(msg, "\n") {
				t.Errorf("%s of a %s: %q, want one line naming the path and saying what is there", name, kind, msg)
			}
		}
	}
	// Nothing was written through the link.
	dir := filepath.Dir(others(t)["symbolic link"])
	if b, _ := os.ReadFile(filepath.Join(dir, "target")); string(b) != "SECRET\n" {
		t.Errorf("the link's target now holds %q", b)
	}
}

// A dangling link is not followed to create the file it points to.
func TestDanglingLinkCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	target, link := filepath.Join(dir, "target"), filepath.Join(dir, "link")
	os.Symlink(target, link)
	for _, flag := range []int{os.O_RDONLY | os.O_CREATE, os.O_WRONLY | os.O_CREATE | os.O_APPEND, os.O_RDWR | os.O_CREATE | os.O_EXCL} {
		if f, err := regular.Open(link, flag, 0o644); !errors.Is(err, regular.ErrNotRegular) {
			t.Errorf("open flag %#x: %v, want ErrNotRegular", flag, err)
			if f != nil {
				f.Close()
			}
		}
	}
	if err := regular.WriteFile(link, []byte("1\n"), 0o644); !errors.Is(err, regular.ErrNotRegular) {
		t.Errorf("WriteFile: %v, want ErrNotRegular", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the link's target exists: %v", err)
	}
}

func TestRegularFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "counter")
	if err := regular.Check(path); err != nil {
		t.Errorf("Check of a missing file: %v", err)
	}
	if _, err := regular.ReadFile(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v, want ErrNotExist", err)
	}
	for _, data := range []string{"12\n", "3\n", "", strings.Repeat("x", 100000)} {
		if err := regular.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		b, err := regular.ReadFile(path)
		if err != nil || string(b) != data {
			t.Fatalf("read back %d bytes (%v), want the %d written", len(b), err, len(data))
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode())
	}
	f, err := regular.Open(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("more")
	f.Close()
	if b, _ := os.ReadFile(path); !strings.HasSuffix(string(b), "xmore") {
		t.Errorf("append did not append")
	}
	if err := regular.Check(path); err != nil {
		t.Errorf("Check of a regular file: %v", err)
	}
	// A link in a folder on the way is followed: only the last element
	// must be the file itself.
	dir := t.TempDir()
	os.Symlink(filepath.Dir(path), filepath.Join(dir, "via"))
	if _, err := regular.ReadFile(filepath.Join(dir, "via", "counter")); err != nil {
		t.Errorf("read through a linked folder: %v", err)
	}
}
