// Command bench measures golocks against the workbook's Python reference
// (locks_reference.py, same flags, same JSON) and against the floor of the
// machine, side by side in one run, and prints the tables. It is what
// `make bench` runs; docs/benchmarks.md shows a run and explains it.
//
//	go run ./bench [flags]
//
// Each experiment runs golocks, Python and the floor alternately (after
// warm-up rounds, 5 measured rounds by default) and reports the median cost
// per increment of each. The file-counter experiments run on each folder of
// -dir (default: /dev/shm and the system temp dir), which both tools are
// pointed at through TMPDIR; the shared-value experiments run once. The
// bench exits non-zero if a correct variant loses an update in any run, or
// a run fails.
//
// Then the counter in Redis (bench/redis.go): INCR and locked increments
// per second for 1, 4 and 8 processes on one private redis-server, golocks
// against the same loops in Python's redis client, and the cost of one lock
// acquire + release.
//
// Then it measures the notebook kernel's latency (kernel start to first
// reply, a trivial cell, each solution notebook) through Jupyter's own
// client, with bench/latency.py, and a class served by JupyterHub on this
// machine, one student alone and then a whole class at once (class.go).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

type options struct {
	tools
	Dirs         []string
	Warmup       int
	Pairs        int
	SlowScale    int
	GoShared     int
	PyShared     int
	StepN        int
	Only         *regexp.Regexp
	Latency      bool
	Kernel       string
	Notebooks    string
	LatencyRuns  int
	NotebookRuns int
	Redis        bool
	Stepper      bool
	RedisURL     string
	RedisCount   int
	JSON, Chart  string
	From         string
	Syscalls     bool
	Baseline     string
	Class        classOptions
}

func main() {
	if len(os.Args) > 1 && (os.Args[1] == lockedChild || os.Args[1] == floorChild) {
		os.Exit(runChild(os.Args[1:]))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 2
	}
	var rep report
	if o.From != "" {
		rep, err = replay(o, stdout, stderr)
	} else {
		if err := o.check(); err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 2
		}
		rep, err = bench(o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	if fails := rep.failures(); len(fails) > 0 {
		fmt.Fprintln(stderr, "bench: FAILED:")
		for _, f := range fails {
			fmt.Fprintln(stderr, "  "+f)
		}
		return 1
	}
	return 0
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dirs := fs.String("dir", os.Getenv("DIR"), "comma-separated folders for the file-counter experiments, one table section each (default $DIR, else /dev/shm and the system temp dir)")
	fs.StringVar(&o.Golocks, "golocks", "build/golocks", "the golocks binary (make build)")
	fs.StringVar(&o.Python, "python", "/usr/bin/python3", "the Python that runs the reference (needs python3-fasteners)")
	fs.StringVar(&o.Reference, "reference", "bench/locks_reference.py", "the workbook's Python reference")
	fs.DurationVar(&o.Timeout, "timeout", 3*time.Minute, "bound on each single run")
	fs.IntVar(&o.Warmup, "warmup", 1, "warm-up rounds per experiment (not in the medians, but their lost updates count)")
	fs.IntVar(&o.Pairs, "pairs", 5, "measured rounds per experiment (golocks, Python, floor each)")
	fs.IntVar(&o.SlowScale, "slow-scale", 10, "divide the file-counter counts by this on a folder that is not tmpfs (ext4 costs 15-20 times more per increment)")
	fs.IntVar(&o.GoShared, "go-shared", 1_000_000, "golocks' increments per process in the shared-value experiments")
	fs.IntVar(&o.PyShared, "py-shared", 250_000, "Python's increments per process in the shared-value experiments (compared per increment)")
	fs.IntVar(&o.StepN, "step-n", 20000, "operations per run of each step of the cost decomposition (divided by -slow-scale off tmpfs)")
	only := fs.String("run", "", "only the experiments whose \"where: name\" matches this regexp (and no decomposition unless it matches \"decomposition\")")
	fs.BoolVar(&o.Latency, "latency", true, "measure the notebook kernel's latency")
	fs.StringVar(&o.Kernel, "kernel", "build/kernel/golocks", "the kernelspec folder (make kernel)")
	fs.StringVar(&o.Notebooks, "notebooks", "notebooks/solution/*.ipynb", "the notebooks to run whole (a glob)")
	fs.IntVar(&o.LatencyRuns, "latency-runs", 5, "kernel starts, each followed by trivial cells")
	fs.IntVar(&o.NotebookRuns, "notebook-runs", 3, "runs of each notebook")
	fs.BoolVar(&o.Stepper, "stepper", true, "measure the stepper: every schedule of 2 × 2 (golocks schedules), one step with its redrawn picture, memory after many steps (issue 20)")
	fs.BoolVar(&o.Redis, "redis", true, "measure the counter in Redis (needs redis-server and python3-redis)")
	fs.StringVar(&o.RedisURL, "redis-url", "", "a Redis server to measure on (default: a private redis-server)")
	fs.IntVar(&o.RedisCount, "redis-count", 20000, "INCRs per process and lock acquire+release pairs in the Redis section (locked increments: a quarter)")
	fs.StringVar(&o.JSON, "json", "build/bench/results.json", "also write every measurement here (\"\" = don't)")
	fs.StringVar(&o.Chart, "chart", "build/bench/benchmarks.png", "draw the chart here (\"\" = don't)")
	fs.StringVar(&o.From, "from", "", "measure nothing: print the tables and draw the chart of an earlier run's -json file")
	fs.BoolVar(&o.Syscalls, "syscalls", true, "count each side's system calls per increment (perf, else strace)")
	fs.StringVar(&o.Baseline, "baseline", "", "an earlier run's -json file on this machine: report every row slower than it (\"nothing slower\")")
	o.Class.register(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	o.Dirs = splitDirs(*dirs)
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return o, fmt.Errorf("-run: %v", err)
		}
		o.Only = re
	}
	return o, nil
}

