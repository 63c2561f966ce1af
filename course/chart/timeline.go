package chart

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/golocks/golocks/course/workbook"
)

// maxRows is the most processes a timeline shows: beyond this the rows are
// thinner than a readable label. The workbook runs two to four.
const maxRows = 16

// Timeline draws who held the lock (or wrote the file) when: one row per
// process, labelled with its name and count, "A (counts 1000)" (from the
// spans' Who and Count, which workbook.ReadTrace sets; "A (pid 4242)" for
// spans without a count), top to bottom in the order the processes first
// appear in time, and a filled bar for every span, on an axis of milliseconds
// since the first span started. Use it with the spans a Counter records when
// its Trace file is set, read back with workbook.ReadTrace: with the lock held per call the picture is two long
// turns one after the other; with the lock per increment it is two rows of
// short turns interleaved across the whole run; without a lock the rows
// overlap, which is the race.
//
// A pixel column covers many spans when there are thousands of them, so each
// column is shaded by how much of its time the process spent in a span: full
// colour when it held the lock all that time, paler when only part of it (two
// processes taking turns look half-tone, side by side), and never fainter than
// a visible tint, so that even a very short span shows. Thousands of spans
// draw as at most one rectangle per pixel column. To see the individual turns,
// draw only the spans of a short stretch of time.
//
// Every span needs a start and an end, not before its start.
func Timeline(title string, spans []workbook.Span) ([]byte, error) {
	b, err := timeline(title, spans)
	if err != nil {
		return nil, fmt.Errorf("chart.Timeline: %w", err)
	}
	return b, nil
}

// interval is a span in milliseconds since the first span started.
type interval struct{ start, end float64 }

func timeline(title string, spans []workbook.Span) ([]byte, error) {
	if len(spans) == 0 {
		return nil, errors.New("no spans to draw")
	}
	t0 := spans[0].Start
	for i, s := range spans {
		switch {
		case s.Start.IsZero():
			return nil, fmt.Errorf("span %d (pid %d) has no start time", i+1, s.PID)
		case s.End.IsZero():
			return nil, fmt.Errorf("span %d (pid %d) has no end time", i+1, s.PID)
		case s.End.Before(s.Start):
			return nil, fmt.Errorf("span %d (pid %d) ends %v before it starts", i+1, s.PID, s.Start.Sub(s.End))
		}
		if s.Start.Before(t0) {
			t0 = s.Start
		}
	}

	// One row per pid, ordered by the pid's earliest start (ties: the order
	// in the input), so the process that got going first is on top.
	type row struct {
		pid    int
		who    string
		counts []int
		first  float64
		ivs    []interval
	}
	index := map[int]int{}
	var rows []*row
	var end float64
	for _, s := range spans {
		iv := interval{ms(s.Start.Sub(t0)), ms(s.End.Sub(t0))}
		end = math.Max(end, iv.end)
		k, ok := index[s.PID]
		if !ok {
			k = len(rows)
			index[s.PID] = k
			rows = append(rows, &row{pid: s.PID, first: iv.start})
		}
		r := rows[k]
		r.first = math.Min(r.first, iv.start)
		r.ivs = append(r.ivs, iv)
		if r.who == "" {
			r.who = s.Who
		}
		if s.Count > 0 && !slices.Contains(r.counts, s.Count) {
			r.counts = append(r.counts, s.Count)
		}
	}
	if len(rows) > maxRows {
		return nil, fmt.Errorf("%d processes; at most %d fit in one picture", len(rows), maxRows)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].first < rows[j].first })

	sr := &spanRows{rows: make([][]interval, len(rows)), colors: make([]color.Color, len(rows))}
	ticks := make([]plot.Tick, len(rows))
	for i, r := range rows {
		y := len(rows) - 1 - i // first row on top
		sr.rows[y] = r.ivs
		sr.colors[y] = seriesColor(i)
		ticks[i] = plot.Tick{Value: float64(y), Label: processLabel(r.who, i, r.pid, r.counts)}
	}

	p := newPlot(title)
	p.X.Label.Text = "time (milliseconds since the first turn began)"
	if end <= 0 {
		end = 1 // every span empty and at one instant: still a sensible axis
	}
	p.X.Min, p.X.Max = 0, end
	p.X.Tick.Marker = niceTicks{n: 6}
	p.Y.Min, p.Y.Max = -0.5, float64(len(rows))-0.5
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	// The data area is about 180pt high; with many rows the labels shrink
	// to their row's height instead of overlapping.
	p.Y.Tick.Label.Font.Size = min(vg.Points(10), vg.Points(180*0.7/float64(len(rows))))
	p.Y.Tick.Length = 0
	p.Y.Width = 0
	p.X.Padding = 0
	p.Y.Padding = vg.Points(2)

	g := plotter.NewGrid()
	g.Horizontal.Color = nil
	g.Vertical.Color = gridColor
	g.Vertical.Width = vg.Points(0.5)
	p.Add(g, sr)
	return render(p)
}

