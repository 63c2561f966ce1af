package chart

import (
	"errors"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// barWidth is the width of a bar as a fraction of the space per bar.
const barWidth = 0.6

// maxLabelRunes is the longest category label drawn in full; longer ones are
// cut with an ellipsis so that one long name cannot squeeze the plot.
const maxLabelRunes = 24

// barSet is a plotter for one bar per category, category i at x = i, with
// its value written above it. gonum's BarChart takes its width in points,
// which would have to be guessed before the layout is known; this one works
// in data units, so any number of bars fills the width evenly.
type barSet struct {
	values []float64
	colors []color.Color
	labels []string // drawn above (or, for negative values, below) each bar
	// ref is a reference line (NaN for none) that a label just under it
	// would be crossed by; such a label moves above the line.
	ref float64
	// inside puts each label inside its bar, at the top, in white, when
	// the bar is tall enough: above it is the ghost of what it lost.
	inside bool
	// notes, if set, are a line over each label: what the bar's variant
	// counted (Timings); a bar marked wrong is outlined in red and its
	// note is red.
	notes []string
	wrong []bool
}

func (b *barSet) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	zero := trY(0)
	for i, v := range b.values {
		x0, x1 := trX(float64(i)-barWidth/2), trX(float64(i)+barWidth/2)
		y := trY(v)
		pts := []vg.Point{{X: x0, Y: zero}, {X: x0, Y: y}, {X: x1, Y: y}, {X: x1, Y: zero}}
		c.FillPolygon(b.colors[i], c.ClipPolygonXY(pts))
		if i < len(b.wrong) && b.wrong[i] {
			c.StrokeLines(draw.LineStyle{Color: reference, Width: vg.Points(2.5)}, c.ClipLinesXY(append(pts, pts[0]))...)
		}
	}
	// The zero line, drawn over the bars' feet so that they stand on it.
	c.StrokeLine2(draw.LineStyle{Color: textColor, Width: vg.Points(0.75)}, c.Min.X, zero, c.Max.X, zero)

	// Every bar keeps its value label: all in one size, the largest at
	// which the widest fits over its bar.
	slot := trX(1) - trX(0)
	sty := fitted(textStyle(9), append(slices.Clone(b.labels), b.notes...), slot*0.95, 0)
	for i, l := range b.labels {
		s := sty
		off := vg.Points(2)
		y := trY(b.values[i])
		h := s.Height(l)
		switch {
		case b.values[i] < 0:
			s.YAlign = draw.YTop
			off = -off
		case b.inside && y-zero >= h+2*off:
			s.YAlign = draw.YTop
			s.Color = color.White
			off = -off
		case !math.IsNaN(b.ref):
			if r := trY(b.ref); r > y && r-y < h+off {
				y = r
			}
		}
		at := y + off
		// Never outside the plot: a label that would stick out over
		// the top (or under the bottom) is drawn just inside it.
		if s.YAlign == draw.YBottom {
			at = min(at, c.Max.Y-h)
		} else {
			at = max(at, c.Min.Y+h)
		}
		c.FillText(s, vg.Point{X: trX(float64(i)), Y: at}, l)
		if i < len(b.notes) && s.YAlign == draw.YBottom {
			n := sty
			n.Color = tint(textColor, 0.6)
			if b.wrong[i] {
				n.Color = lostText
			}
			c.FillText(n, vg.Point{X: trX(float64(i)), Y: min(at+h+vg.Points(1), c.Max.Y-h)}, b.notes[i])
		}
	}
}

// categoryAxis makes p's x axis show one label per bar, centred under it,
// tilting the labels when they would not fit side by side.
func categoryAxis(p *plot.Plot, names []string) {
	ticks := make([]plot.Tick, len(names))
	var widest vg.Length
	for i, n := range names {
		n = shorten(n, maxLabelRunes)
		ticks[i] = plot.Tick{Value: float64(i), Label: n}
		if w := p.X.Tick.Label.Width(n); w > widest {
			widest = w
		}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Tick.Length = 0
	p.X.Tick.Width = 0
	p.X.Width = 0 // the bars' zero line is the baseline
	p.X.Padding = 0
	p.X.Min, p.X.Max = -0.5, float64(len(names))-0.5

	// The data area is about 420pt wide once the y axis has its room.
	if slot := vg.Points(420) / vg.Length(len(names)); widest > slot*0.9 {
		p.X.Tick.Label.Rotation = math.Pi / 6
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YTop
	}
}

// valueAxis sets p's y range to hold values, zero, the reference value
// (NaN for none) and headroom (a fraction of the range) for the labels over
// the bars, and adds horizontal grid lines. It fails only for values so
// large that the range overflows.
func valueAxis(p *plot.Plot, values []float64, ref, headroom float64, integer bool) error {
	lo, hi := 0.0, 0.0
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if !math.IsNaN(ref) {
		lo, hi = math.Min(lo, ref), math.Max(hi, ref)
	}
	if lo == 0 && hi == 0 { // all zero: still draw a sensible axis
		hi = 1
	}
	span := hi - lo
	if hi > 0 {
		hi += headroom * span
	}
	if lo < 0 {
		lo -= headroom * span
	}
	if math.IsInf(hi-lo, 0) {
		return errors.New("values too large to draw (their range overflows a float64)")
	}
	p.Y.Min, p.Y.Max = lo, hi
	p.Y.Padding = 0
	p.Y.Tick.Marker = niceTicks{n: 5, integer: integer}

	g := plotter.NewGrid()
	g.Vertical.Color = nil
	g.Horizontal.Color = gridColor
	g.Horizontal.Width = vg.Points(0.5)
	p.Add(g)
	return nil
}

// formatValue writes v with about three significant digits, without
// trailing zeros, and in exponent form only for magnitudes a plain number
// would make unreadable.
func formatValue(v float64) string {
	a := math.Abs(v)
	var s string
	switch {
	case v == 0:
		return "0"
	case a >= 1e7 || a < 1e-3:
		return strconv.FormatFloat(v, 'g', 3, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// shorten cuts s to at most n runes, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
