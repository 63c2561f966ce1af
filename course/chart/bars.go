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
		colors[i] = seriesColor(i)
	}

	p := newPlot(title)
	p.Y.Label.Text = unit
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
