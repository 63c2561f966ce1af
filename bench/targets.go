package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// A target is one of the speed goals, checked on one run's rows: the file
// lock's and the shared values'. Targets are reported,
// never enforced: timing depends on the machine and its load (lost updates
// are enforced: see row.failures).
type target struct {
	What     string
	Measured string
	Goal     string
	Met      string // "yes", "NO", or "—" when the rows were not run
}

// The file lock's bounds: golocks ÷ the one-process floor
// F-incr, per row.
var lockBounds = []struct {
	id, what string
	bound    float64
}{
	{"count-1-incr", "1 process, lock per increment", 1.15},
	{"count-2-incr", "2 processes, lock per increment", 1.35},
	{"count-8-incr", "8 processes on 2 cores, lock per increment", 1.6},
}

// baselineSlack is how much slower than the baseline a row may measure
// and still count as "no slower": the run-to-run noise of medians of 5 on a
// quiet machine.
const baselineSlack = 1.10

// evalTargets checks the targets on rows. base, if not nil, is an earlier
// run of the bench on the same machine (-baseline), for "nothing slower".
func evalTargets(rows []row, base *report) []target {
	var ts []target
	add := func(what, goal string, value float64, ok bool, measured string) {
		t := target{What: what, Goal: goal, Measured: measured, Met: "—"}
		if !math.IsNaN(value) {
			t.Met = map[bool]string{true: "yes", false: "NO"}[ok]
		}
		ts = append(ts, t)
	}

	// The file lock on tmpfs, then the same bounds on every other file system
	// ("nothing slower on ext4": the lock adds no more there).
	var fss []string
	for _, r := range rows {
		if r.Exp.FS != "" && !slices.Contains(fss, r.Exp.FS) {
			fss = append(fss, r.Exp.FS)
		}
	}
	if !slices.Contains(fss, "tmpfs") {
		fss = append([]string{"tmpfs"}, fss...)
	}
	for _, fs := range fss {
		for _, b := range lockBounds {
			r, _ := findRow(rows, b.id, fs)
			v := r.golocksMedian() / r.floorMedian()
			add(fmt.Sprintf("%s: %s, golocks ÷ floor", fs, b.what), fmt.Sprintf("≤ %.2f×", b.bound), v, v <= b.bound,
				fmt.Sprintf("%s ÷ %s = %s", formatSeconds(r.golocksMedian()), formatSeconds(r.floorMedian()), formatRatio(v)))
		}
		if fs == "tmpfs" {
			r, _ := findRow(rows, "count-2-incr", fs)
			v := r.pythonMedian() / r.golocksMedian()
			add("tmpfs: 2 processes, lock per increment, faster than Python's fasteners", "≥ 1.80×", v, v >= 1.8,
				fmt.Sprintf("%s ÷ %s = %s", formatSeconds(r.pythonMedian()), formatSeconds(r.golocksMedian()), formatRatio(v)))
		}
	}

	// 0 lost updates in every locked run (also a failure of the bench).
	runs, lossy := 0, []string{}
	for _, r := range rows {
		if !r.Exp.Correct {
			continue
		}
		runs += len(r.Golocks) + len(r.Python) + len(r.Floor) + len(r.Contended)
		if len(r.failures()) > 0 {
			lossy = append(lossy, r.Exp.Where+": "+r.Exp.Name)
		}
	}
	v := math.NaN()
	if runs > 0 {
		v = float64(len(lossy))
	}
	measured := fmt.Sprintf("%d runs, none lost an update", runs)
	if len(lossy) > 0 {
		measured = "lost or failed: " + strings.Join(lossy, "; ")
	}
	add("0 lost updates in every locked run (every tool, every floor)", "0", v, v == 0, measured)

	// Shared values.
	{
		py, ok1 := findRow(rows, "shared-4-locked", "")
		at, ok2 := findRow(rows, "shared-4-atomic", "")
		v := math.NaN()
		if ok1 && ok2 {
			v = py.pythonMedian() / at.golocksMedian()
		}
		add("atomic shared value (4 procs) vs Python's locked Value (4 procs)", "≥ 50× faster", v, v >= 50,
			fmt.Sprintf("%s ÷ %s = %s", formatSeconds(py.pythonMedian()), formatSeconds(at.golocksMedian()), formatRatio(v)))
	}
	for _, id := range []string{"shared-4-locked", "shared-1-locked"} {
		r, found := findRow(rows, id, "")
		v := math.NaN()
		if found {
			v = r.golocksMedian() / r.pythonMedian()
		}
		add("locked shared value no slower than Python's get_lock(): "+nameOr(r, id), "golocks ≤ Python", v, v <= 1,
			fmt.Sprintf("%s vs %s", formatSeconds(r.golocksMedian()), formatSeconds(r.pythonMedian())))
	}

	// Nothing slower than before, row by row, against an earlier run.
	if base == nil {
		add("nothing slower than an earlier run (ext4, shared memory, every row)", fmt.Sprintf("≤ %.2f× the earlier run", baselineSlack),
			math.NaN(), false, "give -baseline an earlier run's -json file")
		return ts
	}
	for _, r := range rows {
		if r.Exp.FS == "tmpfs" {
			continue // judged by the bounds above
		}
		for _, b := range base.Rows {
			if b.Exp.ID != r.Exp.ID || b.Exp.Where != r.Exp.Where {
				continue
			}
			v := r.golocksMedian() / b.golocksMedian()
			add("no slower than the earlier run: "+r.Exp.Where+": "+r.Exp.Name, fmt.Sprintf("≤ %.2f×", baselineSlack), v, v <= baselineSlack,
				fmt.Sprintf("%s ÷ %s = %s", formatSeconds(r.golocksMedian()), formatSeconds(b.golocksMedian()), formatRatio(v)))
		}
	}
	return ts
}

// findRow returns the row with the given ID on file system type fs ("" =
// any).
func findRow(rows []row, id, fs string) (row, bool) {
	for _, r := range rows {
		if r.Exp.ID == id && (fs == "" || r.Exp.FS == fs) {
			return r, true
		}
	}
	return row{Exp: experiment{ID: id}}, false
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
