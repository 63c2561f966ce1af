package chart

import (
	"errors"
	"fmt"
	"image/color"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/golocks/golocks/course/workbook"
)

// maxSteps is the most steps a Steps picture draws: each gets a column wide
// enough for its label.
const maxSteps = 16

// Steps draws a short stretch of a traced run read by read and write by
// write: the lost update made visible. Use it with the steps a Counter
// records when its Steps file is set, read back with workbook.ReadSteps and
// cut to a dozen with workbook.Zoom.
//
// Each step is a box in its process's row (A on top, then B..., each
// labelled with its count when the steps say it: "A (counts 1000)"), in the
// order the steps began, left to right: "read 41" pale, "wrote 42" solid.
// A write whose update was lost (Overwritten: no write the final count
// holds built on it, "A read 41, B read 41, both wrote 42") is outlined in
// red and marked "lost";
// a read that found no number, so that its process counted on from 0, is
// outlined in red and marked "reset". A bar over steps made holding the
// lock, one bar per hold, is labelled "lock". The bottom row shows the
// number the file holds after each write. Under each column, the time the
// step began, since the first step drawn; a write still under way when
// the next steps began has a line, labelled "writing", to the moment it
// ended, on that time scale.
//
// It draws 1 to 16 steps of at most 16 processes; more is an error that
// says to zoom in. Steps need start and end times, the end not before the
// start.
func Steps(title string, steps []workbook.Step) ([]byte, error) {
	b, err := stepsChart(title, steps)
	if err != nil {
		return nil, fmt.Errorf("chart.Steps: %w", err)
	}
	return b, nil
}

// stepRow is one process's row.
type stepRow struct {
	who    string
	pid    int
	counts int // the process's increments in the run (Step.Counts), 0 if not known
	y      float64
}

// stepsAxisLabel says what the x axis of a Steps picture shows: the
// steps, one column each, numbered, and under each number when it began.
func stepsAxisLabel(unit string) string {
	return "step (under its number: when it began, " + unit + " after the first)"
}

func stepsChart(title string, steps []workbook.Step) ([]byte, error) {
	switch {
	case len(steps) == 0:
		return nil, errors.New("no steps to draw")
	case len(steps) > maxSteps:
		return nil, fmt.Errorf("%d steps: at most %d fit in one picture, each with its label; draw a stretch of them (workbook.Zoom)", len(steps), maxSteps)
	}
	t0 := steps[0].Start
	for i, s := range steps {
		switch {
		case s.Start.IsZero():
			return nil, fmt.Errorf("step %d (pid %d) has no start time", i+1, s.PID)
		case s.End.IsZero():
			return nil, fmt.Errorf("step %d (pid %d) has no end time", i+1, s.PID)
		case s.End.Before(s.Start):
			return nil, fmt.Errorf("step %d (pid %d) ends %v before it starts", i+1, s.PID, s.Start.Sub(s.End))
		}
		if s.Start.Before(t0) {
			t0 = s.Start
		}
	}
	// The steps in the order they began (ReadSteps gives them so; a stretch
	// picked by hand may not be).
	order := make([]workbook.Step, len(steps))
	copy(order, steps)
	sort.SliceStable(order, func(i, j int) bool { return order[i].Start.Before(order[j].Start) })

	rows, rowOf, err := processRows(order)
	if err != nil {
		return nil, err
	}
	ticks := make([]plot.Tick, 0, len(rows)+1)
	for _, r := range rows {
		var counts []int
		if r.counts > 0 {
			counts = []int{r.counts}
		}
		ticks = append(ticks, plot.Tick{Value: r.y, Label: processLabel(r.who, 0, r.pid, counts)})
	}
	ticks = append(ticks, plot.Tick{Value: 0, Label: "the file holds"})

	p := newPlot(title)
	p.X.Min, p.X.Max = -0.5, float64(len(order))-0.5
	p.X.Tick.Marker = plot.ConstantTicks(timeTicks(order, t0))
	p.X.Label.Text = stepsAxisLabel(timeUnit(order, t0))
	p.X.Tick.Length = 0
	p.X.Width = 0
	p.X.Padding = 0
	p.X.Tick.Label.Font.Size = vg.Points(8)
	p.Y.Min, p.Y.Max = -0.55, float64(len(rows))+0.55
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Length = 0
	p.Y.Width = 0
	p.Y.Padding = vg.Points(2)
	p.Y.Tick.Label.Font.Size = min(vg.Points(10), vg.Points(200*0.5/float64(len(rows)+1)))
	p.Add(&stepBoxes{steps: order, rows: rows, rowOf: rowOf})
	return render(p)
}

