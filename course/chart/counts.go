package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Counts draws the final counts of several runs as bars, one per run, with
// the expected total as a labelled horizontal line across them. Use it after
// running the unlocked counter a few times (Exercise 3): every bar falls short
// of the line by a different amount, which is the race condition made
// visible. The part of each bar that is missing is drawn as a pale red ghost
// up to the line, with the number of lost updates written in it (just over
// the line when the ghost is too thin); each bar's own count is written
// inside it, at the top. Run the locked version the same way and every bar meets the line.
//
// got holds one final count per run, in run order; expected is the count a
// correct program reaches (3000 for work(1000) and work(2000)). Counts are
// never negative, so negative values are an error, as is an empty got.
func Counts(title string, got []int, expected int) ([]byte, error) {
	if len(got) == 0 {
		return nil, errors.New("chart.Counts: no runs to draw (got is empty)")
	}
	if expected < 0 {
		return nil, fmt.Errorf("chart.Counts: expected total %d is negative", expected)
	}
	values := make([]float64, len(got))
	labels := make([]string, len(got))
	names := make([]string, len(got))
	colors := make([]color.Color, len(got))
	for i, g := range got {
		if g < 0 {
			return nil, fmt.Errorf("chart.Counts: run %d has a negative count %d", i+1, g)
		}
		values[i] = float64(g)
		labels[i] = strconv.Itoa(g)
		colors[i] = seriesColor(0) // the runs are the same experiment: one colour
		names[i] = "run " + strconv.Itoa(i+1)
	}
	if len(got) > 8 {
		// "run 12" under each of many bars crowds the axis; the axis label
		// says what the numbers are.
		for i := range names {
			names[i] = strconv.Itoa(i + 1)
		}
	}

	p := newPlot(title)
	p.Y.Label.Text = "final count"
	if len(got) > 8 {
		p.X.Label.Text = "run"
	}
	categoryAxis(p, names)
	// Room above the expected line for the two-line legend, so that it never
	// covers a bar.
	if err := valueAxis(p, values, float64(expected), 0.3, true); err != nil {
		return nil, fmt.Errorf("chart.Counts: %w", err)
	}
	lost := &shortfall{got: values, expected: float64(expected), color: tint(reference, 0.22)}
	p.Add(lost, &barSet{values: values, colors: colors, labels: labels, ref: float64(expected), inside: true})
	line := &hline{y: float64(expected), style: draw.LineStyle{
		Color:  reference,
		Width:  vg.Points(1.5),
		Dashes: []vg.Length{vg.Points(6), vg.Points(3)},
	}}
	p.Add(line)
	p.Legend.Add("expected "+strconv.Itoa(expected), line)
	for _, g := range got {
		if g < expected {
			p.Legend.Add("lost updates", lost)
			break
		}
	}
	p.Legend.Padding = vg.Points(2)
	b, err := render(p)
	if err != nil {
		return nil, fmt.Errorf("chart.Counts: %w", err)
	}
	return b, nil
}

// hline is a horizontal reference line across the whole plot.
type hline struct {
	y     float64
	style draw.LineStyle
}

func (h *hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(h.y)
	if !c.ContainsY(y) || math.IsNaN(h.y) {
		return
	}
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// Thumbnail draws the line's sample in the legend.
func (h *hline) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(h.style, c.Min.X, y, c.Max.X, y)
}

// shortfall draws, over each bar that falls short, the missing part as a
// pale red ghost up to the expected line, with the number lost written in
// it: the student reads "this run lost 1498" without doing the subtraction.
type shortfall struct {
	got      []float64
	expected float64
	color    color.Color
}

func (s *shortfall) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	top := trY(s.expected)
	slot := trX(1) - trX(0)
	var texts []string
	for _, g := range s.got {
		if g < s.expected {
			texts = append(texts, lostLabel(s.expected-g))
		}
	}
	// One size for every ghost's number, the largest at which the widest
	// fits its slot: every ghost keeps its label.
	sty := fitted(textStyle(9), texts, slot*0.95, 0)
	sty.Color = lostText
	sty.YAlign = draw.YCenter
	for i, g := range s.got {
		if g >= s.expected {
			continue
		}
		x0, x1 := trX(float64(i)-barWidth/2), trX(float64(i)+barWidth/2)
		y := trY(g)
		pts := []vg.Point{{X: x0, Y: y}, {X: x0, Y: top}, {X: x1, Y: top}, {X: x1, Y: y}}
		c.FillPolygon(s.color, c.ClipPolygonXY(pts))
		l := lostLabel(s.expected - g)
		c.FillText(sty, vg.Point{X: trX(float64(i)), Y: lostLabelY(sty.Height(l), y, top, c.Max.Y)}, l)
	}
}

// lostLabelY places a ghost's number (of height h), the ghost from y up
// to the expected line at top: in the middle of the ghost when it fits
// there, else just over the line, and never above maxY, the plot's top.
// (The bar's own number is inside the bar: barSet.inside.)
func lostLabelY(h, y, top, maxY vg.Length) vg.Length {
	at := (top + y) / 2
	if top-y < h+vg.Points(4) {
		at = top + vg.Points(2) + h/2
	}
	return min(at, maxY-h/2)
}

// Thumbnail draws the ghost's sample in the legend.
func (s *shortfall) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	c.FillPolygon(s.color, []vg.Point{r.Min, {X: r.Min.X, Y: r.Max.Y}, r.Max, {X: r.Max.X, Y: r.Min.Y}})
}

func lostLabel(n float64) string { return "−" + strconv.FormatFloat(n, 'f', 0, 64) }
