package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/golocks/golocks/course/workbook"
)

// Events draws a timeline of labelled events, one row per client: who held
// the lock when, who paused, and each write, landed or rejected. Use it with
// the Events of a workbook.PausedHolder run to see Kleppmann's failure: A's
// hold ends (its TTL) while A is paused, B's holds follow, and A's late
// write lands on top of them, or is rejected.
//
// Rows are labelled with each event's Who, top to bottom in the order the
// clients first appear in time; the axis is milliseconds since the first
// event started. Every bar carries its event's Label: inside a hold when it
// fits, otherwise above it (a pause's below). Holds are drawn in the row's
// colour, landed writes in green and rejected writes in red, a few pixels
// wide however short; pauses are a thin grey bar under the holds, which
// they overlap.
func Events(title string, events []workbook.Event) ([]byte, error) {
	b, err := drawEvents(title, events)
	if err != nil {
		return nil, fmt.Errorf("chart.Events: %w", err)
	}
	return b, nil
}

// eventBar is an event in milliseconds since the first one started.
type eventBar struct {
	row        int
	what       string
	start, end float64
	label      string
}

func drawEvents(title string, events []workbook.Event) ([]byte, error) {
	if len(events) == 0 {
		return nil, errors.New("no events to draw")
	}
	t0 := events[0].Start
	for i, e := range events {
		switch {
		case e.Start.IsZero():
			return nil, fmt.Errorf("event %d (%s %s) has no start time", i+1, e.Who, e.What)
		case e.End.IsZero():
			return nil, fmt.Errorf("event %d (%s %s) has no end time", i+1, e.Who, e.What)
		case e.End.Before(e.Start):
			return nil, fmt.Errorf("event %d (%s %s) ends before it starts", i+1, e.Who, e.What)
		}
		if _, ok := eventColors[e.What]; !ok && e.What != workbook.EventHold {
			return nil, fmt.Errorf("event %d: unknown kind %q (want %s, %s, %s or %s)", i+1, e.What,
				workbook.EventHold, workbook.EventPause, workbook.EventWrite, workbook.EventRejected)
		}
		if e.Start.Before(t0) {
			t0 = e.Start
		}
	}

	// Rows in the order their first event starts (ties: input order).
	first := map[string]float64{}
	var who []string
	bars := make([]eventBar, len(events))
	end := 0.0
	for i, e := range events {
		s, f := ms(e.Start.Sub(t0)), ms(e.End.Sub(t0))
		end = math.Max(end, f)
		if v, ok := first[e.Who]; !ok || s < v {
			if !ok {
				who = append(who, e.Who)
			}
			first[e.Who] = s
		}
		bars[i] = eventBar{what: e.What, start: s, end: f, label: e.Label}
	}
	if len(who) > maxRows {
		return nil, fmt.Errorf("%d rows; at most %d fit in one picture", len(who), maxRows)
	}
	sort.SliceStable(who, func(i, j int) bool { return first[who[i]] < first[who[j]] })
	rowOf := map[string]int{}
	for i, w := range who {
		rowOf[w] = len(who) - 1 - i // first row on top
	}
	for i, e := range events {
		bars[i].row = rowOf[e.Who]
	}

	p := newPlot(title)
	p.X.Label.Text = "milliseconds since the first event"
	if end <= 0 {
		end = 1
	}
	// A little room after the last event: a write at the very end is a
	// few pixels wide and must not be cut off.
	p.X.Min, p.X.Max = 0, end*1.02
	p.X.Tick.Marker = niceTicks{n: 6}
	p.X.Padding = 0
	ticks := make([]plot.Tick, len(who))
	for i, w := range who {
		ticks[i] = plot.Tick{Value: float64(rowOf[w]), Label: w}
	}
	p.Y.Min, p.Y.Max = -0.5, float64(len(who))-0.5
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Length = 0
	p.Y.Width = 0
	p.Y.Padding = vg.Points(2)

	g := plotter.NewGrid()
	g.Horizontal.Color = nil
	g.Vertical.Color = gridColor
	g.Vertical.Width = vg.Points(0.5)
	p.Add(g, &eventRows{bars: bars})
	return render(p)
}

// The colours of the kinds other than a hold, which takes its row's.
var eventColors = map[string]color.Color{
	workbook.EventPause:    series[8], // grey
	workbook.EventWrite:    series[2], // green
	workbook.EventRejected: reference, // red
}

// Each row has two lanes: the lock's (holds and writes), and under it a
// thinner one for pauses, which overlap the hold they happen in. Heights
// and offsets are fractions of a row.
const (
	lockLane      = 0.30 // height of a hold
	lockLaneMid   = 0.10 // its centre, above the row's middle
	pauseLane     = 0.12
	pauseLaneMid  = -0.17
	minEventWidth = 4 // pixels: a write of a few microseconds still shows
)

// eventRows draws the bars and their labels.
type eventRows struct {
	bars []eventBar
}

