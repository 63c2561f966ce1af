package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/golocks/golocks/course/chart"
	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/procfs"
)

// The stepper's speed and memory goals: what a student waits for in the
// notebook, reported by make bench, never asserted by a test.
const (
	everyGoal   = 10 * time.Second       // every schedule of 2 processes × 2 increments
	stepGoal    = 300 * time.Millisecond // one step, Step to the redrawn chart.Trace
	memoryGoal  = 10 << 20               // growth after memorySteps steps and memorySteppers steppers
	memorySteps = 1000
	// memorySteppers are opened, stepped and dropped (not closed: left to
	// the garbage collector, as a notebook drops one it reassigns).
	memorySteppers = 10
	latencySteps   = 60 // steps timed for the latency median
)

// stepperReport is what the stepper section measured: the enumeration
// through `golocks schedules`, a step's latency and the memory in this
// process, which stands in for the kernel (the same packages drive the
// processes; the kernel adds its interpreter, not the stepper's state).
type stepperReport struct {
	Load       [3]float64    // load averages before the section
	Every      []everyRun    // every schedule of 2 × 2 (the goal's), 2 × 3 and 3 × 1
	StepMedian time.Duration // Step + chart.Trace, median of latencySteps
	StepMax    time.Duration
	HeapBefore uint64 // live heap after a warm-up stepper (bytes)
	HeapAfter  uint64 // after memorySteps steps and memorySteppers dropped
	RSSBefore  uint64 // resident set, the same moments
	RSSAfter   uint64
	Errors     []string
}

func (r stepperReport) failures() []string { return r.Errors }

// An everyRun is one `golocks schedules` run: every schedule of Procs
// processes counting Counts each.
type everyRun struct {
	Procs     int
	Counts    string
	Schedules int           // as golocks counted them
	Wall      time.Duration // process start to exit
}

// name is "2 processes × 3 increments".
func (e everyRun) name() string {
	c := strings.Split(e.Counts, ",")[0]
	if c == "1" {
		return fmt.Sprintf("%d processes × 1 increment", e.Procs)
	}
	return fmt.Sprintf("%d processes × %s increments", e.Procs, c)
}

func (e everyRun) rate() float64 {
	if e.Wall <= 0 {
		return math.NaN()
	}
	return float64(e.Schedules) / e.Wall.Seconds()
}

// everyRuns are the enumerations measured, the goal's (2 × 2) first: the
// counts issue 20 asks Every to run.
var everyRuns = []everyRun{{Procs: 2, Counts: "2,2"}, {Procs: 2, Counts: "3,3"}, {Procs: 3, Counts: "1,1,1"}}

// measureStepper runs the stepper section in dir.
func measureStepper(o options, dir string, progress io.Writer) stepperReport {
	r := stepperReport{Load: loadavg()}
	fail := func(what string, err error) {
		r.Errors = append(r.Errors, fmt.Sprintf("stepper: %s: %v", what, err))
		fmt.Fprintf(progress, "  stepper %s: %v\n", what, err)
	}
	golocks, err := filepath.Abs(o.Golocks)
	if err != nil {
		fail("golocks", err)
		return r
	}

	// Every schedule, as a student runs it from the terminal.
	for _, e := range everyRuns {
		cmd := exec.Command(golocks, "schedules", "--procs", strconv.Itoa(e.Procs), "--counts", e.Counts, "--json", "--quiet")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOLOCKS_WORKER="+golocks)
		start := time.Now()
		out, err := cmd.Output()
		e.Wall = time.Since(start)
		var sum struct{ Schedules int }
		if err == nil {
			err = json.Unmarshal(out, &sum)
		}
		if err != nil {
			fail("golocks schedules --counts "+e.Counts, err)
			continue
		}
		e.Schedules = sum.Schedules
		r.Every = append(r.Every, e)
		fmt.Fprintf(progress, "  stepper: %d schedules of %s in %v (%.0f/s)\n", e.Schedules, e.name(), e.Wall.Round(time.Millisecond), e.rate())
	}

	// One step, from the call to the redrawn picture, in this process.
	file := filepath.Join(dir, "counter.txt")
	opts := []stepper.Option{stepper.Worker(golocks), stepper.Output(io.Discard, io.Discard)}
	var ds []float64
	for len(ds) < latencySteps {
		st, err := stepper.New(workbook.Work, []int{2, 2}, file, opts...)
		if err != nil {
			fail("New", err)
			return r
		}
		for _, p := range []string{"A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "A", "B"} {
			t := time.Now()
			_, err := st.Step(p)
			if err == nil {
				_, err = chart.Trace("stepped", st.Trace())
			}
			d := time.Since(t)
			if err != nil {
				st.Close()
				fail("Step and chart.Trace", err)
				return r
			}
			ds = append(ds, d.Seconds())
			r.StepMax = max(r.StepMax, d)
		}
		st.Close()
	}
	r.StepMedian = time.Duration(median(ds) * 1e9)
	fmt.Fprintf(progress, "  stepper: one step + chart.Trace: median %v, max %v\n", r.StepMedian.Round(time.Microsecond), r.StepMax.Round(time.Microsecond))

	// Memory: a warm-up stepper first (the packages' one-time state), then
	// memorySteps steps over memorySteppers steppers, each dropped.
	if err := stepAndDrop(file, opts, []int{2, 2}, 12); err != nil {
		fail("memory warm-up", err)
		return r
	}
	r.HeapBefore, r.RSSBefore = memoryNow()
	per := memorySteps / memorySteppers / 6 // each count makes 3 steps
	for range memorySteppers {
		if err := stepAndDrop(file, opts, []int{per, per}, 6*per); err != nil {
			fail("memory", err)
			return r
		}
	}
	r.HeapAfter, r.RSSAfter = memoryNow()
	fmt.Fprintf(progress, "  stepper: heap %s -> %s, RSS %s -> %s\n", mibText(r.HeapBefore), mibText(r.HeapAfter), mibText(r.RSSBefore), mibText(r.RSSAfter))
	return r
}

