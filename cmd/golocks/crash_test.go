//go:build linux

package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/pkg/pool"
	"github.com/golocks/golocks/pkg/workbook"
)

// findChild returns the pid of a child of this process whose command line
// contains all of words, or 0.
func findChild(words ...string) int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command name in parentheses: state, ppid, ...
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile(d + "/cmdline")
		args := strings.Split(string(cmdline), "\x00")
		if containsAll(args, words) {
			pid, _ := strconv.Atoi(filepath.Base(d))
			return pid
		}
	}
	return 0
}

func containsAll(args, words []string) bool {
	for _, w := range words {
		found := false
		for _, a := range args {
			found = found || a == w
		}
		if !found {
			return false
		}
	}
	return true
}

// A worker killed with SIGKILL while it takes turns on the lock: the pool
// reports that task, the others still finish (the kernel released the dead
// holder's lock), and the crash-safe counter file parses at every moment.
func TestKilledWorker(t *testing.T) {
	dir := t.TempDir()
	file, lock := filepath.Join(dir, "parallel.txt"), filepath.Join(dir, "tmp_lock")
	task := func(n string) pool.Task {
		return pool.Task{Name: "counter", Args: []string{n, "--file", file, "--lock-file", lock, "--granularity", "increment", "--crash-safe"}}
	}
	const victim = "100000" // long enough to be killed mid-run
	p := pool.New(3)
	p.Timeout = 2 * time.Minute

	type outcome struct {
		results []pool.Result
		err     error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := p.Run(task(victim), task("1500"), task("1500"))
		done <- outcome{r, err}
	}()

	// Kill the victim once it has surely taken the lock a few times,
	// reading the counter all along: it must always parse.
	killed := false
	reads := 0
	for !killed {
		select {
		case o := <-done:
			t.Fatalf("the pool finished before the victim was killed: %v", o.err)
		default:
		}
		if b, err := os.ReadFile(file); err == nil {
			reads++
			if _, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatalf("crash-safe counter read as %q mid-run", b)
			}
			if n, _ := strconv.Atoi(strings.TrimSpace(string(b))); n > 500 {
				if pid := findChild("counter", victim); pid != 0 {
					syscall.Kill(pid, syscall.SIGKILL)
					killed = true
				}
			}
		}
		time.Sleep(time.Millisecond)
	}

	o := <-done
	var te *pool.TaskError
	if !errors.As(o.results[0].Err, &te) || !strings.Contains(o.results[0].Err.Error(), "signal: killed") {
		t.Errorf("victim's result: %v, want a TaskError saying it was killed", o.results[0].Err)
	}
	if o.results[1].Err != nil || o.results[2].Err != nil {
		t.Errorf("the other workers failed: %v", o.err)
	}
	got, err := workbook.ReadCount(file)
	if err != nil {
		t.Fatalf("counter after the crash: %v", err)
	}
	if got < 3000 || got >= 103000 {
		t.Errorf("count %d: want the others' 3000 plus the victim's partial work", got)
	}
	t.Logf("count %d after the kill; %d reads mid-run all parsed", got, reads)
}
