package main

import (
	"fmt"
	"math"
)

// A target is one of issue #6's speed goals, checked on one run's rows of
// the tmpfs section (and the shared-memory section). Targets are reported,
// never enforced: timing depends on the machine and its load.
type target struct {
	What     string
	Measured string
	Goal     string
	Met      string // "yes", "NO", or "—" when the rows were not run
}

// evalTargets checks the targets on rows, using the first tmpfs folder's
// file-counter rows.
func evalTargets(rows []row) []target {
	find := func(id string, tmpfsOnly bool) (row, bool) {
		for _, r := range rows {
			if r.Exp.ID == id && (!tmpfsOnly || r.Exp.Tmpfs) {
				return r, true
			}
		}
		return row{}, false
	}
	var ts []target
	add := func(what, goal string, value float64, ok bool, measured string) {
		t := target{What: what, Goal: goal, Measured: measured, Met: "—"}
		if !math.IsNaN(value) {
			t.Met = map[bool]string{true: "yes", false: "NO"}[ok]
		}
		ts = append(ts, t)
	}
	for _, id := range []string{"count-2-call", "count-2-incr", "count-8-incr", "count-1-incr"} {
		r, found := find(id, true)
		v := math.NaN()
		if found {
			v = r.golocksMedian() / r.floorMedian()
		}
		add("golocks within 1.25× of the floor: "+nameOr(r, id), "≤ 1.25×", v, v <= 1.25,
			fmt.Sprintf("%s ÷ %s = %s", formatSeconds(r.golocksMedian()), formatSeconds(r.floorMedian()), formatRatio(v)))
	}
	for _, id := range []string{"count-2-incr", "count-8-incr", "count-1-incr"} {
		r, found := find(id, true)
		v := math.NaN()
		if found {
			v = r.pythonMedian() / r.golocksMedian()
		}
		add("per-increment file lock 1.5× faster than Python: "+nameOr(r, id), "≥ 1.5×", v, v >= 1.5,
			fmt.Sprintf("%s ÷ %s = %s", formatSeconds(r.pythonMedian()), formatSeconds(r.golocksMedian()), formatRatio(v)))
	}
	{
		py, ok1 := find("shared-4-locked", false)
		at, ok2 := find("shared-4-atomic", false)
		v := math.NaN()
		if ok1 && ok2 {
			v = py.pythonMedian() / at.golocksMedian()
		}
		add("atomic shared value (4 procs) vs Python's locked Value (4 procs)", "≥ 50× faster", v, v >= 50,
			fmt.Sprintf("%s ÷ %s = %s", formatSeconds(py.pythonMedian()), formatSeconds(at.golocksMedian()), formatRatio(v)))
	}
	for _, id := range []string{"shared-4-locked", "shared-1-locked"} {
		r, found := find(id, false)
		v := math.NaN()
		if found {
			v = r.golocksMedian() / r.pythonMedian()
		}
		add("locked shared value no slower than Python's get_lock(): "+nameOr(r, id), "golocks ≤ Python", v, v <= 1,
			fmt.Sprintf("%s vs %s", formatSeconds(r.golocksMedian()), formatSeconds(r.pythonMedian())))
	}
	return ts
}

func nameOr(r row, id string) string {
	if r.Exp.Name != "" {
		return r.Exp.Name
	}
	return id
}

func targetRows(ts []target) [][]string {
	var out [][]string
	for _, t := range ts {
		out = append(out, []string{t.What, t.Measured, t.Goal, t.Met})
	}
	return out
}
