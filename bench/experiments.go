package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/golocks/golocks/course/workbook"
)

// An experiment is one row of the table: the same work done by golocks and
// by the Python reference, run alternately, and the floor it is measured
// against.
type experiment struct {
	ID      string // e.g. "count-2-incr", "shared-4-atomic": what targets look up
	Where   string // the file system, e.g. "tmpfs /dev/shm"
	FS      string // its type: "tmpfs", "ext4", ... ("" for shared memory)
	Name    string // what is measured, with its counts
	Short   string // a few words for the chart's axis
	Correct bool   // a correct variant must lose no update in any run
	Tmpfs   bool   // run on tmpfs (the targets are judged there)

	Golocks []string // arguments of build/golocks
	Python  []string // arguments of locks_reference.py; nil = no equivalent

	// Floor is the same increments by one process, no contention, run in
	// the bench process; FloorName says which floor (see floorLegend).
	FloorName string
	Floor     func() (result, error) `json:"-"`

	// Contended is the floor's loop run by as many processes as the
	// experiment has, taking turns (nil for one process, and for rows
	// whose floor has no lock).
	Contended func() (result, error) `json:"-"`

	// Scaled gives the command lines of a smaller run of each side, every
	// count divided by div (but at least 1000/div per process, so that two
	// divisors always give two sizes): what the system calls are counted
	// on (syscalls.go).
	Scaled func(div int) []sideRun `json:"-"`

	Dir string // TMPDIR for both tools: where their files go
}

// A sideRun is one side of an experiment (golocks, Python, floor,
// contended) as a command line. Argv starts with a placeholder for its
// program (see tools.argv).
type sideRun struct {
	Side  string
	Argv  []string
	Total int // the increments it asks for
}

// Floor names, printed under the table.
var floorLegend = []struct{ name, text string }{
	{"F-none", "workbook.Counter{File} (no lock: the workbook's work: os.Stat, os.ReadFile, os.WriteFile) run by one process, in the bench process: the same read-increment-rewrite, no contention, no process start"},
	{"F-call", "flock(2) on a descriptor kept open, taken once around the loop of the locked counter's read and rewrite (os.ReadFile, +1, os.WriteFile), one process"},
	{"F-incr", "the same with flock(2) taken and released around each increment, one process, no contention: issue #12's floor"},
	{"F-atomic", "bare atomic adds by one process on the mapped shared value (workbook.IncrementShared \"atomic\", the worker's own loop), no contention, no process start"},
	{"contended", "F-incr's loop run by as many processes as the row (children of the bench, process start included), taking the raw flock(2) in turns: what contention alone costs"},
}

// fileSystem describes a folder the file-counter experiments run in.
type fileSystem struct {
	Dir   string // the folder given by DIR (or the default)
	Type  string // "tmpfs", "ext4", ...
	Scale int    // counts are divided by this (1 on tmpfs)
}

func (fs fileSystem) where() string { return fs.Type + " " + fs.Dir }

