package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
	"time"
)

// A row is an experiment and everything measured for it. Each slice holds
// every run in order, the warm-up runs first.
type row struct {
	Exp       experiment
	Warmup    int
	Golocks   []result
	Python    []result
	Floor     []result
	Contended []result // the contended floor, if the row has one
	Errors    []string

	// Syscalls is each side's system calls per increment ("golocks",
	// "Python", "floor", "contended"), counted with SyscallTool; empty if
	// not counted.
	Syscalls    map[string]float64 `json:",omitempty"`
	SyscallTool string             `json:",omitempty"`
}

// Medians of the cost per increment, warm-up runs left out; NaN where
// there is nothing to take a median of.
func (r row) golocksMedian() float64 { return medianPerIncrement(r.Golocks, r.Warmup) }
func (r row) pythonMedian() float64  { return medianPerIncrement(r.Python, r.Warmup) }
func (r row) floorMedian() float64   { return medianPerIncrement(r.Floor, r.Warmup) }
func (r row) contendedMedian() float64 {
	return medianPerIncrement(r.Contended, r.Warmup)
}

func medianPerIncrement(rs []result, warmup int) float64 {
	if len(rs) <= warmup {
		return math.NaN()
	}
	var xs []float64
	for _, r := range rs[warmup:] {
		xs = append(xs, r.PerIncrement())
	}
	return median(xs)
}

func lostOf(rs []result) []int64 {
	var l []int64
	for _, r := range rs {
		l = append(l, r.Lost)
	}
	return l
}

// failures lists what makes the row fail the bench: a run that did not
// complete, or a correct variant that lost an update (in any run, the
// warm-up included, and the floor's too).
func (r row) failures() []string {
	f := append([]string(nil), r.Errors...)
	if !r.Exp.Correct {
		return f
	}
	for _, s := range []struct {
		tool string
		rs   []result
	}{{"golocks", r.Golocks}, {"Python", r.Python}, {"floor", r.Floor}, {"contended floor", r.Contended}} {
		for i, res := range s.rs {
			if res.Lost != 0 {
				f = append(f, fmt.Sprintf("%s run %d lost %d of %d updates", s.tool, i+1, res.Lost, res.Expected))
			}
		}
	}
	return f
}

// A tools says how to run each side.
type tools struct {
	Golocks   string        // the golocks binary
	Python    string        // /usr/bin/python3
	Reference string        // locks_reference.py
	Timeout   time.Duration // bound on each run
}

// measure runs exp warmup+pairs times, alternately: golocks, Python, floor,
// contended floor, golocks, Python, ... progress gets a line per round.
// Then, if counter is not nil, it counts each side's system calls.
func measure(t tools, exp experiment, warmup, pairs int, counter *syscallCounter, progress io.Writer) row {
	r := row{Exp: exp, Warmup: warmup}
	for i := range warmup + pairs {
		fmt.Fprintf(progress, "  %-72s run %d/%d", exp.Name, i+1, warmup+pairs)
		res, err := t.run(exp.Dir, t.Golocks, exp.Golocks...)
		r.add(&r.Golocks, "golocks", res, err)
		if exp.Python != nil {
			res, err := t.run(exp.Dir, t.Python, append([]string{t.Reference}, exp.Python...)...)
			r.add(&r.Python, "Python", res, err)
		}
		if exp.Floor != nil {
			res, err := exp.Floor()
			r.add(&r.Floor, "floor", res, err)
		}
		if exp.Contended != nil {
			res, err := exp.Contended()
			r.add(&r.Contended, "contended floor", res, err)
		}
		fmt.Fprintf(progress, "\r")
		if len(r.Errors) > 0 {
			break // one failure says it; don't spend minutes repeating it
		}
	}
	fmt.Fprintf(progress, "  %-72s golocks %s, Python %s, floor %s", exp.Name,
		formatSeconds(r.golocksMedian()), formatSeconds(r.pythonMedian()), formatSeconds(r.floorMedian()))
	if exp.Contended != nil {
		fmt.Fprintf(progress, ", contended %s", formatSeconds(r.contendedMedian()))
	}
	if counter != nil && len(r.Errors) == 0 {
		per, err := countSyscalls(t, counter, exp)
		if err != nil {
			r.Errors = append(r.Errors, fmt.Sprintf("counting system calls: %v", err))
		}
		if len(per) > 0 {
			r.Syscalls, r.SyscallTool = per, counter.Tool
			fmt.Fprintf(progress, "; system calls %s", formatSyscalls(r))
		}
	}
	fmt.Fprintln(progress)
	return r
}

func (r *row) add(to *[]result, tool string, res result, err error) {
	if err != nil {
		r.Errors = append(r.Errors, fmt.Sprintf("%s: %v", tool, err))
		return
	}
	*to = append(*to, res)
}

// run runs one command with TMPDIR=dir and returns the result it printed.
func (t tools) run(dir, bin string, args ...string) (result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), t.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return result{}, fmt.Errorf("%s %s: still running after %v", bin, strings.Join(args, " "), t.Timeout)
	}
	if err != nil {
		return result{}, fmt.Errorf("%s %s: %v: %s", bin, strings.Join(args, " "), err, tail(stderr.String(), 500))
	}
	res, err := parseResult(stdout.Bytes())
	if err != nil {
		return result{}, fmt.Errorf("%s %s: %v", bin, strings.Join(args, " "), err)
	}
	return res, nil
}

// tail returns the last n bytes of s, trimmed.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