// splitDirs reads -dir / $DIR: folders separated by commas or spaces.
// Empty means the default: /dev/shm (if it exists) and the system temp
// dir.
func splitDirs(s string) []string {
	var dirs []string
	for _, d := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		dirs = append(dirs, d)
	}
	if len(dirs) > 0 {
		return dirs
	}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dirs = append(dirs, "/dev/shm")
	}
	if t := os.TempDir(); len(dirs) == 0 || filepath.Clean(t) != dirs[0] {
		dirs = append(dirs, filepath.Clean(t))
	}
	return dirs
}

func (o options) check() error {
	if o.Warmup < 0 || o.Pairs < 1 || o.SlowScale < 1 || o.GoShared < 1 || o.PyShared < 1 || o.StepN < 1 || o.RedisCount < 1 {
		return fmt.Errorf("-warmup must be ≥ 0; -pairs, -slow-scale, -go-shared, -py-shared, -step-n and -redis-count ≥ 1")
	}
	for _, f := range []struct{ what, path string }{
		{"-golocks (make build)", o.Golocks}, {"-python", o.Python}, {"-reference", o.Reference},
	} {
		if _, err := os.Stat(f.path); err != nil {
			return fmt.Errorf("%s: %v", f.what, err)
		}
	}
	if o.Latency {
		if _, err := os.Stat(filepath.Join(o.Kernel, "kernel.json")); err != nil {
			return fmt.Errorf("-kernel: %v (build it with make kernel, or pass -latency=false)", err)
		}
	}
	for _, d := range o.Dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return fmt.Errorf("-dir %s: not a folder", d)
		}
	}
	return o.Class.check()
}

// A report is everything one run measured.
type report struct {
	Started       time.Time
	Load          [3]float64 // load averages before the run
	LoadAfter     [3]float64
	Host          string
	CPUs          int
	Rows          []row
	Decomposition []stepCost
	Latency       *latencyReport
	Redis         *redisReport
	Stepper       *stepperReport
	Class         *classReport
	Duration      time.Duration
	Warmup, Pairs int
}

func (rep report) failures() []string {
	var f []string
	for _, r := range rep.Rows {
		for _, x := range r.failures() {
			f = append(f, r.Exp.Where+": "+r.Exp.Name+": "+x)
		}
	}
	if rep.Latency != nil {
		f = append(f, rep.Latency.Errors...)
	}
	if rep.Redis != nil {
		f = append(f, rep.Redis.failures()...)
	}
	if rep.Stepper != nil {
		f = append(f, rep.Stepper.failures()...)
	}
	if rep.Class != nil {
		f = append(f, rep.Class.failures()...)
	}
	return f
}

func (o options) wanted(where, name string) bool {
	return o.Only == nil || o.Only.MatchString(where+": "+name)
}

