package workbook

import (
	"strings"
	"testing"
)

func TestGoroutinesExact(t *testing.T) {
	const goroutines, n = 4, 100_000
	for _, mode := range []string{"mutex", "atomic"} {
		got, err := Goroutines(mode, goroutines, n)
		if err != nil || got != goroutines*n {
			t.Errorf("%s: %d, %v; want exactly %d", mode, got, err, goroutines*n)
		}
	}
	if got, err := Goroutines("atomic", 1, 0); got != 0 || err != nil {
		t.Errorf("n = 0: %d, %v", got, err)
	}
}

// In a normal build racy never counts too many and loses updates (GOMAXPROCS
// ≥ 2: goroutines run in parallel). One trial usually suffices, but losing
// needs two threads of this process on two cores at the same moment, and on a
// busy 2-core machine the kernel may run them one after the other for a
// while; so it retries, a bounded number of times, until one trial loses. In a
// -race build racy is refused with an error that says why.
func TestGoroutinesRacy(t *testing.T) {
	const goroutines, n = 4, 2_000_000
	if raceBuild {
		_, err := Goroutines("racy", goroutines, n)
		if err == nil || !strings.Contains(err.Error(), "-race") {
			t.Fatalf("racy in a -race build: %v; want an error explaining the refusal", err)
		}
		return
	}
	want := int64(goroutines * n)
	for trial := 1; trial <= racyTrials; trial++ {
		got, err := Goroutines("racy", goroutines, n)
		if err != nil {
			t.Fatal(err)
		}
		if got > want {
			t.Fatalf("trial %d: got %d, more than the %d increments made", trial, got, want)
		}
		if got < want {
			t.Logf("trial %d: got %d of %d, lost %d", trial, got, want, want-got)
			return
		}
	}
	t.Fatalf("racy: no update lost in %d trials of %d goroutines × %d", racyTrials, goroutines, n)
}

// racyTrials bounds the retries of a test that waits for a lost update:
// one trial nearly always loses, twenty that all lose nothing mean the
// race is not there.
const racyTrials = 20

func TestGoroutinesBadInput(t *testing.T) {
	for _, c := range []struct {
		mode          string
		goroutines, n int
		msg           string
	}{
		{"sloppy", 2, 10, `unknown mode "sloppy" (modes: racy, mutex, atomic)`},
		{"mutex", 0, 10, "0 goroutines"},
		{"mutex", -1, 10, "-1 goroutines"},
		{"mutex", maxGoroutines + 1, 10, "want 1 to"},
		{"atomic", 2, -5, "negative count -5"},
	} {
		if _, err := Goroutines(c.mode, c.goroutines, c.n); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Goroutines(%q, %d, %d) = %v; want an error saying %q", c.mode, c.goroutines, c.n, err, c.msg)
		}
	}
}

// A panic in one of the goroutines comes back as an error; the others finish.
func TestRunAllRecoversPanics(t *testing.T) {
	calls := make(chan struct{}, 3)
	err := runAll(3, func() {
		calls <- struct{}{}
		var m map[string]int
		m["boom"]++ // assignment to entry in nil map
	})
	if err == nil || !strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), "nil map") {
		t.Fatalf("runAll = %v; want the panics as errors", err)
	}
	if len(calls) != 3 {
		t.Fatalf("%d goroutines ran, want 3", len(calls))
	}
}