// processRows names the processes (a step's Who, else "A", "B"... in the
// order of their first step) and gives each a row, the first on top.
func processRows(order []workbook.Step) ([]stepRow, map[int]int, error) {
	rowOf := map[int]int{}
	var rows []stepRow
	for _, s := range order {
		if _, ok := rowOf[s.PID]; ok {
			continue
		}
		who := s.Who
		if who == "" {
			who = string(rune('A' + min(len(rows), 25)))
		}
		rowOf[s.PID] = len(rows)
		rows = append(rows, stepRow{who: who, pid: s.PID, counts: s.Counts})
	}
	if len(rows) > maxRows {
		return nil, nil, fmt.Errorf("%d processes; at most %d fit in one picture", len(rows), maxRows)
	}
	// Named processes go in name order (A above B, whoever came first in
	// this stretch), so the rows of two pictures of one run agree.
	sort.SliceStable(rows, func(i, j int) bool { return rowLess(rows[i].who, rows[j].who) })
	for i := range rows {
		rows[i].y = float64(len(rows) - i)
		rowOf[rows[i].pid] = i
	}
	return rows, rowOf, nil
}

// rowLess orders "A" < "B" < ... < "Z" < "P27" < "P28".
func rowLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// timeUnit is "µs", or "ms" for a stretch too long for µs labels to fit.
func timeUnit(order []workbook.Step, t0 time.Time) string {
	if order[len(order)-1].Start.Sub(t0) >= 100*time.Millisecond {
		return "ms"
	}
	return "µs"
}

// timeTicks label each column with its step's number and, under it, the
// time it began: the columns are evenly spaced, the times are not.
func timeTicks(order []workbook.Step, t0 time.Time) []plot.Tick {
	div := float64(time.Microsecond)
	if timeUnit(order, t0) == "ms" {
		div = float64(time.Millisecond)
	}
	ticks := make([]plot.Tick, len(order))
	for i, s := range order {
		ticks[i] = plot.Tick{Value: float64(i), Label: strconv.Itoa(i+1) + "\n" + strconv.FormatFloat(float64(s.Start.Sub(t0))/div, 'f', 0, 64)}
	}
	return ticks
}

// Heights, in data units of one row, of a step's parts: the box, the lock
// bar above it, the mark below it.
const (
	boxHalf   = 0.25
	barLow    = 0.29
	barHigh   = 0.43
	markHigh  = -0.29
	boxWidth  = 0.86 // of a column
	markLabel = "lost"
)

// stepBoxes draws the steps, the lock bars and the file's numbers.
type stepBoxes struct {
	steps []workbook.Step
	rows  []stepRow
	rowOf map[int]int
}

