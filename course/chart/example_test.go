package chart_test

import (
	"bytes"
	"fmt"
	"image"
	_ "image/png" // registers the PNG decoder for image.DecodeConfig
	"time"

	"github.com/golocks/golocks/course/chart"
	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
)

// describe prints what a notebook would show: the format, the size in
// pixels, and whether the file is small enough for a notebook to embed.
func describe(b []byte, err error) {
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		fmt.Println("not an image:", err)
		return
	}
	fmt.Printf("%s %dx%d, under 100 KB: %v\n", format, cfg.Width, cfg.Height, len(b) < 100<<10)
}

// Exercise 3, five times over: two unlocked processes counting to 1000 and
// 2000 in one file. In a notebook, show the picture with display.PNG(b).
func ExampleCounts() {
	b, err := chart.Counts("Unlocked: work(1000) and work(2000) in parallel",
		[]int{1502, 2013, 1187, 2085, 1004}, 3000)
	describe(b, err)
	// Output: png 640x320, under 100 KB: true
}

// The lock held for the whole call: one process counts to 1000, then the
// other to 2000. In a notebook the spans come from workbook.ReadTrace.
func ExampleTimeline() {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	spans := []workbook.Span{
		{PID: 4242, Start: at(0), End: at(210)},
		{PID: 4243, Start: at(211), End: at(640)},
	}
	describe(chart.Timeline("Lock per call: the processes take turns", spans))
	// Output: png 640x320, under 100 KB: true
}

// The lost update itself: A and B both read 41 and both write 42. In a
// notebook the steps come from workbook.ReadSteps, cut to a dozen with
// workbook.Zoom.
func ExampleSteps() {
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	at := func(us int) time.Time { return t0.Add(time.Duration(us) * time.Microsecond) }
	steps := []workbook.Step{
		{PID: 4242, Who: "A", Start: at(0), End: at(9), Value: 41},
		{PID: 4243, Who: "B", Start: at(4), End: at(13), Value: 41},
		{PID: 4242, Who: "A", Start: at(20), End: at(41), Write: true, Value: 42, Overwritten: true, OverwrittenBy: "B"},
		{PID: 4243, Who: "B", Start: at(25), End: at(47), Write: true, Value: 42, Replaced: 42, ReplacedWho: "A"},
	}
	describe(chart.Steps("A read 41, B read 41, both wrote 42", steps))
	// Output: png 640x320, under 100 KB: true
}

// Exercise 5: serial, unlocked and locked run times side by side.
func ExampleBars() {
	b, err := chart.Bars("Counting to 3000",
		[]string{"serial", "unlocked (wrong)", "locked"},
		[]float64{0.41, 0.40, 0.61}, "seconds")
	describe(b, err)
	// Output: png 640x320, under 100 KB: true
}

// Exercise 5 with the counts: the unlocked run is as fast as the serial
// one, and its bar says it counted wrong.
func ExampleTimings() {
	b, err := chart.Timings("Counting to 3000",
		[]string{"serial", "2 processes, no lock", "2 processes, locked"},
		[]float64{0.41, 0.40, 0.61}, []int{3000, 1789, 3000}, 3000)
	describe(b, err)
	// Output: png 640x320, under 100 KB: true
}

// Bad input is an error, never a panic: here, one label too few.
func ExampleBars_error() {
	_, err := chart.Bars("Counting to 3000", []string{"serial", "locked"}, []float64{0.41, 0.40, 0.61}, "s")
	fmt.Println(err)
	// Output: chart.Bars: 2 labels for 3 values; need one label per value
}

// A schedule replayed by the stepper: both processes read before either
// writes, so B's write wipes out A's. In a notebook the trace comes from
// the stepper; the picture marks A's write lost and says "expected 2,
// final 1: 1 update lost".
func ExampleTrace() {
	tr := &stepper.Trace{
		Procs:    []string{"A", "B"},
		Counts:   []int{1, 1},
		Schedule: "A read, B read, A truncate, A write, B truncate, B write",
		Steps: []stepper.Step{
			{Proc: "A", Op: stepper.Read, Reset: "no file", File: "(no file)"},
			{Proc: "B", Op: stepper.Read, Reset: "no file", File: "(no file)"},
			{Proc: "A", Op: stepper.Truncate, File: ""},
			{Proc: "A", Op: stepper.Write, Value: 1, File: "1"},
			{Proc: "B", Op: stepper.Truncate, File: ""},
			{Proc: "B", Op: stepper.Write, Value: 1, File: "1"},
		},
	}
	describe(chart.Trace("A read, B read, A write, B write", tr))
	// Output: png 640x320, under 100 KB: true
}