// stepAndDrop opens a stepper, takes n steps (A and B in turn, then
// whoever can) redrawing each, and drops it without Close.
func stepAndDrop(file string, opts []stepper.Option, counts []int, n int) error {
	st, err := stepper.New(workbook.Work, counts, file, opts...)
	if err != nil {
		return err
	}
	for i := range n {
		p := []string{"A", "B"}[i%2]
		if _, err := st.Step(p); err != nil {
			if _, err = st.Step([]string{"B", "A"}[i%2]); err != nil {
				return err
			}
		}
		tr := st.Trace()
		if len(tr.Steps) > 32 {
			tr.Steps = tr.Steps[len(tr.Steps)-32:]
		}
		if _, err := chart.Trace("stepped", tr); err != nil {
			return err
		}
	}
	if !st.Done() {
		return errors.New("the stepper's processes have not ended")
	}
	return nil // st is dropped here: its cleanup stops what is left
}

// memoryNow is the live heap and the resident set, after two collections
// (the second runs the cleanups the first found due).
func memoryNow() (heap, rss uint64) {
	runtime.GC()
	time.Sleep(100 * time.Millisecond) // the cleanups run on their own goroutine
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	heap = m.HeapAlloc
	if st, err := procfs.SelfStatus(); err == nil {
		rss = st.RSS
	}
	return heap, rss
}

func mibText(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// writeStepper prints the stepper section's table.
func writeStepper(w io.Writer, r stepperReport) {
	fmt.Fprintf(w, "Load average %.2f %.2f %.2f before the section.\n\n", r.Load[0], r.Load[1], r.Load[2])
	yes := func(ok bool) string { return map[bool]string{true: "yes", false: "NO"}[ok] }
	grow := func(a, b uint64) int64 { return int64(b) - int64(a) }
	heapGrow, rssGrow := grow(r.HeapBefore, r.HeapAfter), grow(r.RSSBefore, r.RSSAfter)
	var rows [][]string
	for i, e := range r.Every {
		goal, met := "(none: reported)", ""
		if i == 0 && e.Procs == 2 && e.Counts == "2,2" {
			goal, met = "≤ "+formatSeconds(everyGoal.Seconds()), yes(e.Schedules > 0 && e.Wall <= everyGoal)
		}
		rows = append(rows, []string{fmt.Sprintf("every schedule of %s (golocks schedules)", e.name()), fmt.Sprintf("%d schedules in %s: %.0f schedules/s", e.Schedules, formatSeconds(e.Wall.Seconds()), e.rate()), goal, met})
	}
	writeTable(w, []string{"target", "measured", "goal", "met"}, append(rows, [][]string{
		{"one stepped operation: Step + chart.Trace", fmt.Sprintf("median %s, max %s of %d", formatSeconds(r.StepMedian.Seconds()), formatSeconds(r.StepMax.Seconds()), latencySteps), "≤ " + formatSeconds(stepGoal.Seconds()), yes(r.StepMedian > 0 && r.StepMax <= stepGoal)},
		{fmt.Sprintf("memory after %d steps and %d steppers dropped (this process: live heap, RSS)", memorySteps, memorySteppers), fmt.Sprintf("heap %+.1f MiB, RSS %+.1f MiB", float64(heapGrow)/(1<<20), float64(rssGrow)/(1<<20)), "≤ +10 MB", yes(r.RSSAfter > 0 && rssGrow <= memoryGoal && heapGrow <= memoryGoal)},
	}...))
}
