package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/regular"
	"github.com/golocks/golocks/runtime/pool"
)

// countCmd runs the workbook's file-counter experiment: one worker process
// per count, all incrementing the number kept in one file.
func countCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("count", flag.ContinueOnError)
	procs := fs.Int("procs", 2, "how many worker processes run at once")
	countsFlag := fs.String("counts", "1000,2000", "comma-separated increments, one task per count")
	lock := fs.String("lock", "none", "none: the racy work; file: hold a file lock")
	granularity := fs.String("granularity", "call", "with --lock file: hold the lock for the whole `call` or per `increment`")
	crashSafe := fs.Bool("crash-safe", false, "with --lock file: write a temp file and rename it over the counter")
	file := fs.String("file", "", "the counter file (default: parallel.txt in a new temp dir); reset first, so it must be missing, empty or a counter")
	overwrite := fs.Bool("overwrite", false, "reset --file even if it is a regular file that holds something other than a counter")
	lockFile := fs.String("lock-file", "", "the lock file (default: tmp_lock beside a temp counter)")
	trace := fs.String("trace", "", "append who held the lock when to this file")
	quiet := fs.Bool("quiet", false, "discard the workers' messages")
	asJSON := fs.Bool("json", false, "print one JSON object {expected, got, lost, elapsed_s}")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}

	// Check everything before touching any file.
	if err := checkProcs(*procs); err != nil {
		return err
	}
	counts, err := parseCounts(*countsFlag)
	if err != nil {
		return err
	}
	if err := oneOf("--lock", *lock, "none", "file"); err != nil {
		return err
	}
	if err := oneOf("--granularity", *granularity, workbook.AroundCall, workbook.AroundIncrement); err != nil {
		return err
	}
	if *crashSafe && *lock != "file" {
		return usagef("--crash-safe needs --lock file")
	}

	ctx, stop := onSignal()
	defer stop()
	var tmp string // the run's own temp folder, if it needs one
	if *file == "" || (*lock == "file" && *lockFile == "") {
		if tmp, err = os.MkdirTemp("", "golocks-count-"); err != nil {
			return err
		}
		if *file == "" {
			*file = filepath.Join(tmp, "parallel.txt")
		}
		if *lockFile == "" {
			*lockFile = filepath.Join(tmp, "tmp_lock")
		}
	}
	c := workbook.Counter{File: *file, Trace: *trace, CrashSafe: *crashSafe}
	if *lock == "file" {
		c.LockFile, c.Around = *lockFile, *granularity
	}
	r := counting{c: c, counts: counts, procs: *procs, overwrite: *overwrite}
	switch {
	case *quiet:
		r.out = io.Discard
	case *asJSON:
		r.out = stderr // keep stdout one JSON object
	default:
		r.out = stdout
	}
	res, err := r.run(ctx)
	return finish(ctx, res, err, tmp, stdout, *asJSON)
}

// A counting is one run of the file counter, checked, then run.
type counting struct {
	c         workbook.Counter
	counts    []int
	procs     int
	overwrite bool
	out       io.Writer // the workers' messages
}

// run checks the files, resets the counter, runs the workers and reads the
// count. Any error means no result.
func (r counting) run(ctx context.Context) (result, error) {
	c := r.c
	// Each name the user typed must be missing or a regular file, said in
	// the flag's own name; then the workers would reject these paths only
	// after the reset below had emptied the counter: ask the counter
	// itself, before anything changes.
	for _, f := range []struct{ flag, path string }{{"--file", c.File}, {"--lock-file", c.LockFile}, {"--trace", c.Trace}} {
		if f.path == "" {
			continue
		}
		if err := regular.Check(f.path); err != nil {
			return result{}, usagef("%s %s: %v; left untouched", f.flag, f.path, pathErr(err))
		}
	}
	if err := c.Check(0); err != nil {
		return result{}, usagef("%v", err)
	}
	if err := checkReset(c.File, r.overwrite); err != nil {
		return result{}, err
	}
	if c.LockFile != "" {
		if err := createLockFile(c.LockFile); err != nil {
			return result{}, err
		}
	}
	if c.Trace != "" {
		if err := openTrace(c.Trace); err != nil {
			return result{}, err
		}
	}

	// The experiment counts from zero, as the workbook's `!rm parallel.txt`.
	// Removing never follows a link nor touches what the file held.
	if err := os.Remove(c.File); err != nil && !errors.Is(err, os.ErrNotExist) {
		return result{}, usagef("--file %s: cannot reset it: %v", c.File, pathErr(err))
	}

	tasks := make([]pool.Task, len(r.counts))
	for i, n := range r.counts {
		tasks[i] = pool.Task{Func: workbook.RunCounter, Args: []any{n, c}}
	}
	p := pool.New(r.procs)
	p.Stdout = r.out
	start := time.Now()
	results, err := p.RunContext(ctx, tasks...)
	elapsed := time.Since(start)
	if c.CrashSafe {
		// A worker killed between writing its temp file and renaming it
		// leaves the file beside the counter: the run made it, the run
		// removes it.
		for _, res := range results {
			if res.Err != nil && res.PID != 0 {
				err = errors.Join(err, c.RemoveTemp(res.PID))
			}
		}
	}
	if err != nil {
		return result{}, err
	}

	expected := int64(0)
	for _, n := range r.counts {
		expected += int64(n)
	}
	// A file the racing workers left unparsable counts as 0, as in the
	// reference: the count that survives is what the workbook asks about.
	got, _ := workbook.ReadCount(c.File)
	return newResult(expected, int64(got), elapsed), nil
}

// finish ends a run: it removes the run's temp folder, whatever happened,
// and prints the result if there is one. A run stopped by a signal says
// so instead (a *signalError), and so does one whose folder could not be
// removed.
func finish(ctx context.Context, res result, err error, tmp string, stdout io.Writer, asJSON bool) error {
	var done string
	if tmp != "" {
		if rerr := os.RemoveAll(tmp); rerr != nil {
			err = errors.Join(err, rerr)
		} else {
			done = ", the run's temp folder removed"
		}
	}
	var se *signalError
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &se) {
		se.done = "the workers were stopped" + done + "; no result"
		return se
	}
	if err != nil {
		return err
	}
	res.Print(stdout, asJSON)
	return nil
}
