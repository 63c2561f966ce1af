//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A snapshot is what a run must not change about a file: which file it is,
// its type, size and times, where a link points, and its bytes (the first
// and last MiB of a large file, whose times and size say the rest).
type snapshot struct {
	exists       bool
	ino, rdev    uint64
	mode         uint32
	size         int64
	mtime, ctime unix.Timespec
	link         string
	head, tail   []byte
}

func snap(t *testing.T, path string) snapshot {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return snapshot{}
	}
	s := snapshot{exists: true, ino: st.Ino, rdev: st.Rdev, mode: st.Mode, size: st.Size, mtime: st.Mtim, ctime: st.Ctim}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		s.link, _ = os.Readlink(path)
	case unix.S_IFREG:
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		s.head, _ = io.ReadAll(io.LimitReader(f, 1<<20))
		if st.Size > 2<<20 {
			f.Seek(-1<<20, io.SeekEnd)
			s.tail, _ = io.ReadAll(f)
		}
	}
	return s
}

func (s snapshot) String() string {
	return fmt.Sprintf("{exists %v ino %d mode %o rdev %d size %d mtime %v link %q %d+%d bytes}", s.exists, s.ino, s.mode, s.rdev, s.size, s.mtime, s.link, len(s.head), len(s.tail))
}

func (s snapshot) equal(o snapshot) bool {
	return s.exists == o.exists && s.ino == o.ino && s.rdev == o.rdev && s.mode == o.mode && s.size == o.size &&
		s.mtime == o.mtime && s.ctime == o.ctime && s.link == o.link && bytes.Equal(s.head, o.head) && bytes.Equal(s.tail, o.tail)
}

// foreignFiles makes, in dir, one of each thing that --file, --lock-file
// or --trace might name by mistake and that golocks must leave as it is.
func foreignFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	p := func(name string) string { return filepath.Join(dir, name) }
	files := map[string]string{
		"fifo":     p("fifo"),
		"socket":   p("sock"),
		"notes":    p("notes.txt"),
		"large":    p("large.bin"),
		"counter":  p("counter.txt"),
		"digits":   p("digits.txt"),
		"link":     p("link"),
		"dangling": p("dangling"),
		"target":   p("target"),
		"device":   p("null"),
	}
	// A copy of /dev/null: as root golocks could delete the real one. A
	// user who is not root cannot make device files: the real one, then.
	if err := unix.Mknod(files["device"], unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		if os.Getuid() == 0 {
			t.Fatal(err)
		}
		files["device"] = "/dev/null"
	}
	if err := unix.Mkfifo(files["fifo"], 0o666); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", files["socket"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	write := func(path, data string) {
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(files["notes"], "my notes: not a counter\n")
	write(files["counter"], "7\n")
	write(files["digits"], "12345678901234567890\n1234567890\n") // more than a counter holds
	// 1 GiB, sparse: marks at both ends, nothing stored in between.
	write(files["large"], "start of a large file\n")
	if err := os.Truncate(files["large"], 1<<30); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(files["large"], os.O_WRONLY, 0)
	f.WriteAt([]byte("end\n"), 1<<30-4)
	f.Close()
	if err := os.Symlink(files["counter"], files["link"]); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(files["target"], files["dangling"]); err != nil {
		t.Fatal(err)
	}
	return files
}