// processLabel names a process's row: "A (counts 1000)", with who (or
// the row's letter, row counting from 0, when who is empty) and the
// counts of its runs ("counts 1000+2000" for a process that ran two), or
// "A (pid 4242)" when the counts are not known.
func processLabel(who string, row, pid int, counts []int) string {
	if who == "" {
		who = string(rune('A' + min(row, 25)))
	}
	if len(counts) == 0 {
		return who + " (pid " + strconv.Itoa(pid) + ")"
	}
	cs := make([]string, len(counts))
	for i, c := range counts {
		cs[i] = strconv.Itoa(c)
	}
	return who + " (counts " + strings.Join(cs, "+") + ")"
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Shading: a pixel column's colour is the row colour mixed with white by the
// fraction of the column's time spent in a span, in coverageLevels steps (so
// that neighbouring columns merge into one rectangle), and at least
// minCoverage so that a span much shorter than a pixel still shows.
const (
	coverageLevels = 8
	minCoverage    = 0.4
	rowHeight      = 0.6 // of the space per row
)

// spanRows draws the rows of a timeline. It works in pixel columns rather
// than one rectangle per span: with thousands of spans most are narrower than
// a pixel, and drawing them one by one would be slow and would show only
// anti-aliasing noise.
type spanRows struct {
	rows   [][]interval // by y position, in any order
	colors []color.Color
}

func (s *spanRows) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	px := pixel
	if d, ok := c.Canvas.(interface{ DPI() float64 }); ok && d.DPI() > 0 {
		px = vg.Inch / vg.Length(d.DPI())
	}
	cols := int(math.Ceil(float64((c.Max.X - c.Min.X) / px)))
	if cols <= 0 {
		return
	}
	cover := make([]float64, cols)
	touched := make([]bool, cols)
	for y, ivs := range s.rows {
		for i := range cover {
			cover[i], touched[i] = 0, false
		}
		for _, iv := range ivs {
			a := float64((trX(iv.start) - c.Min.X) / px)
			b := float64((trX(iv.end) - c.Min.X) / px)
			first := clampCol(int(math.Floor(a)), cols)
			last := clampCol(int(math.Ceil(b))-1, cols)
			if last < first {
				last = first
			}
			touched[first] = true
			for k := first; k <= last; k++ {
				lo, hi := math.Max(a, float64(k)), math.Min(b, float64(k+1))
				if hi > lo {
					cover[k] += hi - lo
				}
			}
		}

		y0, y1 := trY(float64(y)-rowHeight/2), trY(float64(y)+rowHeight/2)
		level := func(k int) int {
			if !touched[k] && cover[k] == 0 {
				return 0
			}
			f := math.Max(minCoverage, math.Min(1, cover[k]))
			return int(math.Round(f * coverageLevels))
		}
		for k := 0; k < cols; {
			l := level(k)
			j := k + 1
			for j < cols && level(j) == l {
				j++
			}
			if l > 0 {
				x0 := c.Min.X + vg.Length(k)*px
				x1 := math.Min(float64(c.Min.X+vg.Length(j)*px), float64(c.Max.X))
				pts := []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: vg.Length(x1), Y: y1}, {X: vg.Length(x1), Y: y0}}
				c.FillPolygon(tint(s.colors[y], float64(l)/coverageLevels), pts)
			}
			k = j
		}
	}
}

func clampCol(k, cols int) int {
	return max(0, min(k, cols-1))
}
