package grade

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/pkg/shared"
	"github.com/golocks/golocks/runtime/pool"
)

// write makes a file holding content in a fresh folder and returns its path.
func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "count.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wantErr checks that err is nil when want is "", else that it mentions
// every part of want (separated by "|").
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("got error %q, want none", err)
		}
		return
	}
	if err == nil {
		t.Errorf("got no error, want one mentioning %q", want)
		return
	}
	for _, part := range strings.Split(want, "|") {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %q", err, part)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		content string
		want    int
		err     string
	}{
		{"1000\n", 1000, ""},
		{"1000", 1000, ""},
		{"999\n", 1000, "holds 999, not 1000|1 updates are missing"},
		{"2000\n", 1000, "more than the 1000 increments|earlier run|os.Remove"},
		{"\n", 1000, `holds "", not a number`},
		{"abc", 1000, `holds "abc", not a number`},
		{"0\n", 1000, "holds 0, not 1000|at least 1"},
	} {
		wantErr(t, Count(write(t, tc.content), tc.want), tc.err)
	}
	missing := filepath.Join(t.TempDir(), "serial.txt")
	wantErr(t, Count(missing, 1000), "serial.txt does not exist|run your code first")
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("Count created %s", missing)
	}
	wantErr(t, Count(write(t, "1"), 0), "at least 1")
}

func TestCountAtMost(t *testing.T) {
	for _, tc := range []struct {
		content string
		err     string
	}{
		{"3000\n", ""},
		{"1\n", ""},
		{"1412\n", ""},
		{"3001\n", "holds 3001, more than the 3000"},
		{"0\n", "holds 0|at least 1"},
		{"-5\n", "holds -5"},
		{"", `holds "", not a number`},
	} {
		wantErr(t, CountAtMost(write(t, tc.content), 3000), tc.err)
	}
	wantErr(t, CountAtMost(filepath.Join(t.TempDir(), "parallel.txt"), 3000), "parallel.txt does not exist")
	wantErr(t, CountAtMost(write(t, "1"), 0), "at least 1")
}

func TestEqualAndAtMost(t *testing.T) {
	wantErr(t, Equal("count", 1000000, 1000000), "")
	wantErr(t, Equal("count", 0, 1000000), "count is 0, not 1000000|did your code run")
	wantErr(t, Equal("count", 999000, 1000000), "count is 999000, not 1000000|1000 increments were lost")
	wantErr(t, Equal("count", 2000000, 1000000), "more than the 1000000|start from 0")
	wantErr(t, AtMost("the shared value", 1, 4000000), "")
	wantErr(t, AtMost("the shared value", 4000000, 4000000), "")
	wantErr(t, AtMost("the shared value", 0, 4000000), "the shared value is 0|did your code run")
	wantErr(t, AtMost("the shared value", 4000001, 4000000), "more than the 4000000")
	wantErr(t, Measured("tSerial", time.Millisecond), "")
	wantErr(t, Measured("tSerial", 0), "tSerial is 0s|tSerial = time.Since(start)")
}

func TestRawValue(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "raw.shm")
	wantErr(t, RawValue(path, 4), "raw.shm does not exist|shared.OpenRaw")
	if _, err := os.Stat(path); err == nil {
		t.Fatalf("RawValue created %s", path)
	}
	raw, err := shared.OpenRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.Set(4)
	wantErr(t, RawValue(path, 4), "")
	raw.Set(3)
	wantErr(t, RawValue(path, 4), "raw.shm is 3, not 4|1 increments were lost")

	value := filepath.Join(dir, "value.shm")
	v, err := shared.OpenValue(value)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	wantErr(t, RawValue(value, 4), "cannot read the raw value")
}

