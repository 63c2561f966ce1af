package chart_test

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/course/chart"
	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
)

// decode checks that b is a PNG of the standard size and returns it.
func decode(t *testing.T, b []byte, err error) image.Image {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("output does not start with the PNG signature: % x", b[:min(len(b), 8)])
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("output is not a valid PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: 640, Y: 320}) {
		t.Fatalf("image is %v, want 640x320", got)
	}
	return img
}

// colours counts the distinct colours in img: a blank or nearly blank
// picture has only a handful.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			c0, c1, c2, c3 := img.At(x, y).RGBA()
			seen[[4]uint32{c0, c1, c2, c3}] = true
		}
	}
	return len(seen)
}

func wantErr(t *testing.T, what string, err error, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	if !strings.Contains(err.Error(), contains) {
		t.Fatalf("%s: error %q does not mention %q", what, err, contains)
	}
}

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func at(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }

func TestCounts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		got      []int
		expected int
	}{
		{"unlocked runs", []int{1502, 2013, 1187, 2085, 1004}, 3000},
		{"locked runs", []int{3000, 3000, 3000}, 3000},
		{"one run", []int{1700}, 3000},
		{"many runs", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}, 40},
		{"all zero", []int{0, 0}, 0},
		{"over the expected total", []int{3100, 2900}, 3000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := chart.Counts(tc.name, tc.got, tc.expected)
			img := decode(t, b, err)
			if n := colours(img); n < 10 {
				t.Errorf("only %d colours: the picture looks empty", n)
			}
		})
	}
}

func TestCountsErrors(t *testing.T) {
	_, err := chart.Counts("t", nil, 3000)
	wantErr(t, "no runs", err, "empty")
	_, err = chart.Counts("t", []int{}, 3000)
	wantErr(t, "no runs", err, "empty")
	_, err = chart.Counts("t", []int{10, -1}, 3000)
	wantErr(t, "negative count", err, "run 2")
	_, err = chart.Counts("t", []int{10}, -5)
	wantErr(t, "negative expected", err, "negative")
}

func TestBars(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels []string
		values []float64
		unit   string
	}{
		{"timings", []string{"serial", "unlocked", "locked"}, []float64{0.41, 0.40, 0.61}, "seconds"},
		{"one bar", []string{"atomic"}, []float64{12}, "ms"},
		{"long labels", []string{"racy int with a very long label indeed", "sync.Mutex", "sync/atomic", "one goroutine", "shared mmap + raw lock"}, []float64{1.2, 35.5, 12.25, 3.1, 55}, "ms"},
		{"negative and zero", []string{"a", "b", "c"}, []float64{-3, 0, 5}, ""},
		{"all zero", []string{"a", "b"}, []float64{0, 0}, "s"},
		{"tiny", []string{"a", "b"}, []float64{1e-9, 3e-9}, "s"},
		{"huge", []string{"a", "b"}, []float64{1e12, 3e12}, "ops"},
		{"empty labels", []string{"", ""}, []float64{1, 2}, "s"},
		{"a title far too long to fit on one line of a picture six hundred and forty pixels wide, so it shrinks", []string{"x"}, []float64{1}, "s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := chart.Bars(tc.name, tc.labels, tc.values, tc.unit)
			img := decode(t, b, err)
			if n := colours(img); n < 10 {
				t.Errorf("only %d colours: the picture looks empty", n)
			}
		})
	}
}

func TestBarsErrors(t *testing.T) {
	_, err := chart.Bars("t", nil, nil, "s")
	wantErr(t, "no values", err, "no values")
	_, err = chart.Bars("t", []string{"a"}, []float64{1, 2}, "s")
	wantErr(t, "mismatched lengths", err, "1 labels for 2 values")
	_, err = chart.Bars("t", []string{"a", "b"}, []float64{1, math.NaN()}, "s")
	wantErr(t, "NaN", err, "NaN")
	_, err = chart.Bars("t", []string{"a", "b"}, []float64{math.Inf(1), 1}, "s")
	wantErr(t, "Inf", err, "+Inf")
	_, err = chart.Bars("t", []string{"a", "b"}, []float64{-math.MaxFloat64, math.MaxFloat64}, "s")
	wantErr(t, "overflowing range", err, "too large")
}

