package main

// The class load: a class served by JupyterHub on this machine (scripts/
// class.sh, Debian's JupyterHub), whose students are real local users
// driven as browsers drive it (internal/classload). One student runs the
// solution workbook alone, then -class-students run it at the same time;
// the bench prints the wall times, the cells' latency, each student's peak
// memory (server, kernels and workers) and how many students this
// machine's memory holds at that rate. It needs root (it creates the
// students as local users and removes them); -class=false skips it.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/golocks/golocks/internal/classload"
)

type classOptions struct {
	Enabled     bool
	Students    int
	CellTimeout time.Duration
	Timeout     time.Duration
}

func (c *classOptions) register(fs *flag.FlagSet) {
	fs.BoolVar(&c.Enabled, "class", true, "serve a class through JupyterHub and run the solution notebooks (-notebooks) for one student, then for -class-students at once (needs root: the students are local users)")
	fs.IntVar(&c.Students, "class-students", 8, "students working at the same time")
	fs.DurationVar(&c.CellTimeout, "class-cell-timeout", 10*time.Minute, "bound on one cell of one student")
	fs.DurationVar(&c.Timeout, "class-timeout", time.Hour, "bound on one student's whole run")
}

func (c classOptions) check() error {
	if !c.Enabled {
		return nil
	}
	if c.Students < 1 || c.CellTimeout <= 0 || c.Timeout <= 0 {
		return errors.New("-class-students must be at least 1, -class-cell-timeout and -class-timeout positive")
	}
	if os.Geteuid() != 0 {
		return errors.New("-class needs root: it creates the students as local users and serves them through JupyterHub (run as root, or -class=false)")
	}
	return nil
}

// classReport is what the class load measured.
type classReport struct {
	Students     int
	Notebooks    []string
	Alone, Class *classRun
	MemAvailable int64 // bytes, before the class's run
	MemTotal     int64
	Problems     []string // a student's cell failed, a kernel died, a file was shared...
	Errors       []string // the class could not be served
}

// classRun is one run: one student alone, or the whole class at once.
type classRun struct {
	Students  int
	WallS     float64   // from "go" until the last student was done
	CellsS    []float64 // every cell's latency
	SpawnS    []float64 // each student's server start
	PeakBytes []int64   // each student's peak memory (PSS)
	PeakBy    map[string]int64
}

func (cr *classReport) failures() []string {
	var f []string
	for _, p := range cr.Problems {
		f = append(f, "class: "+p)
	}
	for _, e := range cr.Errors {
		f = append(f, "class: "+e)
	}
	return f
}

// measureClass serves the class, runs it alone then together, and stops it.
func measureClass(o options, progress io.Writer) *classReport {
	cr := &classReport{Students: o.Class.Students}
	fail := func(err error) *classReport {
		cr.Errors = append(cr.Errors, err.Error())
		return cr
	}
	notebooks, err := filepath.Glob(o.Notebooks)
	if err != nil || len(notebooks) == 0 {
		return fail(fmt.Errorf("-notebooks %q: no notebooks (%v)", o.Notebooks, err))
	}
	sort.Strings(notebooks)
	for i, nb := range notebooks {
		if notebooks[i], err = filepath.Abs(nb); err != nil {
			return fail(err)
		}
	}
	cr.Notebooks = notebooks
	root, err := filepath.Abs(".")
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(progress, "  class: serving %d students through JupyterHub (scripts/class.sh)\n", o.Class.Students)
	c, err := classload.Start(classload.Options{Root: root, Students: o.Class.Students})
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err := c.Close(); err != nil {
			cr.Errors = append(cr.Errors, err.Error())
		}
	}()
	runOpts := classload.RunOptions{Notebooks: notebooks, CellTimeout: o.Class.CellTimeout, Timeout: o.Class.Timeout}
	for _, n := range []int{1, o.Class.Students} {
		fmt.Fprintf(progress, "  class: %d student(s) run %d notebooks at once\n", n, len(notebooks))
		runOpts.Students = n
		rep, err := c.Run(runOpts)
		if err != nil {
			return fail(err)
		}
		run := &classRun{Students: n, WallS: rep.Wall.Seconds(), CellsS: rep.Latencies()}
		var top int64
		for _, s := range rep.Students {
			run.SpawnS = append(run.SpawnS, s.SpawnS)
			run.PeakBytes = append(run.PeakBytes, s.Memory.Total)
			if s.Memory.Total > top {
				top, run.PeakBy = s.Memory.Total, s.Memory.By
			}
		}
		for _, p := range rep.Problems() {
			cr.Problems = append(cr.Problems, fmt.Sprintf("%d at once: %s", n, p))
		}
		fmt.Fprintf(progress, "  class: %d student(s): %s, %d cells, %d problems\n", n, formatSeconds(run.WallS), len(run.CellsS), len(rep.Problems()))
		if n == 1 {
			cr.Alone = run
		} else {
			cr.Class, cr.MemAvailable, cr.MemTotal = run, rep.MemAvailable, rep.MemTotal
		}
		if o.Class.Students == 1 {
			cr.Class, cr.MemAvailable, cr.MemTotal = run, rep.MemAvailable, rep.MemTotal
			break
		}
	}
	return cr
}