// Issue 16, items 1 and 2: --file, --lock-file and --trace only ever name a
// regular file. Anything else, and a counter file holding something other
// than a counter, is refused in one line, exit 2, untouched: as root, which
// could otherwise delete a device, and with FIFOs, which would block an
// open for ever.
func TestForeignFilesUntouched(t *testing.T) {
	s := newSandbox(t)
	dir := s.mkdir(t, filepath.Join(s.dir, "files"), false)
	f := foreignFiles(t, dir)
	cases := []struct {
		args []string
		want string // in the error
	}{
		{[]string{"--file", f["device"]}, "is a character device, not a regular file"},
		{[]string{"--file", f["fifo"]}, "is a named pipe (FIFO), not a regular file"},
		{[]string{"--file", f["socket"]}, "is a socket, not a regular file"},
		{[]string{"--file", f["notes"]}, "holds something other than a counter"},
		{[]string{"--file", f["large"]}, "holds something other than a counter"},
		{[]string{"--file", f["digits"]}, "holds something other than a counter"},
		{[]string{"--file", f["link"]}, "is a symbolic link"},
		{[]string{"--file", f["dangling"]}, "is a symbolic link"},
		{[]string{"--file", f["fifo"], "--overwrite"}, "is a named pipe (FIFO)"},
		{[]string{"--file", f["device"], "--overwrite"}, "is a character device"},
		{[]string{"--file", f["link"], "--overwrite"}, "is a symbolic link"},
		{[]string{"--file", f["fifo"], "--lock", "file", "--crash-safe"}, "is a named pipe (FIFO)"},
		{[]string{"--lock", "file", "--lock-file", f["fifo"]}, "--lock-file " + f["fifo"] + ": is a named pipe (FIFO)"},
		{[]string{"--lock", "file", "--lock-file", f["device"]}, "is a character device"},
		{[]string{"--lock", "file", "--lock-file", f["socket"]}, "is a socket"},
		{[]string{"--lock", "file", "--lock-file", f["dangling"]}, "is a symbolic link"},
		{[]string{"--lock", "file", "--lock-file", f["link"]}, "is a symbolic link"},
		{[]string{"--trace", f["fifo"]}, "--trace " + f["fifo"] + ": is a named pipe (FIFO)"},
		{[]string{"--trace", f["device"]}, "is a character device"},
		{[]string{"--trace", f["link"]}, "is a symbolic link"},
		{[]string{"--trace", f["dangling"]}, "is a symbolic link"},
	}
	for _, c := range cases {
		before := map[string]snapshot{}
		for _, path := range f {
			before[path] = snap(t, path)
		}
		args := append([]string{"count", "--counts", "50,50", "--quiet"}, c.args...)
		r := s.golocks(t, runOpts{}, args...)
		name := strings.Join(c.args, " ")
		if r.code != 2 || r.stdout != "" || !strings.HasPrefix(r.stderr, "golocks count: ") || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, one line saying %q", name, r.code, r.stdout, r.stderr, c.want)
		}
		for _, path := range f {
			if after := snap(t, path); !after.equal(before[path]) {
				t.Errorf("%s: %s changed: %v, was %v", name, path, after, before[path])
			}
		}
	}
	if _, err := os.Lstat(f["target"]); err == nil {
		t.Error("a file was created where the dangling link points")
	}
}

// What --file may name: a counter (with or without its newline), an empty
// file, a missing file, and, with --overwrite, a regular file holding
// anything. Each is reset and counted.
func TestCounterFilesReset(t *testing.T) {
	s := newSandbox(t)
	dir := s.mkdir(t, filepath.Join(s.dir, "files"), false)
	for _, c := range []struct {
		name, content string
		overwrite     bool
	}{
		{"counter.txt", "1234\n", false},
		{"python.txt", "-17", false},
		// What two racing writers leave: a shorter number over a longer.
		{"raced.txt", "99\n\n", false},
		{"raced-more.txt", "9\n000\n", false},
		{"longest.txt", "-9223372036854775808", false},
		{"empty.txt", "", false},
		{"missing.txt", "", false},
		{"notes.txt", "my notes\n", true},
	} {
		path := filepath.Join(dir, c.name)
		if c.name != "missing.txt" {
			os.WriteFile(path, []byte(c.content), 0o644)
		}
		args := []string{"count", "--counts", "100,200", "--lock", "file", "--quiet", "--file", path}
		if c.overwrite {
			args = append(args, "--overwrite")
		}
		r := s.golocks(t, runOpts{}, args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "expected 300 got 300 lost 0 ") || r.stderr != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want the exact count", c.name, r.code, r.stdout, r.stderr)
		}
		if b, _ := os.ReadFile(path); string(b) != "300\n" {
			t.Errorf("%s: holds %q after the run, want 300", c.name, b)
		}
	}
}
