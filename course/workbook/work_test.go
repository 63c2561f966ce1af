package workbook_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golocks/golocks/course/workbook"
)

const (
	msgMissing = "File doesn't exist, starting to count from 0.\n"
	msgRead    = "File read error, starting to count from 0; error: "
)

// Exercise 1: one process counts exactly, printing one message.
func TestWorkSerial(t *testing.T) {
	file := filepath.Join(t.TempDir(), "serial.txt")
	out := captureStdout(t, func() {
		if err := workbook.Work(1000, file); err != nil {
			t.Fatal(err)
		}
	})
	if out != msgMissing {
		t.Errorf("printed %q, want %q", out, msgMissing)
	}
	if n, err := workbook.ReadCount(file); n != 1000 || err != nil {
		t.Errorf("ReadCount = %d, %v; want 1000", n, err)
	}
	// Warning in the workbook: running again keeps counting up.
	if err := workbook.Work(10, file); err != nil {
		t.Fatal(err)
	}
	if n, _ := workbook.ReadCount(file); n != 1010 {
		t.Errorf("second run: %d, want 1010", n)
	}
	if b, _ := os.ReadFile(file); string(b) != "1010\n" {
		t.Errorf("file holds %q, want %q", b, "1010\n")
	}
}

// What a racing reader sees: an empty (just truncated) file gives Go's
// version of the seed's message, and counting restarts from 0.
func TestWorkReadError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "parallel.txt")
	for content, msg := range map[string]string{
		"":       msgRead + `strconv.Atoi: parsing "": invalid syntax` + "\n",
		"12ab\n": msgRead + `strconv.Atoi: parsing "12ab": invalid syntax` + "\n",
	} {
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		out := captureStdout(t, func() {
			if err := workbook.Work(1, file); err != nil {
				t.Fatal(err)
			}
		})
		if out != msg {
			t.Errorf("content %q: printed %q, want %q", content, out, msg)
		}
		if n, _ := workbook.ReadCount(file); n != 1 {
			t.Errorf("content %q: count %d, want 1", content, n)
		}
	}
}

func TestSourceIsWork(t *testing.T) {
	b, err := os.ReadFile("work.go")
	if err != nil {
		t.Fatal(err)
	}
	if workbook.Source != string(b) {
		t.Error("Source differs from work.go")
	}
	for _, want := range []string{"func Work(maxCount int, filename string) error", strings.TrimSuffix(msgMissing, "\n"), msgRead, "os.WriteFile"} {
		if !strings.Contains(workbook.Source, want) {
			t.Errorf("Source lacks %q", want)
		}
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.txt")
	if _, err := workbook.ReadCount(file); err == nil {
		t.Error("missing file: no error")
	}
	for content, want := range map[string]int{"42\n": 42, " 7 ": 7, "0": 0} {
		os.WriteFile(file, []byte(content), 0o644)
		if n, err := workbook.ReadCount(file); n != want || err != nil {
			t.Errorf("ReadCount(%q) = %d, %v; want %d", content, n, err, want)
		}
	}
	for _, content := range []string{"", "x", "1\n2\n"} {
		os.WriteFile(file, []byte(content), 0o644)
		if _, err := workbook.ReadCount(file); err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("ReadCount(%q): %v, want an error naming the file", content, err)
		}
	}
}

// Rejected calls fail before any work and leave an existing counter alone.
func TestValidation(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "parallel.txt")
	lock := filepath.Join(dir, "tmp_lock")
	missing := filepath.Join(dir, "nope", "parallel.txt")
	if err := os.WriteFile(file, []byte("17\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func() error{
		"negative":                func() error { return workbook.Work(-1, file) },
		"negative locked":         func() error { return workbook.WorkLocked(-1, file, lock) },
		"missing dir":             func() error { return workbook.Work(1, missing) },
		"missing dir locked":      func() error { return workbook.WorkSafe(1, missing, lock) },
		"file is a dir":           func() error { return workbook.Work(1, dir) },
		"empty file name":         func() error { return workbook.Work(1, "") },
		"lock is a dir":           func() error { return workbook.WorkLocked(1, file, dir) },
		"lock is a dir, per inc":  func() error { return workbook.WorkLockedPerIncrement(1, file, dir) },
		"lock in missing dir":     func() error { return workbook.WorkSafe(1, file, filepath.Join(dir, "nope", "l")) },
		"empty lock":              func() error { return workbook.WorkLocked(1, file, "") },
		"lock is the file":        func() error { return workbook.WorkSafe(1, file, file) },
		"negative timeout":        func() error { return workbook.Counter{File: file, LockFile: lock, Timeout: -1}.Run(1) },
		"trace is the file":       func() error { return workbook.Counter{File: file, Trace: file}.Run(1) },
		"trace in missing dir":    func() error { return workbook.Counter{File: file, Trace: missing}.Run(1) },
		"file in a file's subdir": func() error { return workbook.Work(1, filepath.Join(file, "x")) },
	}
	for name, f := range cases {
		var err error
		out := captureStdout(t, func() { err = f() })
		if err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
		if out != "" {
			t.Errorf("%s: printed %q before failing", name, out)
		}
		if n, err := workbook.ReadCount(file); n != 17 || err != nil {
			t.Fatalf("%s: counter now %d, %v; want it untouched (17)", name, n, err)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("file created in a missing directory")
	}
	if err := workbook.Work(0, file); err != nil {
		t.Errorf("Work(0): %v", err)
	}
}
