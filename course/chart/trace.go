package chart

import (
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/golocks/golocks/course/stepper"
)

// maxTraceSteps is the most steps a Trace picture draws: 2 processes × 2
// increments with a lock and their ends make 22.
const maxTraceSteps = 32

// Trace draws one run of a schedule, step by step, exactly as the stepper
// recorded it: use it after replaying a schedule or stepping processes
// (package stepper) to see what each process did and what the file held.
//
// Each process has a row, labelled with its name and its count ("A
// (counts 1)"), A on top; each step is a column, numbered along the x axis
// ("step"), with a box in its process's row saying what it did: "read 0",
// "truncate", "write 1", "lock", "unlock", "end". Writes are solid, the
// rest pale. The bottom row, "file", shows what the counter file held
// after each step: a number, "empty" or "no file", in a box where it
// changed. A bar over a process's boxes shows it holding the lock; a
// dashed box in a row shows that process waiting for it. A write whose
// increment is missing from the final count is outlined in red and marked
// "lost"; a read that found no number once the file had been written (and
// so counted again from 0) is outlined in red and marked "reset". Which writes are lost is worked out from the
// steps (stepper.Trace.CountLost, on a copy: t is not changed), and the
// line under the title says how the count came out: "expected 2, final
// 1: 1 update lost", which always agrees with the marks.
//
// It draws 1 to 32 steps of at most 16 processes; more is an error.
func Trace(title string, t *stepper.Trace) ([]byte, error) {
	b, err := traceChart(title, t)
	if err != nil {
		return nil, fmt.Errorf("chart.Trace: %w", err)
	}
	return b, nil
}