func (sb *stepBoxes) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	col := trX(1) - trX(0)
	rowH := trY(1) - trY(0)
	rect := func(x0, x1, y0, y1 vg.Length) []vg.Point {
		return []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
	}

	// One size for every label in the boxes: the largest at which the
	// widest fits its box, two lines to a box.
	labels := make([][2]string, len(sb.steps))
	for i, s := range sb.steps {
		labels[i] = stepLabel(s)
	}
	var all []string
	for _, l := range labels {
		all = append(all, l[0], l[1])
	}
	boxW := col * boxWidth
	sty := fitted(textStyle(9), all, boxW*0.92, min(rowH*boxHalf*2*0.45, vg.Points(9)))
	sty.YAlign = draw.YCenter
	small := fitted(textStyle(8), []string{"lock", markLabel, "reset"}, boxW*0.92, rowH*(barHigh-barLow)*0.95)
	small.YAlign = draw.YCenter

	// The lock bars, one per hold: from the first to the last column of
	// the hold's steps drawn here.
	type hold struct{ pid, n int }
	first, last := map[hold]int{}, map[hold]int{}
	var holds []hold
	for i, s := range sb.steps {
		if s.Hold == 0 {
			continue
		}
		h := hold{s.PID, s.Hold}
		if _, ok := first[h]; !ok {
			first[h] = i
			holds = append(holds, h)
		}
		last[h] = i
	}
	for _, h := range holds {
		r := sb.rowOf[h.pid]
		y := sb.rows[r].y
		x0 := trX(float64(first[h]) - boxWidth/2)
		x1 := trX(float64(last[h]) + boxWidth/2)
		col := seriesColor(r)
		c.FillPolygon(col, c.ClipPolygonXY(rect(x0, x1, trY(y+barLow), trY(y+barHigh))))
		lsty := small
		lsty.Color = color.White
		c.FillText(lsty, vg.Point{X: (x0 + x1) / 2, Y: trY(y + (barLow+barHigh)/2)}, "lock")
	}

	// A write still under way when the next steps began: a line from its
	// box to the moment it ended, on the time scale of the columns, so
	// that a read that began while another process was writing (and found
	// the file empty) is seen to fall inside that write. (Reads are not
	// drawn so: how long one took tells nothing about what it found.)
	for i, s := range sb.steps {
		if !s.Write || i+1 >= len(sb.steps) || !s.End.After(sb.steps[i+1].Start) {
			continue
		}
		r := sb.rowOf[s.PID]
		y := trY(sb.rows[r].y)
		x0 := trX(float64(i) + boxWidth/2)
		x1 := trX(columnAt(sb.steps, s.End))
		if x1 <= x0 {
			continue
		}
		line := draw.LineStyle{Color: seriesColor(r), Width: vg.Points(2)}
		c.StrokeLine2(line, x0, y, x1, y)
		c.StrokeLine2(line, x1, y-vg.Points(4), x1, y+vg.Points(4))
		what := "writing"
		if lsty := small; lsty.Width(what) < x1-x0-vg.Points(4) {
			lsty.YAlign = draw.YBottom
			c.FillText(lsty, vg.Point{X: (x0 + x1) / 2, Y: y + vg.Points(1.5)}, what)
		}
	}

	red := draw.LineStyle{Color: reference, Width: vg.Points(2)}
	for i, s := range sb.steps {
		r := sb.rowOf[s.PID]
		y := sb.rows[r].y
		x := trX(float64(i))
		x0, x1 := x-boxW/2, x+boxW/2
		y0, y1 := trY(y-boxHalf), trY(y+boxHalf)
		base := seriesColor(r)
		fill, ink := tint(base, 0.22), color.Color(textColor)
		if s.Write {
			fill, ink = base, color.White
		}
		c.FillPolygon(fill, rect(x0, x1, y0, y1))
		marked := s.Write && s.Overwritten || !s.Write && s.Reset != ""
		if marked {
			pts := rect(x0, x1, y0, y1)
			c.StrokeLines(red, append(pts, pts[0]))
			msty := small
			msty.Color = lostText
			mark := markLabel
			if !s.Write {
				mark = "reset"
			}
			c.FillText(msty, vg.Point{X: x, Y: trY(y + markHigh - (barHigh-barLow)/2)}, mark)
		}
		lsty := sty
		lsty.Color = ink
		line := sty.Height("0")
		c.FillText(lsty, vg.Point{X: x, Y: (y0+y1)/2 + line*0.55}, labels[i][0])
		c.FillText(lsty, vg.Point{X: x, Y: (y0+y1)/2 - line*0.55}, labels[i][1])

		// The file's number after a write, in the bottom row.
		if s.Write {
			fy0, fy1 := trY(-boxHalf*0.8), trY(boxHalf*0.8)
			c.FillPolygon(tint(textColor, 0.08), rect(x0, x1, fy0, fy1))
			fsty := sty
			c.FillText(fsty, vg.Point{X: x, Y: (fy0 + fy1) / 2}, strconv.Itoa(s.Value))
		}
	}
}

// columnAt places the time t on the columns: at column k when the k-th
// step began, in between in proportion, and at most half a column past
// the last.
func columnAt(steps []workbook.Step, t time.Time) float64 {
	last := len(steps) - 1
	for k := 0; k < last; k++ {
		a, b := steps[k].Start, steps[k+1].Start
		if t.Before(b) {
			if !b.After(a) || t.Before(a) {
				return float64(k)
			}
			return float64(k) + float64(t.Sub(a))/float64(b.Sub(a))
		}
	}
	return float64(last) + 0.5
}

// stepLabel is a step's two lines: "read" and "41", "wrote" and "42", or
// "read" and what a reset read found.
func stepLabel(s workbook.Step) [2]string {
	switch {
	case s.Write:
		return [2]string{"wrote", strconv.Itoa(s.Value)}
	case s.Reset == "":
		return [2]string{"read", strconv.Itoa(s.Value)}
	case s.Reset == "no file":
		return [2]string{"read", "no file"}
	case s.Reset == "an empty file":
		return [2]string{"read", "empty"}
	case strings.HasPrefix(s.Reset, "a read error"):
		return [2]string{"read", "error"}
	}
	return [2]string{"read", "garbled"}
}

// fitted returns sty at the largest size, from its own down to 5pt, at
// which every text is at most maxW wide and the text at most maxH high:
// every box keeps its label, smaller if need be, never none.
func fitted(sty text.Style, texts []string, maxW, maxH vg.Length) text.Style {
	for size := sty.Font.Size; ; size -= vg.Points(0.5) {
		sty.Font.Size = size
		if size <= vg.Points(5) {
			return sty
		}
		fits := sty.Height("0") <= maxH || maxH <= 0
		for _, t := range texts {
			if sty.Width(t) > maxW {
				fits = false
				break
			}
		}
		if fits {
			return sty
		}
	}
}