func TestTimeline(t *testing.T) {
	perCall := []workbook.Span{
		{PID: 4242, Start: at(0), End: at(210)},
		{PID: 4243, Start: at(210.5), End: at(640)},
	}
	b, err := chart.Timeline("lock per call", perCall)
	img := decode(t, b, err)
	if n := colours(img); n < 10 {
		t.Errorf("only %d colours: the picture looks empty", n)
	}

	// The rows keep their colours: the first process's row (on top) is
	// blue, the second's orange, whatever order the spans come in.
	reversed := []workbook.Span{perCall[1], perCall[0]}
	b, err = chart.Timeline("lock per call", reversed)
	img2 := decode(t, b, err)
	if !bytes.Equal(pixels(img), pixels(img2)) {
		t.Error("the picture depends on the order of the spans")
	}

	// Degenerate but valid: one span, zero-length spans, all at one instant.
	b, err = chart.Timeline("one", []workbook.Span{{PID: 1, Start: at(0), End: at(5)}})
	decode(t, b, err)
	b, err = chart.Timeline("instant", []workbook.Span{{PID: 1, Start: at(3), End: at(3)}, {PID: 2, Start: at(3), End: at(3)}})
	decode(t, b, err)
	b, err = chart.Timeline("", []workbook.Span{{PID: 1, Start: at(0), End: at(0)}, {PID: 2, Start: at(1), End: at(900000)}})
	decode(t, b, err)
}

func pixels(img image.Image) []byte {
	var b []byte
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c0, c1, c2, _ := img.At(x, y).RGBA()
			b = append(b, byte(c0>>8), byte(c1>>8), byte(c2>>8))
		}
	}
	return b
}

// interleaved returns n spans from two processes taking turns one
// increment at a time, as with the lock held per increment.
func interleaved(n int) []workbook.Span {
	spans := make([]workbook.Span, 0, n)
	now := 0.0
	for i := 0; i < n; i++ {
		pid := 4242 + i%2
		if i > 2*n/3 {
			pid = 4243 // the second process has more to count and runs alone at the end
		}
		d := 0.12 + 0.05*float64(i%7)/7
		spans = append(spans, workbook.Span{PID: pid, Start: at(now), End: at(now + d)})
		now += d + 0.02
	}
	return spans
}

func TestTimelineManySpans(t *testing.T) {
	spans := interleaved(5000)
	b, err := chart.Timeline("lock per increment", spans)
	img := decode(t, b, err)
	if n := colours(img); n < 10 {
		t.Errorf("only %d colours: the picture looks empty", n)
	}
}

func TestTimelineErrors(t *testing.T) {
	_, err := chart.Timeline("t", nil)
	wantErr(t, "no spans", err, "no spans")
	_, err = chart.Timeline("t", []workbook.Span{{PID: 1, Start: at(5), End: at(4)}})
	wantErr(t, "end before start", err, "span 1 (pid 1) ends 1ms before it starts")
	_, err = chart.Timeline("t", []workbook.Span{{PID: 1, Start: at(0), End: at(1)}, {PID: 2, End: at(1)}})
	wantErr(t, "no start", err, "span 2 (pid 2) has no start time")
	_, err = chart.Timeline("t", []workbook.Span{{PID: 1, Start: at(0)}})
	wantErr(t, "no end", err, "no end time")
	var many []workbook.Span
	for pid := 1; pid <= 30; pid++ {
		many = append(many, workbook.Span{PID: pid, Start: at(float64(pid)), End: at(float64(pid) + 1)})
	}
	_, err = chart.Timeline("t", many)
	wantErr(t, "too many processes", err, "30 processes")
}

func BenchmarkTimeline5000(b *testing.B) {
	spans := interleaved(5000)
	for b.Loop() {
		if _, err := chart.Timeline("lock per increment", spans); err != nil {
			b.Fatal(err)
		}
	}
}

