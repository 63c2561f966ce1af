package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The picture size: wide and short, so that it fits a notebook cell without
// scrolling and leaves room for the code around it.
const (
	widthPx  = 640
	heightPx = 320
	dpi      = 96
)

// pixel is the length of one pixel of the output image.
const pixel = vg.Inch / dpi

// The palette (Tableau 10): colours that stay distinct for colour-blind
// readers and on a projector. series holds the colours used one per process
// or per bar; reference is kept apart for the expected total, so that the
// line a student compares against never looks like data.
var (
	series = []color.Color{
		rgb(0x4E79A7), // blue
		rgb(0xF28E2B), // orange
		rgb(0x59A14F), // green
		rgb(0xB07AA1), // purple
		rgb(0x76B7B2), // teal
		rgb(0xEDC948), // yellow
		rgb(0x9C755F), // brown
		rgb(0xFF9DA7), // pink
		rgb(0xBAB0AC), // grey
	}
	reference = rgb(0xE15759) // red
	lostText  = rgb(0xB8383B) // reference, darkened to be legible on its tint
	gridColor = rgb(0xDDDDDD)
	textColor = rgb(0x222222)
)

func rgb(v uint32) color.RGBA {
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 0xFF}
}

// seriesColor returns the i-th series colour, cycling through the palette.
func seriesColor(i int) color.Color { return series[i%len(series)] }

// tint mixes c with white: f = 1 gives c, f = 0 gives white. Opaque colours
// (rather than transparency) keep the output identical on any background.
func tint(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 {
		return uint8(255 - (255-float64(v>>8))*f + 0.5)
	}
	return color.RGBA{R: mix(r), G: mix(g), B: mix(b), A: 0xFF}
}

// textStyle returns a text style in the common font at the given size.
func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   textColor,
		Font:    font.From(sans, size),
		XAlign:  draw.XCenter,
		YAlign:  draw.YBottom,
		Handler: figures,
	}
}

// newPlot returns a plot with the look shared by every picture: the title
// and axes in the common font, and no grey clutter.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.TextHandler = figures
	p.Title.TextStyle.Handler = figures
	p.Legend.TextStyle.Handler = figures
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sans, 13)
	p.Title.TextStyle.Color = textColor
	p.Title.Padding = vg.Points(6)
	// A long title shrinks to fit the width (down to 9pt) rather than being
	// cut off at both edges.
	for size := vg.Points(13); size > vg.Points(9) && p.Title.TextStyle.Width(title) > vg.Points(460); size -= vg.Points(0.5) {
		p.Title.TextStyle.Font.Size = size - vg.Points(0.5)
	}
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Handler = figures
		a.Tick.Label.Handler = figures
		a.Label.TextStyle.Font = font.From(sans, 11)
		a.Label.TextStyle.Color = textColor
		a.Tick.Label.Font = font.From(sans, 10)
		a.Tick.Label.Color = textColor
		a.Padding = vg.Points(2)
	}
	p.Legend.TextStyle.Font = font.From(sans, 10)
	p.Legend.TextStyle.Color = textColor
	p.Legend.Top = true
	return p
}

// niceTicks is a ticker with about n labelled ticks at round values (1, 2
// or 5 times a power of ten) and no minor ticks: gonum's default aims for
// three labels plus unlabelled minor ticks, too few to read a value off and
// cluttered at this size. integer keeps the step a whole number, for counts.
type niceTicks struct {
	n       int
	integer bool
}

func (t niceTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(max-min, 0) {
		return nil // cannot happen after validation; no ticks beats a hang
	}
	step := niceStep((max - min) / float64(t.n))
	if t.integer && step < 1 {
		step = 1
	}
	var ticks []plot.Tick
	// Values from an integer index, so no 0.30000000000000004 creeps in;
	// bounded, in case rounding ever makes step tiny against the range.
	for i := math.Ceil(min/step - 1e-9); i*step <= max+step*1e-9 && len(ticks) < 4*t.n; i++ {
		v := i * step
		if v == 0 {
			v = 0 // no "-0"
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: tickLabel(v, step, math.Max(math.Abs(min), math.Abs(max)))})
	}
	return ticks
}

// tickLabel writes a tick value with just the decimals its step needs, in
// exponent form only for magnitudes a plain number would make unreadable.
func tickLabel(v, step, maxAbs float64) string {
	if maxAbs >= 1e7 || step < 1e-4 {
		digits := int(math.Floor(math.Log10(maxAbs/step))) + 2
		return strconv.FormatFloat(v, 'g', max(1, digits), 64)
	}
	dec := 0
	for s := step; s < 1-1e-9 && dec < 15; s *= 10 {
		dec++
	}
	return strconv.FormatFloat(v, 'f', dec, 64)
}

// niceStep returns the round step (1, 2 or 5 times a power of ten) nearest
// to d by ratio, so the tick count stays near what was asked for.
func niceStep(d float64) float64 {
	if d <= 0 || math.IsNaN(d) || math.IsInf(d, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(d)))
	best := p
	for _, m := range []float64{2, 5, 10} {
		if math.Abs(math.Log(m*p/d)) < math.Abs(math.Log(best/d)) {
			best = m * p
		}
	}
	return best
}

// render draws p into a PNG image of the standard size.
func render(p *plot.Plot) (b []byte, err error) {
	// gonum/plot panics on some degenerate input (an empty axis range, for
	// one); the inputs are validated first, and this is the safety net that
	// keeps the kernel alive if something was missed.
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("drawing failed: %v", r)
		}
	}()
	c := vgimg.NewWith(
		vgimg.UseWH(widthPx*pixel, heightPx*pixel),
		vgimg.UseDPI(dpi),
	)
	// A small margin all round: gonum/plot draws right up to the edge, and
	// the last tick label or the legend would touch the cell's border.
	p.Draw(draw.Crop(draw.New(c), 6*pixel, -14*pixel, 4*pixel, -6*pixel))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encoding PNG: %w", err)
	}
	return buf.Bytes(), nil
}
