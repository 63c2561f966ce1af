package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/golocks/golocks/pkg/pool"
	"github.com/golocks/golocks/pkg/workbook"
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
	file := fs.String("file", "", "the counter file (default: parallel.txt in a new temp dir); reset first")
	lockFile := fs.String("lock-file", "", "the lock file (default: tmp_lock beside a temp counter)")
	trace := fs.String("trace", "", "append who held the lock when to this file")
	quiet := fs.Bool("quiet", false, "discard the workers' messages")
	asJSON := fs.Bool("json", false, "print one JSON object {expected, got, lost, elapsed_s}")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}

	// Check everything before touching any file.
	if *procs < 1 {
		return usagef("--procs must be at least 1, not %d", *procs)
	}
	counts, err := parseCounts(*countsFlag)
	if err != nil {
		return err
	}
	if err := oneOf("--lock", *lock, "none", "file"); err != nil {
		return err
	}
	if err := oneOf("--granularity", *granularity, "call", "increment"); err != nil {
		return err
	}
	if *crashSafe && *lock != "file" {
		return usagef("--crash-safe needs --lock file")
	}
	if *file == "" || (*lock == "file" && *lockFile == "") {
		dir, err := os.MkdirTemp("", "golocks-count-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if *file == "" {
			*file = filepath.Join(dir, "parallel.txt")
		}
		if *lockFile == "" {
			*lockFile = filepath.Join(dir, "tmp_lock")
		}
	}
	c := workbook.Counter{File: *file, Trace: *trace, PerIncrement: *granularity == "increment", CrashSafe: *crashSafe}
	if *lock == "file" {
		c.LockFile = *lockFile
	}
	// The workers would reject these paths only after the reset below had
	// emptied the counter: ask the counter itself, before anything changes.
	if err := c.Check(0); err != nil {
		return usagef("%v", err)
	}
	if c.LockFile != "" {
		if err := checkLockOpens(c.LockFile); err != nil {
			return err
		}
	}

	// The experiment counts from zero, as the workbook's `!rm parallel.txt`.
	if err := os.Remove(*file); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("reset %s: %w", *file, err)
	}

	tasks := make([]pool.Task, len(counts))
	for i, n := range counts {
		tasks[i] = pool.Task{Func: workbook.RunCounter, Args: []any{n, c}}
	}
	p := pool.New(*procs)
	switch {
	case *quiet:
		p.Stdout = io.Discard
	case *asJSON:
		p.Stdout = stderr // keep stdout one JSON object
	default:
		p.Stdout = stdout
	}

	start := time.Now()
	results, runErr := p.Run(tasks...)
	elapsed := time.Since(start)
	if !anyStarted(results) {
		return runErr // nothing ran: no result to show
	}

	expected := 0
	for _, n := range counts {
		expected += n
	}
	// A file the racing workers left unparsable counts as 0, as in the
	// reference: the count that survives is what the workbook asks about.
	got, _ := workbook.ReadCount(*file)
	newResult(int64(expected), int64(got), elapsed).print(stdout, *asJSON)
	return runErr
}
