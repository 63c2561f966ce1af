package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
)

// Bars draws one bar per label, labelled underneath and with its value
// written on top, and the unit on the y axis. Use it to put measurements of
// variants side by side: serial vs unlocked vs locked run times (Exercise 5),
// lock per call vs lock per increment, or racy vs mutex vs atomic goroutines.
//
// labels and values go together, one value per label, in the order to draw
// them; unit names the values ("s", "ms", "increments/s") and may be empty.
// A unit of time is spelled out on the axis ("s": "time (seconds)") and
// written after each value ("0.41 s"). To compare run times of variants
// that count, and show which counted wrong, use Timings.
// Each bar gets its own colour because each is a different variant.
// Values must be finite numbers; a NaN usually means a measurement failed,
// so it is reported rather than drawn as a missing bar.
func Bars(title string, labels []string, values []float64, unit string) ([]byte, error) {
	if len(values) == 0 {
		return nil, errors.New("chart.Bars: no values to draw")
	}
	if len(labels) != len(values) {
		return nil, fmt.Errorf("chart.Bars: %d labels for %d values; need one label per value", len(labels), len(values))
	}
	vals := make([]float64, len(values))
	texts := make([]string, len(values))
	colors := make([]color.Color, len(values))
	for i, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("chart.Bars: value %d (%q) is %v; need a finite number", i+1, labels[i], v)
		}
		vals[i] = v
		texts[i] = formatValue(v)
		if _, ok := timeUnits[unit]; ok {
			texts[i] += " " + unit
		}
		colors[i] = seriesColor(i)
	}

	p := newPlot(title)
	p.Y.Label.Text = unitLabel(unit)
	categoryAxis(p, labels)
	if err := valueAxis(p, vals, math.NaN(), 0.15, false); err != nil {
		return nil, fmt.Errorf("chart.Bars: %w", err)
	}
	p.Add(&barSet{values: vals, colors: colors, labels: texts, ref: math.NaN()})
	b, err := render(p)
	if err != nil {
		return nil, fmt.Errorf("chart.Bars: %w", err)
	}
	return b, nil
}

// timeUnits spells out the units of time a Bars axis may be given.
var timeUnits = map[string]string{
	"s":  "seconds",
	"ms": "milliseconds",
	"µs": "microseconds",
	"us": "microseconds",
	"ns": "nanoseconds",
}

// unitLabel is the y axis label for values in unit: "time (seconds)" for
// "s", the unit itself for any other.
func unitLabel(unit string) string {
	if words, ok := timeUnits[unit]; ok {
		return "time (" + words + ")"
	}
	return unit
}

// Timings draws how long each variant took to count, one bar per variant
// as Bars does, in seconds, and over each bar the count it came to: a
// variant that counted wrong (not expected) is outlined in red and says
// so ("count 1789: wrong"), so that the fastest bar is never mistaken for
// the best. Use it to time serial, unlocked and locked counting side by
// side (Exercise 5), or the shared-memory variants.
//
// labels, seconds and counts go together, one of each per variant;
// expected is the count a correct variant reaches.
func Timings(title string, labels []string, seconds []float64, counts []int, expected int) ([]byte, error) {
	b, err := timings(title, labels, seconds, counts, expected)
	if err != nil {
		return nil, fmt.Errorf("chart.Timings: %w", err)
	}
	return b, nil
}

func timings(title string, labels []string, seconds []float64, counts []int, expected int) ([]byte, error) {
	switch {
	case len(seconds) == 0:
		return nil, errors.New("no times to draw")
	case len(labels) != len(seconds) || len(counts) != len(seconds):
		return nil, fmt.Errorf("%d labels, %d times and %d counts; need one of each per variant", len(labels), len(seconds), len(counts))
	case expected < 0:
		return nil, fmt.Errorf("expected count %d is negative", expected)
	}
	texts := make([]string, len(seconds))
	colors := make([]color.Color, len(seconds))
	notes := make([]string, len(seconds))
	wrong := make([]bool, len(seconds))
	for i, v := range seconds {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return nil, fmt.Errorf("time %d (%q) is %v; need a finite number of seconds, not negative", i+1, labels[i], v)
		}
		texts[i] = formatValue(v) + " s"
		colors[i] = seriesColor(i)
		notes[i], wrong[i] = countNote(counts[i], expected)
	}
	p := newPlot(title)
	p.Y.Label.Text = unitLabel("s")
	categoryAxis(p, labels)
	if err := valueAxis(p, seconds, math.NaN(), 0.3, false); err != nil {
		return nil, err
	}
	p.Add(&barSet{values: seconds, colors: colors, labels: texts, ref: math.NaN(), notes: notes, wrong: wrong})
	return render(p)
}

// countNote is what Timings writes over a bar about its count, and
// whether the count is wrong.
func countNote(count, expected int) (string, bool) {
	if count != expected {
		return fmt.Sprintf("count %d: wrong", count), true
	}
	return fmt.Sprintf("count %d", count), false
}
