// Command golocks runs the Locks! workbook's experiments from a terminal, and
// is the worker process that runtime/pool starts.
//
// Usage:
//
//	golocks count  --procs N --counts a,b,... --lock none|file [--granularity call|increment]
//	               [--crash-safe] [--file F [--overwrite]] [--lock-file L] [--trace T] [--quiet] [--json]
//	golocks shared --procs N --count M --mode racy|locked|rawlock|atomic [--json]
//	golocks redis  --procs N --count M --mode racy|incr|watch|lock|fenced [--redis URL] [--key K]
//	               [--ttl D] [--hold D] [--join N [--wait D]] [--json]
//	golocks redis  --redis URL --key K --reset
//	golocks steps  --procs N --counts a,b,... [--lock none|file] [--lock-file L] --schedule S [--quiet] [--json]
//	golocks schedules --procs N --counts a,b,... [--lock none|file] [--lock-file L] [--quiet] [--json]
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
// Several machines (or containers) count on one server's counter with
// redis --join N: reset the key once (--reset), then start a run with
// --join N on each; they start together when all N have joined, and each
// prints the total over all N when all have finished (expected: every
// run's increments; runs and this_run added to the JSON). --hold D keeps
// the lock D between each read and write (lock, fenced) and says when: a
// process paused then (podman pause) past --ttl has its write land over
// another's (lock) or rejected for its stale token (fenced).
//
// steps runs the workbook's work (workbook.Work; with --lock file,
// workbook.WorkLocked) in N processes, one file operation at a time, in the
// order the schedule says ("A read, B read, A write, B write", "ABAB",
// "A3 B3"; see course/stepper), and prints each step and the count; with
// --json, one JSON object, the stepper's Trace (expected, final, lost,
// steps: proc, op, value, file, lost, ...). schedules runs every distinct
// schedule of the same and prints how many, the final counts (finals:
// final count -> schedules) and the shortest schedule that loses an update
// (shortest_losing, which steps --schedule accepts). Both count in a new
// temp folder, removed at the end.
//
// worker is not for typing: a pool (runtime/pool) starts it, sends it one call
// of a workbook function on a channel of its own, and reads the outcome.
//
// What --file may name: the counter is reset (deleted) before the run, so
// it must be missing, or a regular file that is empty or holds a counter
// (an integer and a newline, or the digits and newlines racing writers
// leave of one); --overwrite allows any other regular file.
// Nothing golocks opens is anything but a regular file (never a device, a
// FIFO, a socket or a directory), nor a symbolic link: one planted by
// another user where the counter, its lock file or its trace should be is
// refused, never written through.
//
// --procs is at most 32 per CPU, and, for a user whose processes are
// limited (ulimit -u), what that limit leaves room for; a count is at most
// what could be counted within the run's bound, the pool's 2-minute
// timeout.
//
// Exit status, one rule for every command:
//
//	0    the run ended and its result is printed (worker: the call returned nil)
//	1    the run failed: one line on stderr, no result (worker: the call
//	     returned an error or panicked)
//	2    bad input, nothing was run: one line on stderr (worker: the call
//	     was never made)
//	128+n  stopped by signal n (130 SIGINT, 143 SIGTERM, 129 SIGHUP): the
//	     workers are stopped, the run's temp folder removed, one line says so
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/logging"
)

func main() {
	// Every failure is one line on stderr, said by golocks: go-redis's own
	// log lines (a connection it failed to make) would repeat it. The
	// program sets this, for its whole process; no package of golocks does.
	redis.SetLogger(&logging.VoidLogger{})
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  golocks count  --procs N --counts a,b,... --lock none|file [--granularity call|increment]
                 [--crash-safe] [--file F [--overwrite]] [--lock-file L] [--trace T] [--quiet] [--json]
  golocks shared --procs N --count M --mode racy|locked|rawlock|atomic [--json]
  golocks redis  --procs N --count M --mode racy|incr|watch|lock|fenced [--redis URL] [--key K]
                 [--ttl D] [--hold D] [--join N [--wait D]] [--json]
  golocks redis  --redis URL --key K --reset
  golocks steps  --procs N --counts a,b,... [--lock none|file] [--lock-file L] --schedule S [--quiet] [--json]
  golocks schedules --procs N --counts a,b,... [--lock none|file] [--lock-file L] [--quiet] [--json]
  golocks worker   (started by runtime/pool, which sends it one call)
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
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "count":
		err = countCmd(rest, stdout, stderr)
	case "shared":
		err = sharedCmd(rest, stdout, stderr)
	case "redis":
		err = redisCmd(rest, stdout, stderr)
	case "steps":
		err = stepsCmd(rest, stdout, stderr)
	case "schedules":
		err = schedulesCmd(rest, stdout, stderr)
	case "worker":
		return workerCmd(rest, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = usagef("unknown command %q (want count, shared, redis, steps, schedules or worker)", cmd)
	}
	return report(err, args[0], stderr)
}

// The exit statuses (see the package doc); the worker's are pool.Serve's,
// the same numbers.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// report prints err as one line and returns the exit status for it.
func report(err error, cmd string, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "golocks %s: %s\n", cmd, oneLine(err))
	var ue *usageError
	var se *signalError
	switch {
	case errors.As(err, &se):
		return se.status()
	case errors.As(err, &ue):
		return exitUsage
	default:
		return exitFailed
	}
}

// oneLine joins the lines of a multi-line error (errors.Join) with "; ",
// leaving out empty ones.
func oneLine(err error) string {
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}