// lostUpdate is the lesson's example: A and B both read 41 and both write
// 42; then B reads the file while A rewrites it, finds it empty, and
// writes 1 over A's 43.
func lostUpdate() []workbook.Step {
	us := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Microsecond) }
	return []workbook.Step{
		{PID: 11, Who: "A", Start: us(0), End: us(10), Value: 41},
		{PID: 22, Who: "B", Start: us(5), End: us(15), Value: 41},
		{PID: 11, Who: "A", Start: us(20), End: us(30), Write: true, Value: 42, Overwritten: true, OverwrittenBy: "B"},
		{PID: 22, Who: "B", Start: us(25), End: us(35), Write: true, Value: 42, Replaced: 42, ReplacedWho: "A"},
		{PID: 11, Who: "A", Start: us(40), End: us(50), Value: 42},
		{PID: 11, Who: "A", Start: us(60), End: us(70), Write: true, Value: 43, Overwritten: true, OverwrittenBy: "B"},
		{PID: 22, Who: "B", Start: us(62), End: us(66), Reset: "an empty file"},
		{PID: 22, Who: "B", Start: us(80), End: us(90), Write: true, Value: 1, Replaced: 43, ReplacedWho: "A"},
	}
}

func TestSteps(t *testing.T) {
	steps := lostUpdate()
	b, err := chart.Steps("no lock", steps)
	img := decode(t, b, err)
	if n := colours(img); n < 10 {
		t.Errorf("only %d colours: the picture looks empty", n)
	}
	// The steps are drawn in the order they began, whatever their order
	// in the slice.
	shuffled := append([]workbook.Step{steps[7], steps[3]}, steps[:3]...)
	shuffled = append(shuffled, steps[4:7]...)
	b2, err := chart.Steps("no lock", shuffled)
	if !bytes.Equal(pixels(img), pixels(decode(t, b2, err))) {
		t.Error("the picture depends on the order of the steps")
	}

	// Held locks: one bar per hold. Steps without names get A, B... in
	// the order they first appear; a long stretch is labelled in ms.
	locked := lostUpdate()
	for i := range locked {
		locked[i].Who, locked[i].Hold = "", i/2+1
		locked[i].Start = locked[i].Start.Add(time.Duration(i) * 50 * time.Millisecond)
		locked[i].End = locked[i].Start.Add(time.Millisecond)
	}
	b, err = chart.Steps("locked", locked)
	decode(t, b, err)

	// One step, and the most a picture draws.
	b, err = chart.Steps("one", steps[:1])
	decode(t, b, err)
	var many []workbook.Step
	for i := range 16 {
		s := steps[i%len(steps)]
		s.Start, s.End = at(float64(i)), at(float64(i)+0.5)
		many = append(many, s)
	}
	b, err = chart.Steps("sixteen", many)
	decode(t, b, err)
}

func TestStepsErrors(t *testing.T) {
	_, err := chart.Steps("t", nil)
	wantErr(t, "no steps", err, "no steps")
	many := make([]workbook.Step, 17)
	for i := range many {
		many[i] = workbook.Step{PID: 1, Start: at(float64(i)), End: at(float64(i))}
	}
	_, err = chart.Steps("t", many)
	wantErr(t, "too many steps", err, "workbook.Zoom")
	_, err = chart.Steps("t", []workbook.Step{{PID: 1, Start: at(5), End: at(4)}})
	wantErr(t, "end before start", err, "step 1 (pid 1) ends 1ms before it starts")
	_, err = chart.Steps("t", []workbook.Step{{PID: 1, Start: at(0), End: at(1)}, {PID: 2, End: at(1)}})
	wantErr(t, "no start", err, "step 2 (pid 2) has no start time")
	_, err = chart.Steps("t", []workbook.Step{{PID: 1, Start: at(0)}})
	wantErr(t, "no end", err, "no end time")
}