func bench(o options, stdout, stderr io.Writer) (report, error) {
	base, err := readBaseline(o.Baseline)
	if err != nil {
		return report{}, err
	}
	rep := report{Started: time.Now(), Load: loadavg(), CPUs: runtime.NumCPU()}
	rep.Host, _ = os.Hostname()
	fmt.Fprintf(stderr, "bench: load average %.2f %.2f %.2f on %d CPUs\n", rep.Load[0], rep.Load[1], rep.Load[2], rep.CPUs)
	if rep.Load[0] >= 1 {
		fmt.Fprintln(stderr, "bench: WARNING: the machine is busy (load ≥ 1): timings will be noisy; for numbers to keep, re-run when `uptime` shows a load below 1")
	}

	var cleanups []string
	defer func() {
		for _, d := range cleanups {
			os.RemoveAll(d)
		}
	}()
	var exps []experiment
	var fss []fileSystem
	var works []string
	for _, d := range o.Dirs {
		fs := detect(d, o.SlowScale)
		// Everything either tool writes goes under work, removed at the
		// end (the reference's mkdtemp folders are never removed by it).
		work, err := os.MkdirTemp(d, "golocks-bench-")
		if err != nil {
			return rep, err
		}
		cleanups = append(cleanups, work)
		fss, works = append(fss, fs), append(works, work)
		exps = append(exps, counterExperiments(fs, work)...)
	}
	// Shared memory does not depend on the file system the value's file
	// is on; run it once, on the first folder.
	exps = append(exps, sharedExperiments(fss[0], works[0], o.GoShared, o.PyShared)...)

	var counter *syscallCounter
	if o.Syscalls {
		var err error
		if counter, err = newSyscallCounter(); err != nil {
			fmt.Fprintf(stderr, "bench: WARNING: no system call counts (install perf or strace): %v\n", err)
		}
	}
	for _, e := range exps {
		if !o.wanted(e.Where, e.Name) {
			continue
		}
		rep.Rows = append(rep.Rows, measure(o.tools, e, o.Warmup, o.Pairs, counter, stderr))
	}
	if o.wanted("", "decomposition") {
		for i, fs := range fss {
			n := max(o.StepN/fs.Scale, 1)
			for _, s := range steps {
				var ds []float64
				for range o.Warmup + o.Pairs {
					d, err := timeStep(works[i], s, n)
					if err != nil {
						return rep, fmt.Errorf("decomposition %s %s: %w", fs.where(), s.name, err)
					}
					ds = append(ds, d.Seconds())
				}
				c := stepCost{Where: fs.where(), Step: s.name, What: s.what, Runs: o.Pairs,
					Median: time.Duration(median(ds[o.Warmup:]) * 1e9)}
				fmt.Fprintf(stderr, "  decomposition %-20s %-10s %s\n", c.Where, c.Step, formatSeconds(c.Median.Seconds()))
				rep.Decomposition = append(rep.Decomposition, c)
			}
		}
	}
	if o.Stepper {
		sr := measureStepper(o, works[0], stderr)
		rep.Stepper = &sr
	}
	if o.Redis {
		rr := measureRedis(o, stderr)
		rep.Redis = &rr
	}
	if o.Latency {
		lr := measureLatency(o, stderr)
		rep.Latency = &lr
	}
	if o.Class.Enabled {
		rep.Class = measureClass(o, stderr)
	}
	rep.LoadAfter = loadavg()
	rep.Duration = time.Since(rep.Started)
	rep.Warmup, rep.Pairs = o.Warmup, o.Pairs

	// The tables first: a run of minutes must not be lost to a bad -json
	// or -chart path.
	err = output(o, rep, base, stdout, stderr)
	if o.JSON != "" {
		err = errors.Join(err, writeJSON(o.JSON, rep))
	}
	return rep, err
}

// replay is bench for a report read from o.From.
func replay(o options, stdout, stderr io.Writer) (report, error) {
	var rep report
	b, err := os.ReadFile(o.From)
	if err != nil {
		return rep, err
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		return rep, fmt.Errorf("%s: %w", o.From, err)
	}
	rep.fillFS()
	base, err := readBaseline(o.Baseline)
	if err != nil {
		return rep, err
	}
	return rep, output(o, rep, base, stdout, stderr)
}

// readBaseline reads an earlier run's -json file; nil for "".
func readBaseline(path string) (*report, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-baseline: %w", err)
	}
	var base report
	if err := json.Unmarshal(b, &base); err != nil {
		return nil, fmt.Errorf("-baseline %s: %w", path, err)
	}
	base.fillFS()
	return &base, nil
}

