package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/golocks/golocks/pkg/pool"
	"github.com/golocks/golocks/pkg/workbook"
)

// A task is what a worker process can be asked to run. pkg/pool starts
// `golocks worker <name> args...`; Pool.Map puts each count first.
type task struct {
	args string // the arguments, for the listing
	run  func(args []string) error
}

var tasks = map[string]task{
	"work":                  {"<maxCount> <file>", workTask(workbook.Work)},
	"work-locked":           {"<maxCount> <file> <lockFile>", lockedTask(workbook.WorkLocked)},
	"work-locked-increment": {"<maxCount> <file> <lockFile>", lockedTask(workbook.WorkLockedPerIncrement)},
	"work-safe":             {"<maxCount> <file> <lockFile>", lockedTask(workbook.WorkSafe)},
	"counter":               {"<maxCount> --file F [--lock-file L] [--granularity call|increment] [--crash-safe] [--trace T]", runCounter},
	"shared":                {"<n> racy|locked|rawlock|atomic <path> [lockPath]", sharedTask},
}

// workerCmd runs one task in this process. A panic in the task is reported
// as an error like any other failure.
func workerCmd(args []string) (err error) {
	if len(args) == 0 {
		return usagef("which task? one of:\n%s", taskList())
	}
	t, ok := tasks[args[0]]
	if !ok {
		return usagef("unknown task %q; tasks: %s", args[0], strings.Join(taskNames(), ", "))
	}
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("task %s: panic: %v", args[0], v)
		}
	}()
	return t.run(args[1:])
}

func taskNames() []string {
	var names []string
	for name := range tasks {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func taskList() string {
	var b strings.Builder
	for _, name := range taskNames() {
		fmt.Fprintf(&b, "  %s %s\n", name, tasks[name].args)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func workTask(f func(int, string) error) func([]string) error {
	return func(args []string) error {
		if len(args) != 2 {
			return usagef("want <maxCount> <file>")
		}
		n, err := nonNegative(args[0])
		if err != nil {
			return err
		}
		return f(n, args[1])
	}
}

func lockedTask(f func(int, string, string) error) func([]string) error {
	return func(args []string) error {
		if len(args) != 3 {
			return usagef("want <maxCount> <file> <lockFile>")
		}
		n, err := nonNegative(args[0])
		if err != nil {
			return err
		}
		return f(n, args[1], args[2])
	}
}

// counterTask is the task that runs c.Run(n) in a worker process: the
// inverse of runCounter, kept beside it so the two agree.
func counterTask(c workbook.Counter, n int) pool.Task {
	a := []string{strconv.Itoa(n), "--file", c.File}
	if c.LockFile != "" {
		granularity := "call"
		if c.PerIncrement {
			granularity = "increment"
		}
		a = append(a, "--lock-file", c.LockFile, "--granularity", granularity)
	}
	if c.CrashSafe {
		a = append(a, "--crash-safe")
	}
	if c.Trace != "" {
		a = append(a, "--trace", c.Trace)
	}
	return pool.Task{Name: "counter", Args: a}
}

// runCounter runs the general form, workbook.Counter, that `golocks count`
// uses for every variant.
func runCounter(args []string) error {
	if len(args) == 0 {
		return usagef("want <maxCount> and flags")
	}
	n, err := nonNegative(args[0])
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("counter", flag.ContinueOnError)
	var c workbook.Counter
	fs.StringVar(&c.File, "file", "", "the counter file")
	fs.StringVar(&c.LockFile, "lock-file", "", "the lock file; none: no lock")
	granularity := fs.String("granularity", "call", "call or increment")
	fs.BoolVar(&c.CrashSafe, "crash-safe", false, "temp file + rename")
	fs.StringVar(&c.Trace, "trace", "", "append lock holds here")
	if err := parseFlags(fs, args[1:], io.Discard); err != nil {
		return err
	}
	if c.File == "" {
		return usagef("--file is required")
	}
	if err := oneOf("--granularity", *granularity, "call", "increment"); err != nil {
		return err
	}
	c.PerIncrement = *granularity == "increment"
	return c.Run(n)
}

func nonNegative(s string) (int, error) {
	if s == "0" {
		return 0, nil
	}
	return positive("maxCount", s)
}