// count is the workbook's work: maxCount times, read the number in
// filename (0 if there is none), add one, write it back.
func count(maxCount int, filename string) error {
	for range maxCount {
		nbr := 0
		if data, err := os.ReadFile(filename); err == nil {
			nbr, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		}
		if err := os.WriteFile(filename, []byte(strconv.Itoa(nbr+1)+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// locked is work with the lock at lockPath around each call.
func locked(lockPath string, work func(int, string) error) func(int, string) error {
	return func(n int, f string) error {
		lock := filelock.New(lockPath)
		if err := lock.Lock(); err != nil {
			return err
		}
		defer lock.Unlock()
		return work(n, f)
	}
}

// The functions HoldsLock must tell apart, each made for a lock file.
var lockPlacements = []struct {
	name string
	make func(t *testing.T, lockPath string) func(int, string) error
	err  string
}{
	{"per call", func(t *testing.T, lockPath string) func(int, string) error {
		return locked(lockPath, count)
	}, ""},
	{"per increment", func(t *testing.T, lockPath string) func(int, string) error {
		return func(n int, f string) error {
			lock := filelock.New(lockPath)
			defer lock.Close()
			for range n {
				if err := lock.Lock(); err != nil {
					return err
				}
				err := count(1, f)
				lock.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		}
	}, ""},
	{"no lock", func(t *testing.T, lockPath string) func(int, string) error {
		return count
	}, "read the counter file while|counter.lock was free"},
	{"unlocked before work", func(t *testing.T, lockPath string) func(int, string) error {
		return func(n int, f string) error {
			lock := filelock.New(lockPath)
			if err := lock.Lock(); err != nil {
				return err
			}
			lock.Unlock()
			return count(n, f)
		}
	}, "was free|take the lock before the file is read"},
	{"another lock file", func(t *testing.T, lockPath string) func(int, string) error {
		return func(n int, f string) error {
			lock := filelock.New(lockPath + ".other")
			if err := lock.Lock(); err != nil {
				return err
			}
			defer lock.Unlock()
			return count(n, f)
		}
	}, "was free"},
	{"lock only the write", func(t *testing.T, lockPath string) func(int, string) error {
		return func(n int, f string) error {
			lock := filelock.New(lockPath)
			defer lock.Close()
			for range n {
				data, _ := os.ReadFile(f)
				nbr, _ := strconv.Atoi(strings.TrimSpace(string(data)))
				if err := lock.Lock(); err != nil {
					return err
				}
				err := os.WriteFile(f, []byte(strconv.Itoa(nbr+1)), 0o644)
				lock.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		}
	}, "read the counter file while"},
	{"never unlocked", func(t *testing.T, lockPath string) func(int, string) error {
		return func(n int, f string) error {
			lock := filelock.New(lockPath)
			if err := lock.Lock(); err != nil {
				return err
			}
			t.Cleanup(func() { lock.Unlock() })
			return count(n, f)
		}
	}, "still held after|defer lock.Unlock()"},
	{"never calls work", func(t *testing.T, lockPath string) func(int, string) error {
		return func(int, string) error { return nil }
	}, "returned without reading filename"},
	{"another file", func(t *testing.T, lockPath string) func(int, string) error {
		other := filepath.Join(t.TempDir(), "parallel.txt")
		return func(n int, f string) error { return count(n, other) }
	}, "returned without reading filename"},
	{"one increment only", func(t *testing.T, lockPath string) func(int, string) error {
		return locked(lockPath, func(n int, f string) error { return count(1, f) })
	}, "read filename 1 time(s), not 2"},
	{"one increment too many", func(t *testing.T, lockPath string) func(int, string) error {
		return locked(lockPath, func(n int, f string) error { return count(n+1, f) })
	}, "more than 2 times"},
	{"returns an error", func(t *testing.T, lockPath string) func(int, string) error {
		return locked(lockPath, func(n int, f string) error { count(n, f); return errors.New("disk full") })
	}, "returned an error: disk full"},
	{"panics", func(t *testing.T, lockPath string) func(int, string) error {
		return func(int, string) error { panic("oops") }
	}, "panicked: oops"},
	{"nil", func(t *testing.T, lockPath string) func(int, string) error { return nil }, "is nil"},
}

func TestHoldsLock(t *testing.T) {
	for _, tc := range lockPlacements {
		t.Run(tc.name, func(t *testing.T) {
			lockPath := filepath.Join(t.TempDir(), "counter.lock")
			wantErr(t, HoldsLock(tc.make(t, lockPath), lockPath), tc.err)
		})
	}
}

func TestHoldsLockLockHeldBefore(t *testing.T) {
	lockPath := filepath.Join(t.TempDir(), "counter.lock")
	held := filelock.New(lockPath)
	if err := held.Lock(); err != nil {
		t.Fatal(err)
	}
	defer held.Unlock()
	err := HoldsLock(func(int, string) error {
		t.Error("the function ran although the lock was held")
		return nil
	}, lockPath)
	wantErr(t, err, "held before the test starts")
}

func TestAll(t *testing.T) {
	wantErr(t, All(), "")
	wantErr(t, All(nil, nil), "")
	err := All(nil, Equal("a", 1, 2), nil, Equal("b", 3, 4))
	wantErr(t, err, "a is 1, not 2|b is 3, not 4")
	if err != nil && len(strings.Split(err.Error(), "\n")) != 2 {
		t.Errorf("All: %q, want one failure per line", err)
	}
}

// ReadsUnlocked passes the lock around the write alone, and fails the
// placements that hold the lock at the read, or do not count.
func TestReadsUnlocked(t *testing.T) {
	want := map[string]string{
		"per call":            "held|while it read the counter file|write alone",
		"per increment":       "held|while it read the counter file",
		"lock only the write": "",
		"no lock":             "", // the write is not looked at
		"never calls work":    "returned without reading filename",
		"never unlocked":      "held|while it read",
		"nil":                 "is nil",
	}
	for _, tc := range lockPlacements {
		w, ok := want[tc.name]
		if !ok {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			lockPath := filepath.Join(t.TempDir(), "counter.lock")
			wantErr(t, ReadsUnlocked(tc.make(t, lockPath), lockPath), w)
		})
	}
}

func TestProcesses(t *testing.T) {
	wantErr(t, Processes("p", pool.New(2), 2), "")
	wantErr(t, Processes("p", pool.New(1), 2), "p runs 1 process at a time|nothing races|pool.New(2)")
	wantErr(t, Processes("p", pool.New(4), 2), "p runs 4 processes at a time, not the 2")
	wantErr(t, Processes("p", nil, 2), "p is nil|pool.New(2)")
}

func TestPrediction(t *testing.T) {
	wantErr(t, Prediction("guess", 1, 1, "think"), "")
	wantErr(t, Prediction("guess", 0, 1, "think"), "guess is 0|write your prediction")
	err := Prediction("guess", 2, 1, "who read what?")
	wantErr(t, err, "guess is 2, not what happens|who read what?")
	if err != nil && strings.Contains(err.Error(), "1") {
		t.Errorf("Prediction gives the answer away: %v", err)
	}
}

func TestPaused(t *testing.T) {
	ev := func(who, what, label string) workbook.Event {
		return workbook.Event{Who: who, What: what, Label: label}
	}
	hold := ev("A", workbook.EventHold, "token 1")
	late := ev("A", workbook.EventPause, "paused 300ms, past its TTL")
	inTime := ev("A", workbook.EventPause, "paused 0s, within its TTL")
	write := ev("A", workbook.EventWrite, "token 1: wrote 1 over 3")
	refused := ev("A", workbook.EventRejected, "token 1: rejected")
	run := func(got int64, events ...workbook.Event) workbook.PausedRun {
		return workbook.PausedRun{Expected: 4, Got: got, Events: events}
	}
	wantErr(t, Paused("unfenced", run(1, hold, late, write), false), "")
	wantErr(t, Paused("unfenced", run(4, hold, inTime, write), false), "in unfenced, A woke while its lock was still its own|longer than the TTL")
	wantErr(t, Paused("unfenced", workbook.PausedRun{}, false), "unfenced is empty")
	wantErr(t, Paused("fenced", run(4, hold, late, refused), true), "")
	wantErr(t, Paused("fenced", run(1, hold, late, write), true), "A's late write landed|refuse a token older")
	wantErr(t, Paused("fenced", run(4, hold, inTime, write), true), "still its own")
}

func TestReset(t *testing.T) {
	read := func(proc, file, reset string) stepper.Step {
		return stepper.Step{Proc: proc, Op: stepper.Read, File: file, Reset: reset}
	}
	empty := &stepper.Trace{Steps: []stepper.Step{
		read("A", "(no file)", "no file"),
		{Proc: "A", Op: stepper.Truncate, File: ""},
		read("B", "", "empty file"),
	}}
	wantErr(t, Reset("r", empty), "")
	noFileOnly := &stepper.Trace{Steps: []stepper.Step{read("A", "(no file)", "no file"), read("B", "(no file)", "no file")}}
	wantErr(t, Reset("r", noFileOnly), "no read in r found the file empty|truncate")
	wantErr(t, Reset("r", nil), "r ran no step")
	wantErr(t, Reset("r", &stepper.Trace{}), "r ran no step")
}
