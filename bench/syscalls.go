package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// System calls per increment: on a machine where a system call costs
// microseconds they explain most of a locked increment's time, and unlike
// the time they do not depend on the load of a shared machine. Each side of
// an experiment is run twice, smaller (experiment.Scaled with counts ÷ 10
// and ÷ 5 on tmpfs, ÷ 2 and ÷ 1 on the slower file systems, whose rows are
// already scaled down), under a counter that sees the process and all its children;
// the difference between the two counts, divided by the difference in
// increments, leaves out everything a run does once (process starts, the
// Go runtime and Python's imports).

// Program placeholders in a sideRun's command line, replaced by tools.argv.
const (
	golocksProgram = "<golocks>"
	pythonProgram  = "<python>"
	benchProgram   = "<bench>"
)

// argv turns a sideRun's command line into one that runs.
func (t tools) argv(a []string) ([]string, error) {
	if len(a) == 0 {
		return nil, errors.New("empty command line")
	}
	switch a[0] {
	case golocksProgram:
		return append([]string{t.Golocks}, a[1:]...), nil
	case pythonProgram:
		return append([]string{t.Python, t.Reference}, a[1:]...), nil
	case benchProgram:
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		return append([]string{self}, a[1:]...), nil
	}
	return a, nil
}

// A syscallCounter counts the system calls a command and its children
// make: with `perf stat -e raw_syscalls:sys_enter` (a kernel tracepoint,
// nearly free), or if perf cannot read tracepoints here, `strace -f -c`
// (exact too, but it slows every system call down).
type syscallCounter struct {
	Tool string // "perf" or "strace"
}

// newSyscallCounter finds a counter that works on this machine.
func newSyscallCounter() (*syscallCounter, error) {
	var errs []error
	for _, tool := range []string{"perf", "strace"} {
		c := &syscallCounter{Tool: tool}
		n, err := c.count("", []string{"/bin/true"}, 30*time.Second)
		if err == nil && n > 0 {
			return c, nil
		}
		errs = append(errs, fmt.Errorf("%s: %v", tool, err))
	}
	return nil, errors.Join(errs...)
}

// count runs argv with TMPDIR=dir (if not "") and returns how many system
// calls it and its children made.
func (c *syscallCounter) count(dir string, argv []string, timeout time.Duration) (int64, error) {
	out, err := os.CreateTemp("", "golocks-bench-syscalls-")
	if err != nil {
		return 0, err
	}
	out.Close()
	defer os.Remove(out.Name())
	var args []string
	switch c.Tool {
	case "perf":
		args = []string{"stat", "-x", ",", "-e", "raw_syscalls:sys_enter", "-o", out.Name(), "--"}
	case "strace":
		args = []string{"-f", "-c", "-o", out.Name(), "--"}
	default:
		return 0, fmt.Errorf("unknown counter %q", c.Tool)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Tool, append(args, argv...)...)
	if dir != "" {
		cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("%s %s: %v: %s", c.Tool, strings.Join(argv, " "), err, tail(stderr.String(), 300))
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		return 0, err
	}
	if c.Tool == "perf" {
		return parsePerfCount(b)
	}
	return parseStraceCount(b)
}

// parsePerfCount reads the count of `perf stat -x ,`: a line
// "12345,,raw_syscalls:sys_enter,...".
func parsePerfCount(b []byte) (int64, error) {
	for line := range strings.Lines(string(b)) {
		f := strings.Split(strings.TrimSpace(line), ",")
		if len(f) >= 3 && f[2] == "raw_syscalls:sys_enter" {
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("perf: %q", f[0]) // "<not supported>", "<not counted>"
			}
			return n, nil
		}
	}
	return 0, errors.New("perf: no raw_syscalls:sys_enter count")
}

// parseStraceCount reads the calls column of the total line of
// `strace -c`:
//
//	100.00    0.123456          12     10000       123 total
func parseStraceCount(b []byte) (int64, error) {
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) >= 5 && f[len(f)-1] == "total" {
			return strconv.ParseInt(f[3], 10, 64)
		}
	}
	return 0, errors.New("strace: no total line")
}

// countSyscalls measures the system calls per increment of each side of e.
func countSyscalls(t tools, c *syscallCounter, e experiment) (map[string]float64, error) {
	if e.Scaled == nil {
		return nil, nil
	}
	small, large := e.Scaled(10), e.Scaled(5)
	if !e.Tmpfs {
		// Off tmpfs the rows already run a tenth of the increments
		// (-slow-scale), each ten times slower: a tenth of that left a
		// difference of a few hundred increments, which the Go runtime's
		// own calls over a longer run (its timers, threads woken around a
		// blocking flock) drowned, down to negative counts.
		small, large = e.Scaled(2), e.Scaled(1)
	}
	per := map[string]float64{}
	for i, s := range small {
		l := large[i]
		if l.Total <= s.Total {
			continue // both at the minimum count: no difference to divide
		}
		var counts [2]int64
		for j, run := range []sideRun{s, l} {
			argv, err := t.argv(run.Argv)
			if err != nil {
				return nil, err
			}
			// The floor children make their own folder under run's folder;
			// the tools, under TMPDIR.
			n, err := c.count(e.Dir, argv, t.Timeout)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Side, err)
			}
			counts[j] = n
		}
		per[s.Side] = max(float64(counts[1]-counts[0])/float64(l.Total-s.Total), 0)
	}
	return per, nil
}
