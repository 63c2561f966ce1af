package main

import (
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/pkg/shared"
	"github.com/golocks/golocks/runtime/pool"
)

// sharedCmd runs the shared-value experiment: procs worker processes each
// add 1 count times to one int64 in shared memory.
func sharedCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("shared", flag.ContinueOnError)
	procs := fs.Int("procs", 4, "how many worker processes")
	countFlag := fs.String("count", "100000", "increments per process")
	mode := fs.String("mode", workbook.SharedRacy, "racy, locked (the value's own lock), rawlock (raw value + separate lock) or atomic")
	asJSON := fs.Bool("json", false, "print one JSON object {expected, got, lost, elapsed_s}")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := checkProcs(*procs); err != nil {
		return err
	}
	count, err := positive("--count", *countFlag)
	if err != nil {
		return err
	}
	if err := checkCount("--count", count, sharedIncrementsPerSecond); err != nil {
		return err
	}
	counts := make([]int, *procs)
	for i := range counts {
		counts[i] = count
	}
	if err := checkTotal("--procs × --count", counts, sharedIncrementsPerSecond); err != nil {
		return err
	}
	if err := oneOf("--mode", *mode, workbook.SharedModes()...); err != nil {
		return err
	}

	ctx, stop := onSignal()
	defer stop()
	dir, err := os.MkdirTemp("", "golocks-shared-")
	if err != nil {
		return err
	}
	res, err := runShared(ctx, *mode, counts, dir, stderr)
	return finish(ctx, res, err, dir, stdout, *asJSON)
}

// runShared creates the shared files in dir, runs the workers and reads
// the total. Any error means no result.
func runShared(ctx context.Context, mode string, counts []int, dir string, out io.Writer) (result, error) {
	path, lockPath := filepath.Join(dir, "value"), filepath.Join(dir, "lock")
	// Create the files before the workers start, so they only ever open
	// existing ones, and keep them open to read the total.
	get, closeAll, err := createShared(mode, path, lockPath)
	if err != nil {
		return result{}, err
	}
	defer closeAll()

	p := pool.New(len(counts))
	p.Stdout = out
	start := time.Now()
	tasks := make([]pool.Task, len(counts))
	for i, n := range counts {
		tasks[i] = pool.Task{Func: workbook.IncrementShared, Args: []any{n, mode, path, lockPath}}
	}
	_, err = p.RunContext(ctx, tasks...)
	elapsed := time.Since(start)
	if err != nil {
		return result{}, err
	}
	expected := int64(0)
	for _, n := range counts {
		expected += int64(n)
	}
	return newResult(expected, get(), elapsed), nil
}

// createShared creates the value (and, for rawlock, the separate lock) a
// mode uses, and returns how to read the value and how to close them.
func createShared(mode, path, lockPath string) (get func() int64, closeAll func(), err error) {
	if mode == workbook.SharedRawLock {
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
