// Command golocks runs the Locks! workbook's experiments from a terminal, and
// is the worker process that pkg/pool starts.
//
// Usage:
//
//	golocks count  --procs N --counts a,b,... --lock none|file [--granularity call|increment]
//	               [--crash-safe] [--file F] [--lock-file L] [--trace T] [--quiet] [--json]
//	golocks shared --procs N --count M --mode racy|locked|rawlock|atomic [--json]
//	golocks redis  --procs N --count M --mode racy|incr|watch|lock|fenced [--redis URL] [--json]
//	golocks worker
//
// count races N processes on a counter kept in a file, as the workbook's
// work function does; shared races them on an int64 in shared memory;
// redis on a counter in a Redis server (a private one unless --redis names
// one), adding retries (watch) or rejected (fenced) to its output. All
// print what was expected, what was counted, how many updates were lost and
// how long it took; with --json, one JSON object with exactly the keys
// expected, got, lost and elapsed_s, the same flags and output as the
// workbook's Python reference, so the two can be run side by side.
//
// worker is not for typing: a pool (pkg/pool) starts it, sends it one call
// of a workbook function on a channel of its own, and reads the outcome.
//
// Bad input is one line on stderr and exit status 2; a failed run is exit
// status 1. The worker's statuses follow the same rule: 0 the call returned
// nil, 1 it failed, 2 it was never made (bad input).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  golocks count  --procs N --counts a,b,... --lock none|file [--granularity call|increment]
                 [--crash-safe] [--file F] [--lock-file L] [--trace T] [--quiet] [--json]
  golocks shared --procs N --count M --mode racy|locked|rawlock|atomic [--json]
  golocks redis  --procs N --count M --mode racy|incr|watch|lock|fenced [--redis URL] [--json]
  golocks worker   (started by pkg/pool, which sends it one call)
`

// A usageError is bad input: reported as one line, exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// run is main without the exit, so tests can call it.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "count":
		err = countCmd(rest, stdout, stderr)
	case "shared":
		err = sharedCmd(rest, stdout, stderr)
	case "redis":
		err = redisCmd(rest, stdout, stderr)
	case "worker":
		return workerCmd(rest, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usagef("unknown command %q (want count, shared, redis or worker)", cmd)
	}
	return report(err, args[0], stderr)
}

// report prints err as one line and returns the exit status for it.
func report(err error, cmd string, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "golocks %s: %v\n", cmd, err)
		return 2
	default:
		fmt.Fprintf(stderr, "golocks %s: %v\n", cmd, oneLine(err))
		return 1
	}
}

// oneLine joins a multi-line error (errors.Join) with "; ".
func oneLine(err error) string {
	b := []byte(err.Error())
	for i, c := range b {
		if c == '\n' {
			b[i] = ';'
		}
	}
	return string(b)
}
