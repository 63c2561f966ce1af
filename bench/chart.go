package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The chart: one panel per "where" (each file system, then shared
// memory), one group of three bars per experiment: golocks, Python and the
// floor, each the median cost per increment.
var (
	chartColors = []color.Color{
		color.RGBA{0x4E, 0x79, 0xA7, 0xFF}, // golocks: blue
		color.RGBA{0xF2, 0x8E, 0x2B, 0xFF}, // Python: orange
		color.RGBA{0xBA, 0xB0, 0xAC, 0xFF}, // floor: grey
	}
	chartSeries = []string{"golocks", "Python", "floor (1 process, see the table)"}
	sans        = font.Font{Typeface: "Liberation", Variant: "Sans"}
)

func writeChart(path string, rows []row) error {
	plot.DefaultFont = sans
	var wheres []string
	byWhere := map[string][]row{}
	for _, r := range rows {
		if _, ok := byWhere[r.Exp.Where]; !ok {
			wheres = append(wheres, r.Exp.Where)
		}
		byWhere[r.Exp.Where] = append(byWhere[r.Exp.Where], r)
	}
	var plots [][]*plot.Plot
	for _, w := range wheres {
		p, err := panel(w, byWhere[w])
		if err != nil {
			return err
		}
		plots = append(plots, []*plot.Plot{p})
	}
	const widthPx, panelPx, dpi = 1000, 330, 96
	img := vgimg.NewWith(vgimg.UseWH(widthPx*vg.Inch/dpi, vg.Length(panelPx*len(plots))*vg.Inch/dpi), vgimg.UseDPI(dpi))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: vg.Points(8), PadY: vg.Points(10)}
	canvases := plot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// panel draws one where's rows.
func panel(where string, rows []row) (*plot.Plot, error) {
	vals := make([][]float64, 3) // per series, per row; seconds
	top := 0.0
	for _, r := range rows {
		for i, v := range []float64{r.golocksMedian(), r.pythonMedian(), r.floorMedian()} {
			vals[i] = append(vals[i], v)
			if !math.IsNaN(v) {
				top = math.Max(top, v)
			}
		}
	}
	unit, scale := "µs", 1e6
	if top < 2e-6 {
		unit, scale = "ns", 1e9
	}
	p := plot.New()
	p.Title.Text = where + ": " + unit + " per increment, median (lower is better)"
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.Text = unit + " per increment"
	p.Y.Min, p.Y.Max = 0, top*scale*1.3
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.XOffs = vg.Points(6)
	p.Y.Tick.Marker = plot.TickerFunc(niceTicks)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil // the categories need no vertical lines
	p.Add(grid)
	labels := make([]string, len(rows))
	for i, r := range rows {
		labels[i] = r.Exp.short()
	}
	p.NominalX(labels...)

	barW := vg.Points(18)
	for s := range 3 {
		ys := make(plotter.Values, len(rows))
		texts := make([]string, len(rows))
		for i, v := range vals[s] {
			if math.IsNaN(v) {
				ys[i], texts[i] = 0, "n/a"
				continue
			}
			ys[i], texts[i] = v*scale, sig3(v*scale)
		}
		b, err := plotter.NewBarChart(ys, barW)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", where, err)
		}
		b.Color = chartColors[s]
		b.LineStyle.Width = 0
		b.Offset = vg.Length(s-1) * barW
		p.Add(b, &barLabels{ys: ys, texts: texts, offset: b.Offset})
		p.Legend.Add(chartSeries[s], b)
	}
	return p, nil
}

// barLabels writes each bar's value above it; bars are at x = 0, 1, ...
// shifted by offset.
type barLabels struct {
	ys     []float64
	texts  []string
	offset vg.Length
}

func (l *barLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := p.Y.Tick.Label
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
	sty.Font.Size = vg.Points(7)
	for i, y := range l.ys {
		c.FillText(sty, vg.Point{X: trX(float64(i)) + l.offset, Y: trY(y) + vg.Points(2)}, l.texts[i])
	}
}

// niceTicks marks the value axis at 1, 2 or 5 × 10^k steps: the finest
// such step that gives at most seven intervals.
func niceTicks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return nil
	}
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/7)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if (hi-lo)/(m*mag) <= 7 {
			step = m * mag
			break
		}
	}
	decimals := max(0, int(-math.Floor(math.Log10(step))))
	var ticks []plot.Tick
	for i := math.Ceil(lo / step); i*step <= hi*(1+1e-9); i++ {
		ticks = append(ticks, plot.Tick{Value: i * step, Label: strconv.FormatFloat(i*step, 'f', decimals, 64)})
	}
	return ticks
}
