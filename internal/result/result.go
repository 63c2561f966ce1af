// Package result is the one outcome an experiment prints with --json: the
// object `golocks count|shared|redis --json` and the workbook's Python
// reference (locks_reference.py) print, with exactly these keys, and that
// the bench reads back from both. One type, one rounding, one parser.
package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// A Result is one run of one experiment. Lost is always Expected - Got.
type Result struct {
	Expected int64   `json:"expected"`
	Got      int64   `json:"got"`
	Lost     int64   `json:"lost"`
	Elapsed  float64 `json:"elapsed_s"` // seconds, to the microsecond
}

// New is the result of a run asked to count to expected that came to got
// in elapsed. Elapsed is rounded to the microsecond, as the JSON prints it.
func New(expected, got int64, elapsed time.Duration) Result {
	return Result{
		Expected: expected,
		Got:      got,
		Lost:     expected - got,
		Elapsed:  math.Round(elapsed.Seconds()*1e6) / 1e6,
	}
}

// PerIncrement is the run's time divided by the increments it was asked
// to make, in seconds; NaN for a run asked for none.
func (r Result) PerIncrement() float64 {
	if r.Expected <= 0 {
		return math.NaN()
	}
	return r.Elapsed / float64(r.Expected)
}

// Print writes r as one JSON object on a line, or as a line for people.
func (r Result) Print(w io.Writer, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(r) // four numbers: cannot fail
		fmt.Fprintf(w, "%s\n", b)
		return
	}
	fmt.Fprintf(w, "expected %d got %d lost %d in %.3fs\n", r.Expected, r.Got, r.Lost, r.Elapsed)
}

// Parse finds the result in a tool's standard output: the last line that
// is a JSON object with exactly these keys. The lines before it, if any,
// are the workbook's messages ("File read error, starting to count from
// 0; ..."), which the Python reference prints on stdout too.
func Parse(out []byte) (Result, error) {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		line := bytes.TrimSpace(lines[i])
		if !bytes.HasPrefix(line, []byte("{")) {
			continue
		}
		var r Result
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			return Result{}, fmt.Errorf("result %q: %w", line, err)
		}
		if r.Expected <= 0 || r.Elapsed <= 0 || r.Lost != r.Expected-r.Got {
			return Result{}, fmt.Errorf("result %q: inconsistent (expected %d, got %d, lost %d, %gs)",
				line, r.Expected, r.Got, r.Lost, r.Elapsed)
		}
		return r, nil
	}
	return Result{}, errors.New("no JSON result in the output")
}