// counterExperiments are the file-counter rows for one file system, run
// in work (a folder on it that the bench owns).
func counterExperiments(fs fileSystem, work string) []experiment {
	c2, c8 := 20000/fs.Scale, 5000/fs.Scale
	type spec struct {
		id        string
		name      string
		short     string
		procs     int
		count     int // per process
		lock      string
		gran      string
		floorName string
	}
	specs := []spec{
		{"count-2-none", fmt.Sprintf("file counter, 2 procs × %s, unlocked", group(c2)), "2p unlocked", 2, c2, "none", "", "F-none"},
		{"count-2-call", fmt.Sprintf("file counter, 2 procs × %s, locked per call", group(c2)), "2p lock/call", 2, c2, "file", "call", "F-call"},
		{"count-2-incr", fmt.Sprintf("file counter, 2 procs × %s, locked per increment", group(c2)), "2p lock/incr", 2, c2, "file", "increment", "F-incr"},
		{"count-8-incr", fmt.Sprintf("file counter, 8 procs × %s, locked per increment", group(c8)), "8p lock/incr", 8, c8, "file", "increment", "F-incr"},
		{"count-1-incr", fmt.Sprintf("file counter, 1 proc × %s, locked per increment (no contention)", group(2*c2)), "1p lock/incr", 1, 2 * c2, "file", "increment", "F-incr"},
	}
	var exps []experiment
	for _, s := range specs {
		gran := map[string]string{"F-none": "none", "F-call": "call", "F-incr": "increment"}[s.floorName]
		// The command lines for count increments per process.
		argv := func(count int) (g, p, floor, contended []string, total int) {
			cs := make([]string, s.procs)
			for i := range cs {
				cs[i] = strconv.Itoa(count)
			}
			args := []string{"count", "--procs", strconv.Itoa(s.procs), "--counts", strings.Join(cs, ","), "--lock", s.lock}
			if s.lock == "file" {
				args = append(args, "--granularity", s.gran)
			}
			total = count * s.procs
			g = append(append([]string{golocksProgram}, args...), "--quiet", "--json")
			p = append(append([]string{pythonProgram}, args...), "--json")
			floor = []string{benchProgram, floorChild, gran, work, strconv.Itoa(total)}
			if s.procs > 1 && gran == "increment" {
				contended = []string{benchProgram, floorChild, "contended-" + strconv.Itoa(s.procs), work, strconv.Itoa(total)}
			}
			return g, p, floor, contended, total
		}
		g, p, _, _, total := argv(s.count)
		e := experiment{
			ID: s.id, Where: fs.where(), FS: fs.Type, Tmpfs: fs.Type == "tmpfs", Name: s.name, Short: s.short, Correct: s.lock == "file",
			Golocks: g[1:], Python: p[1:], FloorName: s.floorName, Dir: work,
			Floor: func() (result, error) { return floorCounter(work, gran, total) },
			Scaled: func(div int) []sideRun {
				g, p, floor, contended, total := argv(max(s.count/div, 1000/div))
				runs := []sideRun{{"golocks", g, total}, {"Python", p, total}, {"floor", floor, total}}
				if contended != nil {
					runs = append(runs, sideRun{"contended", contended, total})
				}
				return runs
			},
		}
		if s.procs > 1 && gran == "increment" {
			e.Contended = func() (result, error) { return contendedFloor(work, s.procs, total) }
		}
		exps = append(exps, e)
	}
	return exps
}

// sharedExperiments are the shared-value rows: golocks at procs × goCount,
// Python at procs × pyCount (Python is ~100 times slower per increment;
// the table compares the cost per increment).
func sharedExperiments(fs fileSystem, work string, goCount, pyCount int) []experiment {
	type spec struct {
		procs int
		mode  string
	}
	var specs []spec
	for _, m := range workbook.SharedModes() {
		specs = append(specs, spec{4, m})
	}
	specs = append(specs, spec{1, workbook.SharedLocked})
	var exps []experiment
	for _, s := range specs {
		gc, pc := goCount, pyCount
		name := fmt.Sprintf("shared value, %d procs × %s, %s", s.procs, group(gc), s.mode)
		if s.procs == 1 {
			// The same total as the 4-process rows, by one process.
			gc, pc = 4*goCount, 4*pyCount
			name = fmt.Sprintf("shared value, 1 proc × %s, %s (no contention)", group(gc), s.mode)
		}
		if pc != gc {
			name += fmt.Sprintf(" (Python: %d × %s)", s.procs, group(pc))
		}
		args := func(count int) []string {
			return []string{"shared", "--procs", strconv.Itoa(s.procs), "--count", strconv.Itoa(count), "--mode", s.mode, "--json"}
		}
		var py []string
		if s.mode != workbook.SharedAtomic { // Python has no atomic mode
			py = args(pc)
		}
		total := s.procs * gc
		exps = append(exps, experiment{
			ID: fmt.Sprintf("shared-%d-%s", s.procs, s.mode), Where: "shared memory, " + fs.Dir, Name: name, Short: fmt.Sprintf("%dp %s", s.procs, s.mode), Correct: s.mode != workbook.SharedRacy,
			Golocks: args(gc), Python: py, FloorName: "F-atomic", Dir: work,
			Floor: func() (result, error) { return floorAtomic(work, total) },
			Scaled: func(div int) []sideRun {
				n, pn := max(gc/div, 1000/div), max(pc/div, 1000/div)
				runs := []sideRun{
					{"golocks", append([]string{golocksProgram}, args(n)...), s.procs * n},
					{"floor", []string{benchProgram, floorChild, workbook.SharedAtomic, work, strconv.Itoa(s.procs * n)}, s.procs * n},
				}
				if py != nil {
					runs = append(runs, sideRun{"Python", append([]string{pythonProgram}, args(pn)...), s.procs * pn})
				}
				return runs
			},
		})
	}
	return exps
}

// group writes n with thousands separators: 1000000 → "1,000,000".
func group(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// short is Short, or the name if there is none.
func (e experiment) short() string {
	if e.Short != "" {
		return e.Short
	}
	return e.Name
}