// fillFS gives the rows of a run saved before experiments had FS their file
// system type, from Where ("tmpfs /dev/shm", "ext4 /tmp"; "shared memory,
// ..." has none).
func (rep *report) fillFS() {
	for i := range rep.Rows {
		e := &rep.Rows[i].Exp
		if e.FS == "" && !strings.HasPrefix(e.Where, "shared memory") {
			e.FS, _, _ = strings.Cut(e.Where, " ")
		}
	}
}

// output prints the report's tables and draws its chart.
func output(o options, rep report, base *report, stdout, stderr io.Writer) error {
	writeReport(stdout, rep, base)
	if o.Chart != "" && len(rep.Rows) > 0 {
		if err := writeChart(o.Chart, rep.Rows); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "bench: chart in %s\n", o.Chart)
	}
	return nil
}

// writeReport prints the tables; base is the -baseline run, if any.
func writeReport(w io.Writer, rep report, base *report) {
	fmt.Fprintf(w, "\n## golocks vs Python vs the floor (per increment, median of %d runs after %d warm-up)\n\n", rep.Pairs, rep.Warmup)
	fmt.Fprintf(w, "%s, %d CPUs, load average %.2f %.2f %.2f before, %.2f %.2f %.2f after; the whole bench took %v.\n\n",
		rep.Started.UTC().Format("2006-01-02 15:04 MST"), rep.CPUs,
		rep.Load[0], rep.Load[1], rep.Load[2], rep.LoadAfter[0], rep.LoadAfter[1], rep.LoadAfter[2],
		rep.Duration.Round(time.Second))
	if len(rep.Rows) > 0 {
		writeTable(w, tableHeader, tableRows(rep.Rows))
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Times are the run's elapsed_s (worker start to finish, as each tool reports it) divided by the increments asked for.")
		fmt.Fprintln(w, "Python ÷ golocks > 1: golocks is faster. lost: every run's lost updates, the warm-up first.")
		fmt.Fprintln(w, "System calls: per increment, each side run twice under perf (or strace), at a tenth and a fifth of its counts (off tmpfs, half and all of them), the difference divided by the difference in increments (process starts left out).")
		fmt.Fprintln(w, "Floors:")
		for _, f := range floorLegend {
			fmt.Fprintf(w, "- %s: %s\n", f.name, f.text)
		}
		fmt.Fprintf(w, "\n## Targets (issue #12 for the file lock, #6 for shared values)\n\n")
		writeTable(w, []string{"target", "measured", "goal", "met"}, targetRows(evalTargets(rep.Rows, base)))
	}
	if len(rep.Decomposition) > 0 {
		fmt.Fprintf(w, "\n## One locked increment, piece by piece (one process unless said, median of %d)\n\n", rep.Pairs)
		writeTable(w, []string{"where", "step", "per operation", "what"}, decompositionRows(rep.Decomposition))
	}
	if rep.Redis != nil {
		writeRedis(w, *rep.Redis, rep.Pairs)
	}
	if rep.Stepper != nil {
		fmt.Fprintf(w, "\n## The stepper (issue 20): every schedule, one step, memory\n\n")
		writeStepper(w, *rep.Stepper)
	}
	if rep.Latency != nil {
		fmt.Fprintf(w, "\n## Notebook latency (golocks kernel, Jupyter's own client)\n\n")
		writeLatency(w, *rep.Latency)
	}
	if rep.Class != nil {
		fmt.Fprintf(w, "\n## A class on one server (JupyterHub, %d students at once)\n\n", rep.Class.Students)
		writeClass(w, rep.Class)
	}
}

func writeJSON(path string, rep report) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// detect says what file system dir is on, and how much to scale the
// file-counter counts down there.
func detect(dir string, slowScale int) fileSystem {
	fs := fileSystem{Dir: dir, Type: "unknown", Scale: slowScale}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil {
		switch st.Type {
		case unix.TMPFS_MAGIC:
			fs.Type, fs.Scale = "tmpfs", 1
		case unix.EXT4_SUPER_MAGIC:
			fs.Type = "ext4"
		case unix.XFS_SUPER_MAGIC:
			fs.Type = "xfs"
		case unix.BTRFS_SUPER_MAGIC:
			fs.Type = "btrfs"
		case unix.OVERLAYFS_SUPER_MAGIC:
			fs.Type = "overlayfs"
		default:
			fs.Type = fmt.Sprintf("fs 0x%x", st.Type)
		}
	}
	return fs
}

// loadavg reads /proc/loadavg; zeros if it cannot.
func loadavg() [3]float64 {
	var l [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err == nil {
		fmt.Sscan(string(b), &l[0], &l[1], &l[2])
	}
	return l
}
