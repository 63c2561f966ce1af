package main

import (
	"errors"
	"flag"
	jsonresult "github.com/golocks/golocks/internal/result"
	"io"
	"strconv"
	"strings"
)

// errHelp means -h was asked for and usage was printed: exit 0.
var errHelp = errors.New("help")

// parseFlags parses args into fs, turning the flag package's errors into
// one-line usage errors and refusing stray arguments.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return errHelp
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// positive parses a whole number > 0 named what.
func positive(what, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, usagef("%s: %q is not a whole number greater than 0", what, s)
	}
	return n, nil
}

// parseCounts parses "1000,2000": at most maxCounts counts (a worker
// process each), that the file counter can count within the run's bound.
func parseCounts(s string) ([]int, error) {
	fields := strings.Split(s, ",")
	if len(fields) > maxCounts {
		return nil, usagef("--counts: %d counts, at most %d (each is a worker process of its own)", len(fields), maxCounts)
	}
	var counts []int
	for _, f := range fields {
		n, err := positive("--counts", f)
		if err != nil {
			return nil, err
		}
		if err := checkCount("--counts", n, fileIncrementsPerSecond); err != nil {
			return nil, err
		}
		counts = append(counts, n)
	}
	if err := checkTotal("--counts", counts, fileIncrementsPerSecond); err != nil {
		return nil, err
	}
	return counts, nil
}

// oneOf checks that v is one of the allowed values of flag name.
func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usagef("%s: %q is not one of %s", name, v, strings.Join(allowed, ", "))
}

// A result is one experiment's outcome, printed as text or JSON
// (internal/result: the one type the bench reads back).
type result = jsonresult.Result

var newResult = jsonresult.New
