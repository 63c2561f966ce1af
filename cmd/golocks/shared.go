package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/golocks/golocks/pkg/pool"
	"github.com/golocks/golocks/pkg/shared"
	"github.com/golocks/golocks/pkg/workbook"
)

var sharedModes = []string{"racy", "locked", "rawlock", "atomic"}

// sharedCmd runs the shared-value experiment: procs worker processes each
// add 1 count times to one int64 in shared memory.
func sharedCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("shared", flag.ContinueOnError)
	procs := fs.Int("procs", 4, "how many worker processes")
	countFlag := fs.String("count", "100000", "increments per process")
	mode := fs.String("mode", "racy", "racy, locked (the value's own lock), rawlock (raw value + separate lock) or atomic")
	asJSON := fs.Bool("json", false, "print one JSON object {expected, got, lost, elapsed_s}")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *procs < 1 {
		return usagef("--procs must be at least 1, not %d", *procs)
	}
	count, err := positive("--count", *countFlag)
	if err != nil {
		return err
	}
	if err := oneOf("--mode", *mode, sharedModes...); err != nil {
		return err
	}

	dir, err := os.MkdirTemp("", "golocks-shared-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path, lockPath := filepath.Join(dir, "value"), filepath.Join(dir, "lock")

	// Create the files before the workers start, so they only ever open
	// existing ones, and keep them open to read the total.
	get, closeAll, err := createShared(*mode, path, lockPath)
	if err != nil {
		return err
	}
	defer closeAll()

	p := pool.New(*procs)
	p.Stdout = stderr
	start := time.Now()
	tasks := make([]pool.Task, *procs)
	for i := range tasks {
		tasks[i] = pool.Task{Func: workbook.IncrementShared, Args: []any{count, *mode, path, lockPath}}
	}
	results, runErr := p.Run(tasks...)
	elapsed := time.Since(start)
	if !anyStarted(results) {
		return runErr // nothing ran: no result to show
	}

	newResult(int64(*procs)*int64(count), get(), elapsed).print(stdout, *asJSON)
	return runErr
}

// createShared creates the value (and, for rawlock, the separate lock) a
// mode uses, and returns how to read the value and how to close them.
func createShared(mode, path, lockPath string) (get func() int64, closeAll func(), err error) {
	if mode == "rawlock" {
		v, err := shared.OpenRaw(path)
		if err != nil {
			return nil, nil, err
		}
		m, err := shared.OpenMutex(lockPath)
		if err != nil {
			v.Close()
			return nil, nil, err
		}
		return v.Get, func() { v.Close(); m.Close() }, nil
	}
	v, err := shared.OpenValue(path)
	if err != nil {
		return nil, nil, err
	}
	return v.Get, func() { v.Close() }, nil
}