func traceChart(title string, in *stepper.Trace) ([]byte, error) {
	switch {
	case in == nil:
		return nil, errors.New("no trace (nil)")
	case len(in.Steps) == 0:
		return nil, errors.New("no steps to draw")
	case len(in.Steps) > maxTraceSteps:
		return nil, fmt.Errorf("%d steps: at most %d fit in one picture, each with its label", len(in.Steps), maxTraceSteps)
	}
	t, err := countedCopy(in)
	if err != nil {
		return nil, err
	}
	labels := traceRowLabels(t)

	p := newPlot(title + "\n" + traceCaption(t))
	n := len(t.Steps)
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	ticks := make([]plot.Tick, n)
	for i := range ticks {
		ticks[i] = plot.Tick{Value: float64(i + 1), Label: strconv.Itoa(i + 1)}
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	p.X.Label.Text = "step"
	p.X.Tick.Length = 0
	p.X.Width = 0
	p.X.Padding = 0
	p.X.Tick.Label.Font.Size = min(vg.Points(9), vg.Points(9*20/float64(max(n, 20))))

	rows := len(t.Procs)
	yt := make([]plot.Tick, 0, rows+1)
	for i, l := range labels {
		yt = append(yt, plot.Tick{Value: float64(rows - i), Label: l})
	}
	yt = append(yt, plot.Tick{Value: 0, Label: "file"})
	p.Y.Min, p.Y.Max = -0.55, float64(rows)+0.55
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.Y.Tick.Length = 0
	p.Y.Width = 0
	p.Y.Padding = vg.Points(2)
	p.Y.Tick.Label.Font.Size = min(vg.Points(10), vg.Points(200*0.5/float64(rows+1)))
	p.Add(&traceBoxes{t: t})
	return render(p)
}

// countedCopy checks t and returns a copy with its lost writes counted.
func countedCopy(in *stepper.Trace) (*stepper.Trace, error) {
	t := *in
	t.Steps = slices.Clone(in.Steps)
	t.Procs = slices.Clone(in.Procs)
	known := map[string]bool{}
	for _, p := range t.Procs {
		if p == "" || known[p] {
			return nil, fmt.Errorf("process names %q: each needs a name of its own", t.Procs)
		}
		known[p] = true
	}
	fixed := len(t.Procs) > 0
	for i, s := range t.Steps {
		switch s.Op {
		case stepper.Read, stepper.Truncate, stepper.Write, stepper.Lock, stepper.Unlock, stepper.End:
		default:
			return nil, fmt.Errorf("step %d: unknown op %q", i+1, s.Op)
		}
		if !known[s.Proc] {
			if fixed || s.Proc == "" {
				return nil, fmt.Errorf("step %d: process %q is not one of the trace's %s", i+1, s.Proc, strings.Join(t.Procs, ", "))
			}
			known[s.Proc] = true
			t.Procs = append(t.Procs, s.Proc)
		}
	}
	if len(t.Procs) > maxRows {
		return nil, fmt.Errorf("%d processes; at most %d fit in one picture", len(t.Procs), maxRows)
	}
	t.CountLost()
	return &t, nil
}

// traceRowLabels names each process's row: "A (counts 1)", or "A" when
// the trace does not say its count.
func traceRowLabels(t *stepper.Trace) []string {
	labels := make([]string, len(t.Procs))
	for i, p := range t.Procs {
		labels[i] = p
		if len(t.Counts) == len(t.Procs) {
			labels[i] += " (counts " + strconv.Itoa(t.Counts[i]) + ")"
		}
	}
	return labels
}

// traceCaption says how the count came out, in numbers that agree with
// the marks: "expected 2, final 1: 1 update lost". Where Expected - Final
// is more than the writes marked lost, it says why: increments the run
// did not get to make, or the number the file held before the run, wiped
// out by a reset.
func traceCaption(t *stepper.Trace) string {
	marked, writes := 0, 0
	for _, s := range t.Steps {
		if s.Op == stepper.Write {
			writes++
			if s.Lost {
				marked++
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "expected %d, final %d: ", t.Expected, t.Final)
	switch marked {
	case 0:
		b.WriteString("no update lost")
	case 1:
		b.WriteString("1 update lost")
	default:
		fmt.Fprintf(&b, "%d updates lost", marked)
	}
	rest := t.Expected - t.Final - marked
	if notMade := t.Expected - t.Start - writes; notMade > 0 && rest > 0 {
		k := min(notMade, rest)
		fmt.Fprintf(&b, ", %d not made (the run stopped)", k)
		rest -= k
	}
	if rest > 0 {
		fmt.Fprintf(&b, ", and the %d the file held before", rest)
	}
	return b.String()
}

// traceLabel is a step's box: its op and, below, its value or outcome.
func traceLabel(s stepper.Step) [2]string {
	switch s.Op {
	case stepper.Read:
		switch s.Reset {
		case "":
			return [2]string{"read", strconv.Itoa(s.Value)}
		case "no file":
			return [2]string{"read 0", "no file"}
		case "an empty file":
			return [2]string{"read 0", "empty"}
		}
		if strings.HasPrefix(s.Reset, "a read error") {
			return [2]string{"read 0", "error"}
		}
		return [2]string{"read 0", "garbled"}
	case stepper.Write:
		return [2]string{"write", strconv.Itoa(s.Value)}
	case stepper.Lock:
		switch {
		case s.Lock == s.Proc:
			return [2]string{"lock", "got it"}
		case slices.Contains(s.Waiting, s.Proc):
			return [2]string{"lock", "waits"}
		}
		return [2]string{"lock", ""}
	case stepper.End:
		if s.Err != "" {
			return [2]string{"end", "error"}
		}
		return [2]string{"end", ""}
	}
	return [2]string{string(s.Op), ""}
}

// fileLabel is what the file held after a step, as the file row shows it.
func fileLabel(file string) string {
	switch file {
	case "":
		return "empty"
	case "(no file)":
		return "no file"
	}
	return file
}

// traceBoxes draws the steps, the lock bars and waits, and the file row.
type traceBoxes struct {
	t *stepper.Trace
}

func (tb *traceBoxes) Plot(c draw.Canvas, p *plot.Plot) {
	t := tb.t
	trX, trY := p.Transforms(&c)
	col := trX(1) - trX(0)
	rowH := trY(1) - trY(0)
	rect := func(x0, x1, y0, y1 vg.Length) []vg.Point {
		return []vg.Point{{X: x0, Y: y0}, {X: x0, Y: y1}, {X: x1, Y: y1}, {X: x1, Y: y0}}
	}
	rowOf := map[string]int{}
	for i, name := range t.Procs {
		rowOf[name] = i
	}
	rows := len(t.Procs)
	yOf := func(proc string) float64 { return float64(rows - rowOf[proc]) }

	labels := make([][2]string, len(t.Steps))
	var all []string
	for i, s := range t.Steps {
		labels[i] = traceLabel(s)
		all = append(all, labels[i][0], labels[i][1], fileLabel(s.File))
	}
	boxW := col * boxWidth
	sty := fitted(textStyle(9), all, boxW*0.92, min(rowH*boxHalf*2*0.45, vg.Points(9)))
	sty.YAlign = draw.YCenter
	small := fitted(textStyle(8), []string{"lock", markLabel, "reset", "waits"}, boxW*0.92, rowH*(barHigh-barLow)*0.95)
	small.YAlign = draw.YCenter

	// The lock: a bar over the holder's row for each run of steps after
	// which it held the lock.
	for i := 0; i < len(t.Steps); {
		holder := t.Steps[i].Lock
		j := i + 1
		for j < len(t.Steps) && t.Steps[j].Lock == holder {
			j++
		}
		if _, ok := rowOf[holder]; ok {
			y := yOf(holder)
			x0, x1 := trX(float64(i+1)-boxWidth/2), trX(float64(j)+boxWidth/2)
			c.FillPolygon(seriesColor(rowOf[holder]), rect(x0, x1, trY(y+barLow), trY(y+barHigh)))
			what := "holds the lock"
			if small.Width(what) > x1-x0-vg.Points(4) {
				what = "lock"
			}
			lsty := small
			lsty.Color = color.White
			c.FillText(lsty, vg.Point{X: (x0 + x1) / 2, Y: trY(y + (barLow+barHigh)/2)}, what)
		}
		i = j
	}

	red := draw.LineStyle{Color: reference, Width: vg.Points(2)}
	waitLine := draw.LineStyle{Color: textColor, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
	prevFile := "(no file)"
	if t.Start != 0 {
		prevFile = strconv.Itoa(t.Start)
	}
	touched := false // a truncate or write has been made: a reset now lost a number
	for i, s := range t.Steps {
		x := trX(float64(i + 1))
		x0, x1 := x-boxW/2, x+boxW/2

		// Every other process waiting for the lock after this step.
		for _, w := range s.Waiting {
			if _, ok := rowOf[w]; !ok || w == s.Proc {
				continue
			}
			y := yOf(w)
			pts := rect(x0, x1, trY(y-boxHalf*0.7), trY(y+boxHalf*0.7))
			c.StrokeLines(waitLine, append(pts, pts[0]))
			wsty := small
			c.FillText(wsty, vg.Point{X: x, Y: trY(y)}, "waits")
		}

		r := rowOf[s.Proc]
		y := yOf(s.Proc)
		y0, y1 := trY(y-boxHalf), trY(y+boxHalf)
		base := seriesColor(r)
		fill, ink := tint(base, 0.22), color.Color(textColor)
		if s.Op == stepper.Write {
			fill, ink = base, color.White
		}
		c.FillPolygon(fill, rect(x0, x1, y0, y1))
		mark := ""
		switch {
		case s.Lost:
			mark = markLabel
		case s.Op == stepper.Read && s.Reset != "" && (touched || t.Start != 0):
			mark = "reset"
		case s.Op == stepper.End && s.Err != "":
			mark = "error"
		}
		if mark != "" {
			pts := rect(x0, x1, y0, y1)
			c.StrokeLines(red, append(pts, pts[0]))
			msty := small
			msty.Color = lostText
			c.FillText(msty, vg.Point{X: x, Y: trY(y + markHigh - (barHigh-barLow)/2)}, mark)
		}
		lsty := sty
		lsty.Color = ink
		line := sty.Height("0")
		if labels[i][1] == "" {
			c.FillText(lsty, vg.Point{X: x, Y: (y0 + y1) / 2}, labels[i][0])
		} else {
			c.FillText(lsty, vg.Point{X: x, Y: (y0+y1)/2 + line*0.55}, labels[i][0])
			c.FillText(lsty, vg.Point{X: x, Y: (y0+y1)/2 - line*0.55}, labels[i][1])
		}

		// The file after the step: boxed where it changed.
		fy0, fy1 := trY(-boxHalf*0.8), trY(boxHalf*0.8)
		fsty := sty
		if s.File != prevFile {
			c.FillPolygon(tint(textColor, 0.12), rect(x0, x1, fy0, fy1))
		} else {
			fsty.Color = tint(textColor, 0.5)
		}
		c.FillText(fsty, vg.Point{X: x, Y: (fy0 + fy1) / 2}, fileLabel(s.File))
		prevFile = s.File
		touched = touched || s.Op == stepper.Truncate || s.Op == stepper.Write
	}
}
