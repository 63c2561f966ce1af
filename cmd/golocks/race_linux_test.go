//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Issue 16, item 4: in a folder another user can write to, that user waits
// for the counter, its trace and its lock file to appear and puts symbolic
// links in their place, again and again while runs go on, hoping for a
// write through one. The runs are made by an unprivileged user who may
// write the victim file, so that only golocks' refusal to follow a link
// protects it (root would be let through by any permission); the planter
// is this test. A run may fail (it met a link: exit 1, or 2 if one was there
// before it started) or count, but the victim is never written and no file
// is created where a dangling link points. (That the race the workbook
// teaches still loses updates is TestCountUnlockedLosesUpdates'.)
func TestSymlinkRace(t *testing.T) {
	s := newSandbox(t)
	dir := s.mkdir(t, filepath.Join(s.dir, "shared"), true)
	victim := filepath.Join(s.dir, "victim.txt")
	const secret = "SECRET: the victim's own data\n"
	if err := os.WriteFile(victim, []byte(secret), 0o666); err != nil {
		t.Fatal(err)
	}
	s.chown(t, victim)
	// Where the dangling link points: in a folder the runs' user could
	// create it in, if it were let through.
	nowhere := filepath.Join(dir, "nowhere")

	counter, trace, lock := filepath.Join(dir, "race.txt"), filepath.Join(dir, "trace.txt"), filepath.Join(dir, "lock")
	targets := map[string]string{counter: victim, trace: victim, lock: nowhere}
	var stop atomic.Bool
	var planted atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			for p, target := range targets {
				if st, err := os.Lstat(p); err == nil && st.Mode().IsRegular() {
					os.Remove(p)
					if os.Symlink(target, p) == nil {
						planted.Add(1)
					}
				}
			}
			time.Sleep(20 * time.Microsecond)
		}
	}()

	runs := [][]string{
		{"count", "--counts", "300,300", "--quiet", "--file", counter},
		{"count", "--counts", "300,300", "--quiet", "--file", counter, "--trace", trace},
		{"count", "--counts", "300,300", "--quiet", "--file", counter, "--lock", "file", "--lock-file", lock, "--granularity", "increment"},
		{"count", "--counts", "300,300", "--quiet", "--file", counter, "--lock", "file", "--lock-file", lock, "--crash-safe"},
	}
	codes := map[int]int{}
	for trial := 0; trial < 5; trial++ {
		for i, args := range runs {
			if trial > 0 || i > 0 {
				// The user removes the links the last run met; the
				// first run meets one before it starts.
				for p := range targets {
					os.Remove(p)
				}
			} else {
				os.Symlink(victim, counter)
			}
			r := s.golocks(t, runOpts{asUser: true}, args...)
			codes[r.code]++
			switch r.code {
			case 0:
				if r.stderr != "" || !strings.HasPrefix(r.stdout, "expected 600 got ") {
					t.Errorf("%v: exit 0 with stdout %q, stderr %q", args, r.stdout, r.stderr)
				}
			case 1, 2:
				if r.stdout != "" {
					t.Errorf("%v: exit %d yet printed %q", args, r.code, r.stdout)
				}
			default:
				t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
			}
			if b, _ := os.ReadFile(victim); string(b) != secret {
				stop.Store(true)
				wg.Wait()
				t.Fatalf("%v: the victim now holds %q", args, b)
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	if _, err := os.Lstat(nowhere); err == nil {
		t.Error("a lock file was created where a dangling link pointed")
	}
	if planted.Load() == 0 {
		t.Fatal("no link was ever planted")
	}
	t.Logf("%d links planted; exit statuses %v", planted.Load(), codes)
}
