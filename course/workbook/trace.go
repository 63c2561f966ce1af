package workbook

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golocks/golocks/internal/regular"
)

// Span is one stretch of time a process held the lock (or, unlocked, did one
// read-increment-write). A notebook draws them on a timeline to show who
// held the lock when.
type Span struct {
	PID        int
	Start, End time.Time

	// Count is the maxCount of the Run that made the span (0 in a trace
	// written before counts were noted): it says which process is which,
	// "A (counts 1000)".
	Count int

	// Who names the process for people: "A", "B", ... in the order of the
	// processes' first spans (set by ReadTrace).
	Who string
}

// ReadTrace reads the spans a Counter with Trace set wrote, in the order
// they were appended (roughly by End), each process named (Who) in the
// order of its first span's start. Use it after the workers finish.
func ReadTrace(path string) ([]Span, error) {
	spans, err := readRecords(path, "read trace", parseSpan)
	if err != nil {
		return nil, err
	}
	first := map[int]time.Time{}
	var pids []int
	for _, s := range spans {
		if t, ok := first[s.PID]; !ok || s.Start.Before(t) {
			if !ok {
				pids = append(pids, s.PID)
			}
			first[s.PID] = s.Start
		}
	}
	slices.SortStableFunc(pids, func(a, b int) int { return first[a].Compare(first[b]) })
	names := map[int]string{}
	for i, pid := range pids {
		names[pid] = processName(i)
	}
	for i := range spans {
		spans[i].Who = names[spans[i].PID]
	}
	return spans, nil
}

// readRecords parses every line of the file at path that is not blank,
// trimmed, with parse, and returns the records in the file's order; what
// says what is being read, for errors, which also name the line.
func readRecords[T any](path, what string, parse func(line string) (T, error)) ([]T, error) {
	data, err := regular.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var records []T
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		r, err := parse(line)
		if err != nil {
			return nil, fmt.Errorf("%s %s: line %d: %w", what, path, n, err)
		}
		records = append(records, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	return records, nil
}

// parseSpan parses "pid startUnixNano endUnixNano [count]".
func parseSpan(line string) (Span, error) {
	f := strings.Fields(line)
	if len(f) != 3 && len(f) != 4 {
		return Span{}, fmt.Errorf("%q: want \"pid start end [count]\"", line)
	}
	var v [4]int64
	for i, s := range f {
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Span{}, fmt.Errorf("%q: %w", line, err)
		}
		v[i] = x
	}
	if v[2] < v[1] {
		return Span{}, fmt.Errorf("%q: ends before it starts", line)
	}
	if v[3] < 0 {
		return Span{}, fmt.Errorf("%q: a negative count", line)
	}
	return Span{PID: int(v[0]), Start: time.Unix(0, v[1]), End: time.Unix(0, v[2]), Count: int(v[3])}, nil
}

// tracer appends spans to a trace file. A nil *tracer traces nothing, so
// the counting loop needs no "if tracing".
type tracer struct {
	f     *os.File
	pid   int
	count int    // the Run's maxCount, noted on each span
	buf   []byte // reused: no allocation per span
}

// openTrace opens path for appending, once per Run. O_APPEND makes each
// write land at the end even with other processes appending, and one write
// per line keeps lines whole. Only a regular file is opened, never through
// a symbolic link (package regular).
func openTrace(path string) (*tracer, error) {
	f, err := regular.Open(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	return &tracer{f: f, pid: os.Getpid(), buf: make([]byte, 0, 64)}, nil
}

// now is time.Now when tracing; reading the clock is skipped otherwise.
func (t *tracer) now() time.Time {
	if t == nil {
		return time.Time{}
	}
	return time.Now()
}

// span appends "pid start end count\n" in one write.
func (t *tracer) span(start, end time.Time) error {
	if t == nil {
		return nil
	}
	b := strconv.AppendInt(t.buf[:0], int64(t.pid), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, start.UnixNano(), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, end.UnixNano(), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(t.count), 10)
	b = append(b, '\n')
	t.buf = b
	if _, err := t.f.Write(b); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}

func (t *tracer) close() error {
	if t == nil {
		return nil
	}
	if err := t.f.Close(); err != nil {
		return fmt.Errorf("trace: %w", err)
	}
	return nil
}
