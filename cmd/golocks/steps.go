package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
)

// maxStepCount bounds a stepped process's count: each increment is three
// steps, run one at a time.
const maxStepCount = 100

// stepFlags are the flags steps and schedules share.
type stepFlags struct {
	procs    *int
	counts   *string
	lock     *string
	lockFile *string
	asJSON   *bool
	quiet    *bool
}

func addStepFlags(fs *flag.FlagSet, defCounts string) stepFlags {
	return stepFlags{
		procs:    fs.Int("procs", 2, "how many processes (A, B, ...), one per count"),
		counts:   fs.String("counts", defCounts, "comma-separated increments, one per process"),
		lock:     fs.String("lock", "none", "none: the racy workbook.Work; file: workbook.WorkLocked, the lock held for the whole call"),
		lockFile: fs.String("lock-file", "", "with --lock file: the lock file (default: counter.lock beside the counter, in a new temp dir)"),
		asJSON:   fs.Bool("json", false, "print one JSON object"),
		quiet:    fs.Bool("quiet", false, "discard the processes' messages (else they go to stderr)"),
	}
}

// A stepRun is what steps and schedules run: checked flags, a temp folder.
type stepRun struct {
	work   any
	counts []int
	file   string
	opts   []stepper.Option
	tmp    string
}

// check checks the shared flags, makes the run's temp folder and says
// what to run.
func (f stepFlags) check(ctx context.Context, stderr io.Writer) (*stepRun, error) {
	if *f.procs < 1 || *f.procs > 26 {
		return nil, usagef("--procs: %d processes; the stepper names them A to Z (1 to 26)", *f.procs)
	}
	var counts []int
	for _, s := range strings.Split(*f.counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > maxStepCount {
			return nil, usagef("--counts: %q is not a whole number from 1 to %d", s, maxStepCount)
		}
		counts = append(counts, n)
	}
	if len(counts) != *f.procs {
		return nil, usagef("--counts: %d counts for --procs %d: one count per process", len(counts), *f.procs)
	}
	if err := oneOf("--lock", *f.lock, "none", "file"); err != nil {
		return nil, err
	}
	if *f.lockFile != "" && *f.lock != "file" {
		return nil, usagef("--lock-file needs --lock file")
	}
	tmp, err := os.MkdirTemp("", "golocks-steps-")
	if err != nil {
		return nil, err
	}
	r := &stepRun{work: workbook.Work, counts: counts, file: filepath.Join(tmp, "counter.txt"), tmp: tmp}
	// The workers' messages go to stderr: stdout is the result.
	out := stderr
	if *f.quiet {
		out = io.Discard
	}
	r.opts = []stepper.Option{stepper.Output(out, out), stepper.Context(ctx)}
	if *f.lock == "file" {
		r.work = workbook.WorkLocked
		lf := *f.lockFile
		if lf == "" {
			lf = filepath.Join(tmp, "counter.lock")
		}
		r.opts = append(r.opts, stepper.LockFile(lf))
	}
	return r, nil
}

// done removes the run's temp folder and turns a signal into its error.
func (r *stepRun) done(ctx context.Context, err error) error {
	if rerr := os.RemoveAll(r.tmp); rerr != nil {
		err = errors.Join(err, rerr)
	}
	var se *signalError
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &se) {
		se.done = "the processes were stopped, the run's temp folder removed; no result"
		return se
	}
	return err
}

// stepsCmd replays one schedule of the workbook's work, step by step.
func stepsCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("steps", flag.ContinueOnError)
	f := addStepFlags(fs, "1,1")
	schedule := fs.String("schedule", "", `the order of the steps: "A read, B read, A write, B write", "ABAB" or "A3 B3"`)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if strings.TrimSpace(*schedule) == "" {
		return usagef(`--schedule is needed: "A read, B read, A write, B write", "ABAB" or "A3 B3"`)
	}
	ctx, stop := onSignal()
	defer stop()
	r, err := f.check(ctx, stderr)
	if err != nil {
		return err
	}
	tr, err := stepper.Replay(r.work, r.counts, r.file, *schedule, r.opts...)
	if err := r.done(ctx, err); err != nil {
		var se *stepper.ScheduleError
		if errors.As(err, &se) {
			return usagef("%v", err) // the schedule itself is bad: nothing was run
		}
		return err
	}
	if *f.asJSON {
		b, err := json.Marshal(tr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	}
	for i, s := range tr.Steps {
		line := fmt.Sprintf("%2d  %s %-8s", i+1, s.Proc, s.Op)
		switch {
		case s.Op == stepper.Read && s.Reset != "":
			line += fmt.Sprintf(" %d (%s)", s.Value, s.Reset)
		case s.Op == stepper.Read || s.Op == stepper.Write:
			line += fmt.Sprintf(" %d", s.Value)
		case s.Op == stepper.End && s.Err != "":
			line += " error: " + s.Err
		}
		line = fmt.Sprintf("%-28s file %q", line, s.File)
		if s.Lock != "" {
			line += " lock: " + s.Lock
		}
		if len(s.Waiting) > 0 {
			line += " waiting: " + strings.Join(s.Waiting, ", ")
		}
		if s.Lost {
			line += " LOST"
		}
		fmt.Fprintln(stdout, line)
	}
	if tr.Note != "" {
		fmt.Fprintln(stdout, tr.Note)
	}
	fmt.Fprintf(stdout, "expected %d final %d lost %d\n", tr.Expected, tr.Final, tr.Lost)
	return nil
}

// schedulesCmd runs every distinct schedule of the workbook's work.
func schedulesCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("schedules", flag.ContinueOnError)
	f := addStepFlags(fs, "1,1")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	ctx, stop := onSignal()
	defer stop()
	r, err := f.check(ctx, stderr)
	if err != nil {
		return err
	}
	// The workers' messages are many here: drop them.
	r.opts = append(r.opts, stepper.Output(io.Discard, io.Discard))
	sum, err := stepper.Every(r.work, r.counts, r.file, append(r.opts, stepper.KeepTraces(false))...)
	if err := r.done(ctx, err); err != nil {
		var tm *stepper.TooManyError
		if errors.As(err, &tm) {
			return usagef("%v", err) // too many: nothing was run
		}
		return err
	}
	if *f.asJSON {
		b, err := json.Marshal(sum)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return nil
	}
	fmt.Fprintf(stdout, "%d distinct schedules, expected %d\n", sum.Schedules, sum.Expected)
	var finals []int
	for k := range sum.Finals {
		finals = append(finals, k)
	}
	slices.Sort(finals)
	for _, k := range finals {
		fmt.Fprintf(stdout, "final %d: %d schedules\n", k, sum.Finals[k])
	}
	if sum.ShortestLosing != "" {
		fmt.Fprintf(stdout, "shortest losing: %s\n", sum.ShortestLosing)
	} else {
		fmt.Fprintln(stdout, "every schedule is exact")
	}
	return nil
}