func (r *eventRows) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	sty := textStyle(9)
	sty.YAlign = draw.YCenter
	pad := vg.Points(3)

	// Bars first, holds and pauses before the writes that happen within
	// them, so that a write's narrow mark is never covered.
	order := make([]int, len(r.bars))
	for i := range order {
		order[i] = i
	}
	short := func(b eventBar) bool {
		return b.what == workbook.EventWrite || b.what == workbook.EventRejected
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := r.bars[order[i]], r.bars[order[j]]
		if short(a) != short(b) {
			return short(b)
		}
		return a.start < b.start
	})
	boxes := make([]struct{ x0, x1 vg.Length }, len(r.bars))
	for _, i := range order {
		b := r.bars[i]
		x0, x1 := trX(b.start), trX(b.end)
		if x1-x0 < minEventWidth*pixel {
			x1 = x0 + minEventWidth*pixel
		}
		boxes[i].x0, boxes[i].x1 = x0, x1
		y0, y1 := r.lane(trY, b)
		fill, edge := r.colors(b)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
		c.FillPolygon(fill, c.ClipPolygonXY(pts))
		c.StrokeLines(draw.LineStyle{Color: edge, Width: vg.Points(1)}, c.ClipLinesXY(append(pts, pts[0]))...)
	}

	// Then the labels, in time order: inside a hold if it fits, else above
	// the row's lock lane or below its pause lane (a pause prefers below),
	// on whichever side it does not overlap a label already there.
	placed := map[labelSide][]span{}
	sort.SliceStable(order, func(i, j int) bool { return r.bars[order[i]].start < r.bars[order[j]].start })
	for _, i := range order {
		b := r.bars[i]
		if b.label == "" {
			continue
		}
		x0, x1 := boxes[i].x0, boxes[i].x1
		w := sty.Width(b.label)
		if b.what == workbook.EventHold && w+2*pad <= x1-x0 {
			y0, y1 := r.lane(trY, b)
			c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: (y0 + y1) / 2}, b.label)
			continue
		}
		sides := []bool{true, false} // above, below
		if b.what == workbook.EventPause {
			sides = []bool{false, true}
		}
		var left vg.Length
		var side labelSide
		for k, above := range sides {
			side = labelSide{b.row, above}
			var ok bool
			if left, ok = fit(placed[side], (x0+x1)/2-w/2, w, 2*pad, c.Min.X, c.Max.X); ok || k == len(sides)-1 {
				if !ok { // no room anywhere: the preferred side, overlapping
					side = labelSide{b.row, sides[0]}
					left = max(c.Min.X, min((x0+x1)/2-w/2, c.Max.X-w))
				}
				break
			}
		}
		placed[side] = append(placed[side], span{left, left + w})
		top := trY(float64(b.row) + lockLaneMid + lockLane/2)
		bottom := trY(float64(b.row) + pauseLaneMid - pauseLane/2)
		y := top + pad + sty.Height(b.label)/2
		if !side.above {
			y = bottom - pad - sty.Height(b.label)/2
		}
		c.FillText(sty, vg.Point{X: left + w/2, Y: y}, b.label)
	}
}

// labelSide is where beside a row a label goes: above or below it.
type labelSide struct {
	row   int
	above bool
}

// span is the horizontal extent of a placed label.
type span struct{ x0, x1 vg.Length }

// fit returns where a label of width w that wants to start at left can go
// among taken, at least gap from each, moving right if need be but staying
// within [lo, hi]; ok is false if there is no such place.
func fit(taken []span, left, w, gap, lo, hi vg.Length) (vg.Length, bool) {
	left = max(lo, min(left, hi-w))
	for moved := true; moved; {
		moved = false
		for _, s := range taken {
			if left < s.x1+gap && left+w+gap > s.x0 {
				left, moved = s.x1+gap, true
			}
		}
		if left+w > hi {
			return 0, false
		}
	}
	return left, true
}

// lane returns the bottom and top of b's bar.
func (r *eventRows) lane(trY func(float64) vg.Length, b eventBar) (y0, y1 vg.Length) {
	mid, height := lockLaneMid, lockLane
	if b.what == workbook.EventPause {
		mid, height = pauseLaneMid, pauseLane
	}
	return trY(float64(b.row) + mid - height/2), trY(float64(b.row) + mid + height/2)
}

// colors returns a bar's fill (light, so that its label reads on it) and
// its outline.
func (r *eventRows) colors(b eventBar) (fill, edge color.Color) {
	c, ok := eventColors[b.what]
	if !ok { // a hold: the row's colour, the top row first
		rows := 0
		for _, o := range r.bars {
			rows = max(rows, o.row+1)
		}
		c = seriesColor(rows - 1 - b.row)
	}
	if b.what == workbook.EventWrite || b.what == workbook.EventRejected {
		return c, c
	}
	return tint(c, 0.35), c
}
