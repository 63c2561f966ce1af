//go:build linux

package main

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/pool"
)

// A worker killed with SIGKILL while it takes turns on the lock: the pool
// reports that task, the others still finish (the kernel released the dead
// holder's lock), and the crash-safe counter file parses at every moment.
func TestKilledWorker(t *testing.T) {
	dir := t.TempDir()
	c := workbook.Counter{
		File:      filepath.Join(dir, "parallel.txt"),
		LockFile:  filepath.Join(dir, "tmp_lock"),
		Around:    workbook.AroundIncrement,
		CrashSafe: true,
	}
	// The victim traces its lock holds: the trace names its pid.
	victim := c
	victim.Trace = filepath.Join(dir, "victim.trace")
	p := pool.New(3)
	p.Stdout = io.Discard
	p.Timeout = 2 * time.Minute

	type outcome struct {
		results []pool.Result
		err     error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := p.Run(
			pool.Task{Func: workbook.RunCounter, Args: []any{100000, victim}}, // long enough to be killed mid-run
			pool.Task{Func: workbook.RunCounter, Args: []any{1500, c}},
			pool.Task{Func: workbook.RunCounter, Args: []any{1500, c}},
		)
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
		if b, err := os.ReadFile(c.File); err == nil {
			reads++
			if _, err := strconv.Atoi(strings.TrimSpace(string(b))); err != nil {
				t.Fatalf("crash-safe counter read as %q mid-run", b)
			}
		}
		if spans, err := workbook.ReadTrace(victim.Trace); err == nil && len(spans) > 100 {
			syscall.Kill(spans[0].PID, syscall.SIGKILL)
			killed = true
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
	got, err := workbook.ReadCount(c.File)
	if err != nil {
		t.Fatalf("counter after the crash: %v", err)
	}
	if got < 3000 || got >= 103000 {
		t.Errorf("count %d: want the others' 3000 plus the victim's partial work", got)
	}
	t.Logf("count %d after the kill; %d reads mid-run all parsed", got, reads)
}

// golocks count killed outright (SIGKILL: no chance to clean up) takes its
// workers with it: they must not go on writing the counter file.
func TestKilledCountTakesItsWorkers(t *testing.T) {
	file := filepath.Join(t.TempDir(), "parallel.txt")
	cmd := exec.Command(os.Args[0], "count", "--counts", "1000000,1000000", "--file", file, "--quiet")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()

	// Wait (at most a minute) for both workers to be counting.
	var workers []int
	deadline := time.Now().Add(time.Minute)
	for {
		workers = children(cmd.Process.Pid)
		if _, err := os.Stat(file); err == nil && len(workers) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no two workers counting after a minute (children %v)", workers)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Within a bound (not a speed: 30 s), no worker runs.
	deadline = time.Now().Add(30 * time.Second)
	for _, pid := range workers {
		for running(pid) {
			if time.Now().After(deadline) {
				syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("worker %d still running 30s after golocks count was killed", pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// children returns the pids of the running child processes of pid.
func children(pid int) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		child, _ := strconv.Atoi(filepath.Base(d))
		if f := stat(child); len(f) > 1 && f[1] == strconv.Itoa(pid) && running(child) {
			pids = append(pids, child)
		}
	}
	return pids
}

// running reports whether pid is a live process (a zombie is not).
func running(pid int) bool {
	f := stat(pid)
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// stat returns the fields of /proc/PID/stat after the command name: state,
// ppid, ...; nil if there is no such process.
func stat(pid int) []string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}
