package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// tableHeader is the main table's columns. Times are per increment,
// medians of the measured runs (warm-up left out).
var tableHeader = []string{
	"where", "experiment", "golocks", "Python", "Python ÷ golocks",
	"floor", "golocks ÷ floor", "contended floor (÷ floor)",
	"system calls golocks / Python / floor", "lost, golocks", "lost, Python",
}

// tableRows turns rows into the main table's cells.
func tableRows(rows []row) [][]string {
	var out [][]string
	for _, r := range rows {
		g, p, f := r.golocksMedian(), r.pythonMedian(), r.floorMedian()
		py, lostPy := "—", "—"
		if r.Exp.Python != nil {
			py, lostPy = formatSeconds(p), formatLost(lostOf(r.Python))
		}
		name := r.Exp.Name
		if len(r.failures()) > 0 {
			name += " **FAILED**"
		}
		contended := "—"
		if len(r.Contended) > 0 {
			c := r.contendedMedian()
			contended = formatSeconds(c) + " (" + formatRatio(c/f) + ")"
		}
		out = append(out, []string{
			r.Exp.Where, name, formatSeconds(g), py, formatRatio(p / g),
			formatSeconds(f) + " " + r.Exp.FloorName, formatRatio(g / f), contended,
			formatSyscalls(r), formatLost(lostOf(r.Golocks)), lostPy,
		})
	}
	return out
}

// formatSyscalls prints a row's system calls per increment as
// "20.2 / 31.0 / 20.0" (golocks / Python / floor), "—" where not counted.
func formatSyscalls(r row) string {
	if len(r.Syscalls) == 0 {
		return "—"
	}
	var parts []string
	for _, side := range []string{"golocks", "Python", "floor"} {
		if v, ok := r.Syscalls[side]; ok {
			parts = append(parts, formatCount(v))
		} else {
			parts = append(parts, "—")
		}
	}
	s := strings.Join(parts, " / ")
	if v, ok := r.Syscalls["contended"]; ok {
		s += " (contended " + formatCount(v) + ")"
	}
	return s
}

// formatCount prints a count per increment: "20.2", "0.00", "1.25".
func formatCount(v float64) string {
	if v >= 10 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// writeTable writes a Markdown table whose columns line up in a terminal
// too. Cells must not contain "|".
func writeTable(w io.Writer, header []string, rows [][]string) {
	width := make([]int, len(header))
	for i, h := range header {
		width[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
}

// A stepCost is one line of the cost decomposition: the median cost of one
// operation on one file system.
type stepCost struct {
	Where, Step, What string
	Median            time.Duration
	Runs              int
}

func decompositionRows(costs []stepCost) [][]string {
	var out [][]string
	for _, c := range costs {
		out = append(out, []string{c.Where, c.Step, formatSeconds(c.Median.Seconds()), c.What})
	}
	return out
}