// percentile is the nearest-rank p-th percentile of xs (NaN for none).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

func mib(b int64) string { return strconv.FormatInt(b>>20, 10) + " MiB" }

// writeClass prints the class section of the report.
func writeClass(w io.Writer, cr *classReport) {
	for _, e := range cr.Errors {
		fmt.Fprintf(w, "Not measured: %s\n", e)
	}
	if cr.Class == nil {
		return
	}
	fmt.Fprintf(w, "Each student logs in through the hub's login form and REST API, starts their server, and runs the %d solution notebooks cell by cell over the kernel's websocket, as a browser does; all start together.\n\n", len(cr.Notebooks))
	rows := [][]string{}
	for i, r := range []*classRun{cr.Alone, cr.Class} {
		if r == nil || (i == 1 && r == cr.Alone) {
			continue
		}
		label := "the class at once"
		if r.Students == 1 {
			label = "one student alone"
		}
		floats := func(xs []int64) []float64 {
			var f []float64
			for _, x := range xs {
				f = append(f, float64(x))
			}
			return f
		}
		rows = append(rows, []string{label, strconv.Itoa(r.Students), formatSeconds(r.WallS), strconv.Itoa(len(r.CellsS)),
			formatSeconds(percentile(r.CellsS, 50)), formatSeconds(percentile(r.CellsS, 95)),
			formatSeconds(percentile(r.SpawnS, 100)), mib(int64(percentile(floats(r.PeakBytes), 100)))})
	}
	writeTable(w, []string{"run", "students", "wall time", "cells", "cell latency p50", "p95", "slowest server start", "peak memory per student (max)"}, rows)
	fmt.Fprintln(w)
	if cr.Alone != nil && cr.Class != cr.Alone && cr.Alone.WallS > 0 {
		fmt.Fprintf(w, "The class of %d took %s as long as one student alone: the machine got through %s as much work as for one student in the same time.\n",
			cr.Class.Students, formatRatio(cr.Class.WallS/cr.Alone.WallS), formatRatio(float64(cr.Class.Students)*cr.Alone.WallS/cr.Class.WallS))
	}
	var peaks []float64
	var top int64
	for _, b := range cr.Class.PeakBytes {
		peaks = append(peaks, float64(b))
		top = max(top, b)
	}
	fmt.Fprintf(w, "Peak memory per student (the PSS of all the student's processes: server, kernels and workers, sampled every second): median %s, max %s",
		mib(int64(median(peaks))), mib(top))
	if len(cr.Class.PeakBy) > 0 {
		fmt.Fprintf(w, " (server %s, kernels %s, workers %s)", mib(cr.Class.PeakBy["server"]), mib(cr.Class.PeakBy["kernels"]), mib(cr.Class.PeakBy["workers"]))
	}
	fmt.Fprintln(w, ".")
	if top > 0 && cr.MemAvailable > 0 {
		fmt.Fprintf(w, "This machine had %s available of %s before the class ran: about %d students at that rate (memory only; CPU is what the wall time shows).\n",
			mib(cr.MemAvailable), mib(cr.MemTotal), cr.MemAvailable/top)
	}
	for _, p := range cr.Problems {
		fmt.Fprintf(w, "PROBLEM: %s\n", p)
	}
}