func TestTrace(t *testing.T) {
	both := func() *stepper.Trace {
		return &stepper.Trace{Procs: []string{"A", "B"}, Counts: []int{1, 1}, Steps: []stepper.Step{
			{Proc: "A", Op: stepper.Lock, Lock: "A", File: "(no file)"},
			{Proc: "B", Op: stepper.Lock, Lock: "A", Waiting: []string{"B"}, File: "(no file)"},
			{Proc: "A", Op: stepper.Read, Reset: "no file", Lock: "A", Waiting: []string{"B"}, File: "(no file)"},
			{Proc: "A", Op: stepper.Truncate, Lock: "A", Waiting: []string{"B"}, File: ""},
			{Proc: "A", Op: stepper.Write, Value: 1, Lock: "A", Waiting: []string{"B"}, File: "1"},
			{Proc: "A", Op: stepper.Unlock, Lock: "B", File: "1"},
			{Proc: "B", Op: stepper.Read, Value: 1, Lock: "B", File: "1"},
			{Proc: "A", Op: stepper.End, Lock: "B", File: "1"},
			{Proc: "B", Op: stepper.Truncate, Lock: "B", File: ""},
			{Proc: "B", Op: stepper.Write, Value: 2, Lock: "B", File: "2"},
			{Proc: "B", Op: stepper.Unlock, File: "2"},
			{Proc: "B", Op: stepper.End, Err: "boom", File: "2"},
		}}
	}
	b, err := chart.Trace("with the lock", both())
	if n := colours(decode(t, b, err)); n < 10 {
		t.Errorf("only %d colours: the picture looks empty", n)
	}
	// No Procs or Counts: the rows come from the steps.
	tr := both()
	tr.Procs, tr.Counts = nil, nil
	b, err = chart.Trace("unnamed", tr)
	decode(t, b, err)
	// The most a picture draws.
	var many stepper.Trace
	for i := range 32 {
		many.Steps = append(many.Steps, stepper.Step{Proc: string(rune('A' + i%3)), Op: stepper.Read, File: "(no file)", Reset: "no file"})
	}
	b, err = chart.Trace("32", &many)
	decode(t, b, err)
}

func TestTraceErrors(t *testing.T) {
	_, err := chart.Trace("t", nil)
	wantErr(t, "nil", err, "nil")
	_, err = chart.Trace("t", &stepper.Trace{})
	wantErr(t, "no steps", err, "no steps")
	many := &stepper.Trace{Steps: make([]stepper.Step, 33)}
	_, err = chart.Trace("t", many)
	wantErr(t, "too many steps", err, "33 steps")
	_, err = chart.Trace("t", &stepper.Trace{Procs: []string{"A", "B"}, Steps: []stepper.Step{{Proc: "C", Op: stepper.Read}}})
	wantErr(t, "unknown process", err, `step 1: process "C" is not one of the trace's A, B`)
	_, err = chart.Trace("t", &stepper.Trace{Steps: []stepper.Step{{Proc: "A", Op: "jump"}}})
	wantErr(t, "unknown op", err, `unknown op "jump"`)
	_, err = chart.Trace("t", &stepper.Trace{Procs: []string{"A", "A"}, Steps: []stepper.Step{{Proc: "A", Op: stepper.Read}}})
	wantErr(t, "duplicate process", err, "each needs a name")
}

func TestTimings(t *testing.T) {
	b, err := chart.Timings("Counting to 3000", []string{"serial", "2 processes, no lock", "2 processes, locked"},
		[]float64{0.41, 0.40, 0.61}, []int{3000, 1789, 3000}, 3000)
	if n := colours(decode(t, b, err)); n < 10 {
		t.Errorf("only %d colours: the picture looks empty", n)
	}
	b, err = chart.Timings("all zero", []string{"a"}, []float64{0}, []int{0}, 0)
	decode(t, b, err)

	_, err = chart.Timings("t", nil, nil, nil, 3)
	wantErr(t, "no times", err, "no times")
	_, err = chart.Timings("t", []string{"a", "b"}, []float64{1, 2}, []int{3}, 3)
	wantErr(t, "mismatched", err, "2 labels, 2 times and 1 counts")
	_, err = chart.Timings("t", []string{"a"}, []float64{-1}, []int{3}, 3)
	wantErr(t, "negative time", err, `time 1 ("a")`)
	_, err = chart.Timings("t", []string{"a"}, []float64{1}, []int{3}, -3)
	wantErr(t, "negative expected", err, "negative")
}
