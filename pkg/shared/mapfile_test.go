package shared

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/golocks/golocks/internal/regular"
)

func TestCreateAndReuse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "value")
	v, err := OpenValue(path)
	if err != nil {
		t.Fatal(err)
	}
	if v.Path() != path || v.Get() != 0 {
		t.Fatalf("new value: path %q value %d", v.Path(), v.Get())
	}
	if got := v.Add(41); got != 41 {
		t.Fatalf("Add = %d", got)
	}
	v.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 32 || !bytes.HasPrefix(b, []byte(fileMagic)) {
		t.Fatalf("file %q: want 32 bytes starting with the magic", b)
	}
	if got := int64(binary.NativeEndian.Uint64(b[valueOffset:])); got != 41 {
		t.Fatalf("value in the file = %d, want 41", got)
	}
	v, err = OpenValue(path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if got := v.Add(1); got != 42 {
		t.Fatalf("reopened value after Add(1) = %d, want 42", got)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %v; want only the value file (no temporary files)", names)
	}
}

// Many openers of a missing file at once: one file, one value, no leftovers.
func TestConcurrentCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "value")
	const openers = 16
	var wg sync.WaitGroup
	errs := make(chan error, openers)
	for i := 0; i < openers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := OpenValue(path)
			if err != nil {
				errs <- err
				return
			}
			v.Add(1)
			errs <- v.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	v, err := OpenValue(path)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if v.Get() != openers {
		t.Fatalf("value %d, want %d: some opener got its own file", v.Get(), openers)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("directory holds %v; want only the value file", names)
	}
}

// Files that are not ours, or not of the wanted kind, are refused and left
// byte for byte as they were.
func TestForeignFileUntouched(t *testing.T) {
	header := func(version uint32, kind fileKind, size int) []byte {
		b := make([]byte, size)
		copy(b, fileMagic)
		binary.LittleEndian.PutUint32(b[8:], version)
		binary.LittleEndian.PutUint32(b[12:], uint32(kind))
		return b
	}
	cases := []struct {
		name    string
		content []byte
		open    func(string) error
		msg     string
	}{
		{"text", []byte("my precious notes\n"), openValue, "18 bytes"},
		{"empty", nil, openMutex, "0 bytes"},
		{"same size, no magic", []byte(strings.Repeat("x", 32)), openValue, "no golocks header"},
		{"older version", header(1, kindValue, 32), openValue, "format version 1, this library reads version 2 (written by an older golocks: delete the file to start over"},
		{"older mutex", header(1, kindMutex, 24), openMutex, "format version 1"},
		{"newer version", header(fileVersion+1, kindValue, 32), openValue, "written by a newer golocks"},
		{"mutex opened as raw", header(fileVersion, kindMutex, 24), openRaw, "holds a golocks mutex, not a raw value"},
		{"raw opened as mutex", header(fileVersion, kindRaw, 24), openMutex, "holds a golocks raw value, not a mutex"},
		{"value opened as raw", header(fileVersion, kindValue, 32), openRaw, "32 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(path, c.content, 0o644); err != nil {
				t.Fatal(err)
			}
			err := c.open(path)
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.msg) {
				t.Errorf("open = %v; want ErrFormat naming %s and saying %q", err, path, c.msg)
			}
			after, rerr := os.ReadFile(path)
			if rerr != nil || !bytes.Equal(after, c.content) {
				t.Errorf("file changed: %q, want %q (%v)", after, c.content, rerr)
			}
		})
	}
}

func TestBadPaths(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-dir", "value")
	cases := []struct {
		name, path string
		is         error
		msg        string
	}{
		{"directory", dir, nil, "is a directory"},
		{"missing directory", missing, fs.ErrNotExist, "does not exist"},
		{"empty", "", nil, "empty path"},
		// A link is never followed (package regular), dangling or not:
		// the file where it points is neither created nor used.
		{"dangling symlink", filepath.Join(dir, "dangling"), regular.ErrNotRegular, "is a symbolic link"},
		{"symlink", filepath.Join(dir, "link"), regular.ErrNotRegular, "is a symbolic link"},
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "target"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}

	for _, c := range cases {
		for kind, open := range map[string]func(string) error{"value": openValue, "raw": openRaw, "mutex": openMutex} {
			err := open(c.path)
			if err == nil || !strings.Contains(err.Error(), c.msg) || (c.is != nil && !errors.Is(err, c.is)) {
				t.Errorf("%s, %s: %v; want an error saying %q", c.name, kind, err, c.msg)
			}
			if err != nil && c.path != "" && !strings.Contains(err.Error(), c.path) {
				t.Errorf("%s, %s: error %q does not name the path", c.name, kind, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing directory was created: %v", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"dangling", "link"}) {
		t.Errorf("directory holds %v; want only the links the test made", names)
	}
}

func openValue(p string) error { return closeIfOpen(OpenValue(p)) }
func openRaw(p string) error   { return closeIfOpen(OpenRaw(p)) }
func openMutex(p string) error { return closeIfOpen(OpenMutex(p)) }

func closeIfOpen[T interface{ Close() error }](x T, err error) error {
	if err == nil {
		x.Close()
	}
	return err
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
