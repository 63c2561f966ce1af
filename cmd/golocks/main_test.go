package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain makes the test binary stand in for the golocks binary: the pool
// finds it through $GOLOCKS_WORKER, and a child started with
// GOLOCKS_TEST_AS_MAIN=1 runs main's code, as `golocks worker ...` would.
func TestMain(m *testing.M) {
	if os.Getenv("GOLOCKS_TEST_AS_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Setenv("GOLOCKS_TEST_AS_MAIN", "1")
	os.Setenv("GOLOCKS_WORKER", os.Args[0])
	os.Exit(m.Run())
}

// golocks runs the command in this process and returns its exit status and
// output.
func golocks(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// runJSON runs an experiment with --json and decodes its one line.
func runJSON(t *testing.T, args ...string) result {
	t.Helper()
	code, out, errOut := golocks(append(args, "--json")...)
	if code != 0 {
		t.Fatalf("golocks %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var r result
	if err := json.Unmarshal([]byte(out), &r); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("golocks %s: stdout %q is not one JSON object: %v", strings.Join(args, " "), out, err)
	}
	var keys map[string]any
	json.Unmarshal([]byte(out), &keys)
	if len(keys) != 4 {
		t.Fatalf("JSON keys %v, want exactly expected, got, lost, elapsed_s", keys)
	}
	if r.Lost != r.Expected-r.Got || r.Elapsed <= 0 {
		t.Fatalf("inconsistent result %+v", r)
	}
	return r
}

func TestCountLockedIsExact(t *testing.T) {
	for _, granularity := range []string{"call", "increment"} {
		for _, procs := range []int{2, 4, 8} {
			counts := strings.TrimSuffix(strings.Repeat("300,", procs), ",")
			for trial := 0; trial < 2; trial++ {
				r := runJSON(t, "count", "--procs", fmt.Sprint(procs), "--counts", counts,
					"--lock", "file", "--granularity", granularity)
				if r.Lost != 0 || r.Got != int64(300*procs) {
					t.Errorf("%s lock, %d procs: %+v, want exactly %d", granularity, procs, r, 300*procs)
				}
			}
		}
	}
}

func TestCountCrashSafeIsExact(t *testing.T) {
	r := runJSON(t, "count", "--procs", "4", "--counts", "200,200,200,200", "--lock", "file", "--granularity", "increment", "--crash-safe")
	if r.Lost != 0 {
		t.Errorf("crash-safe run lost updates: %+v", r)
	}
}

func TestCountUnlockedLosesUpdates(t *testing.T) {
	const trials = 10
	for i := 0; i < trials; i++ {
		r := runJSON(t, "count", "--procs", "2", "--counts", "2000,2000", "--quiet")
		if r.Got > r.Expected || r.Got < 0 {
			t.Fatalf("trial %d: got %d of %d: outside [0, expected]", i, r.Got, r.Expected)
		}
		if r.Lost > 0 {
			return
		}
	}
	t.Errorf("no update lost in %d unlocked trials of 2×2000", trials)
}

func TestCountPrintsTheSeedsMessages(t *testing.T) {
	code, out, errOut := golocks("count", "--procs", "2", "--counts", "1000,2000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "File doesn't exist, starting to count from 0.\n") {
		t.Errorf("no 'File doesn't exist' message in %.200q", out)
	}
	last := out[strings.LastIndex(strings.TrimSuffix(out, "\n"), "\n")+1:]
	var exp, got, lost int
	var secs float64
	if _, err := fmt.Sscanf(last, "expected %d got %d lost %d in %fs", &exp, &got, &lost, &secs); err != nil || exp != 3000 {
		t.Errorf("last line %q: want 'expected 3000 got N lost M in S.SSSs' (%v)", last, err)
	}
}

func TestSharedModes(t *testing.T) {
	for _, mode := range []string{"locked", "rawlock", "atomic"} {
		for _, procs := range []string{"2", "4"} {
			r := runJSON(t, "shared", "--procs", procs, "--count", "20000", "--mode", mode)
			if r.Lost != 0 {
				t.Errorf("%s, %s procs: %+v, want exact", mode, procs, r)
			}
		}
	}
	// 200,000 racy increments took a process a millisecond or two and under
	// load the four did not always overlap: 2,000,000 take tens of
	// milliseconds. Bounded trials, not one.
	const trials = 20
	for i := 0; i < trials; i++ {
		r := runJSON(t, "shared", "--procs", "4", "--count", "2000000", "--mode", "racy")
		if r.Got > r.Expected {
			t.Fatalf("racy: got %d > expected %d", r.Got, r.Expected)
		}
		if r.Lost > 0 {
			return
		}
	}
	t.Errorf("racy shared value lost no update in %d trials of 4×2000000", trials)
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	const keep = "42\n"
	os.WriteFile(data, []byte(keep), 0o644)
	lockDir := filepath.Join(dir, "lockdir")
	os.Mkdir(lockDir, 0o755)

	cases := [][]string{
		{"count", "--counts", "1000,-5", "--file", data},
		{"count", "--counts", "0", "--file", data},
		{"count", "--counts", "abc", "--file", data},
		{"count", "--counts", "1000,,2000", "--file", data},
		{"count", "--counts", "", "--file", data},
		{"count", "--procs", "0", "--file", data},
		{"count", "--procs", "x", "--file", data},
		{"count", "--file", filepath.Join(dir, "missing", "parallel.txt")},
		{"count", "--file", dir},
		{"count", "--lock", "file", "--lock-file", lockDir, "--file", data},
		{"count", "--lock", "file", "--lock-file", filepath.Join(dir, "missing", "lock"), "--file", data},
		{"count", "--lock", "file", "--lock-file", "/proc/golocks-cannot-write-here", "--file", data},
		{"count", "--lock", "bogus", "--file", data},
		{"count", "--lock", "file", "--granularity", "bogus", "--file", data},
		{"count", "--crash-safe", "--file", data},
		{"count", "--lock", "file", "--lock-file", data, "--file", data},
		{"count", "--trace", data, "--file", data},
		{"count", "--bogus-flag"},
		{"count", "stray"},
		{"shared", "--mode", "bogus"},
		{"shared", "--count", "0"},
		{"shared", "--count", "-3"},
		{"shared", "--procs", "-1"},
		// Issue 16, item 3: more processes than the machine runs, counts
		// that overflow or could not finish within the run's bound.
		{"count", "--procs", "100000", "--file", data},
		{"shared", "--procs", "100000"},
		{"count", "--counts", "9223372036854775807", "--file", data},
		{"count", "--counts", "9223372036854775807,9223372036854775807", "--file", data},
		{"count", "--counts", "400000000,400000000,400000000", "--file", data},
		{"count", "--counts", strings.Repeat("1,", maxCounts) + "1", "--file", data},
		{"shared", "--count", "9223372036854775807"},
		{"shared", "--procs", "64", "--count", "100000000000"},
		{"count", "--file", data, "--overwrite=maybe"},
		{"bogus-command"},
		{"worker", "no-such-task"},
		{"worker", "work", "-1", data},
		{"worker", "shared", "5", "bogus", "p"},
	}
	for _, args := range cases {
		code, out, errOut := golocks(args...)
		name := strings.Join(args, " ")
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", name, code, errOut)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "golocks ") {
			t.Errorf("%s: stderr %q, want one line", name, errOut)
		}
		if strings.Contains(errOut, "panic") || strings.Contains(errOut, "goroutine") {
			t.Errorf("%s: stderr looks like a crash: %q", name, errOut)
		}
		if out != "" {
			t.Errorf("%s: printed %q on stdout", name, out)
		}
		if b, _ := os.ReadFile(data); string(b) != keep {
			t.Fatalf("%s: the data file now holds %q, want it untouched", name, b)
		}
	}
}

func TestNoWorkerBinary(t *testing.T) {
	t.Setenv("GOLOCKS_WORKER", "/no/such/golocks")
	for _, cmd := range []string{"count", "shared"} {
		code, out, errOut := golocks(cmd, "--json")
		if code != 1 || out != "" || !strings.Contains(errOut, "worker") {
			t.Errorf("%s with no worker: exit %d, stdout %q, stderr %q; want exit 1, no result, an error naming the worker", cmd, code, out, errOut)
		}
	}
}

// oneLine keeps what errors.Join says, in one line, as its comment says.
func TestOneLine(t *testing.T) {
	err := errors.Join(errors.New("a failed"), errors.New("b failed\n"), errors.New("c failed"))
	if got, want := oneLine(err), "a failed; b failed; c failed"; got != want {
		t.Errorf("oneLine = %q, want %q", got, want)
	}
	if got := oneLine(errors.New("one\n")); got != "one" {
		t.Errorf("oneLine of a line ending in a newline = %q", got)
	}
}
