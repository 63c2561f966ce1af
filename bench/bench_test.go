package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// The bench's own logic: parsing the tools' output, medians, formatting,
// the table and the targets. Fast and deterministic: nothing is timed.

func TestParseResult(t *testing.T) {
	ok := []struct {
		name, out string
		want      result
	}{
		{"golocks", `{"expected":40000,"got":40000,"lost":0,"elapsed_s":0.508873}` + "\n",
			result{Expected: 40000, Got: 40000, Lost: 0, Elapsed: 0.508873}},
		{"python, messages first", "File doesn't exist, starting to count from 0.\n" +
			"File read error, starting to count from 0; error: invalid literal for int() with base 10: ''\n" +
			`{"expected": 40000, "got": 1412, "lost": 38588, "elapsed_s": 0.9}` + "\n",
			result{Expected: 40000, Got: 1412, Lost: 38588, Elapsed: 0.9}},
		{"last JSON line wins", `{"expected":1,"got":1,"lost":0,"elapsed_s":1}` + "\n" +
			`{"expected":2,"got":1,"lost":1,"elapsed_s":2}`,
			result{Expected: 2, Got: 1, Lost: 1, Elapsed: 2}},
		{"no final newline, indented", `  {"expected":3,"got":3,"lost":0,"elapsed_s":0.5}  `,
			result{Expected: 3, Got: 3, Lost: 0, Elapsed: 0.5}},
	}
	for _, c := range ok {
		got, err := parseResult([]byte(c.out))
		if err != nil || got != c.want {
			t.Errorf("%s: parseResult = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	bad := map[string]string{
		"empty":          "",
		"no JSON":        "expected 3000 got 3000 lost 0 in 0.1s\n",
		"broken JSON":    `{"expected": 3000,`,
		"unknown key":    `{"expected":3,"got":3,"lost":0,"elapsed_s":1,"extra":1}`,
		"lost mismatch":  `{"expected":3,"got":3,"lost":1,"elapsed_s":1}`,
		"zero expected":  `{"expected":0,"got":0,"lost":0,"elapsed_s":1}`,
		"no elapsed":     `{"expected":3,"got":3,"lost":0}`,
		"negative times": `{"expected":3,"got":3,"lost":0,"elapsed_s":-1}`,
	}
	for name, out := range bad {
		if r, err := parseResult([]byte(out)); err == nil {
			t.Errorf("%s: parseResult(%q) = %+v, want an error", name, out, r)
		}
	}
}

func TestMedian(t *testing.T) {
	cases := []struct {
		xs   []float64
		want float64
	}{
		{[]float64{5}, 5},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{1, 100, 2, 3, 1000}, 3},
	}
	for _, c := range cases {
		in := append([]float64(nil), c.xs...)
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", in, got, c.want)
		}
		for i := range in {
			if in[i] != c.xs[i] {
				t.Fatalf("median reordered its input: %v, was %v", c.xs, in)
			}
		}
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median(nil) = %v, want NaN", got)
	}
}

func TestMedianPerIncrementSkipsWarmup(t *testing.T) {
	rs := []result{
		{Expected: 1000, Elapsed: 1},    // warm-up: 1 ms each, left out
		{Expected: 1000, Elapsed: 0.01}, // 10 µs
		{Expected: 1000, Elapsed: 0.03}, // 30 µs
		{Expected: 1000, Elapsed: 0.02}, // 20 µs
	}
	if got := medianPerIncrement(rs, 1); math.Abs(got-20e-6) > 1e-12 {
		t.Errorf("median per increment = %v, want 20µs", got)
	}
	if got := medianPerIncrement(rs[:1], 1); !math.IsNaN(got) {
		t.Errorf("only a warm-up: %v, want NaN", got)
	}
}

func TestFormat(t *testing.T) {
	cases := map[string]string{
		formatSeconds(5.2134e-9):  "5.21 ns",
		formatSeconds(512e-9):     "512 ns",
		formatSeconds(14.26e-6):   "14.3 µs",
		formatSeconds(1.2e-3):     "1.20 ms",
		formatSeconds(3):          "3.00 s",
		formatSeconds(math.NaN()): "—",
		formatRatio(1.234):        "1.23×",
		formatRatio(66.6):         "66.6×",
		formatRatio(123.4):        "123×",
		formatRatio(math.Inf(1)):  "—",
		formatRatio(math.NaN()):   "—",
		compact(950):              "950",
		compact(12345):            "12.3k",
		compact(2_333_283):        "2.33M",
		group(1_000_000):          "1,000,000",
		group(20000):              "20,000",
		group(500):                "500",
		group(-1234):              "-1,234",
		formatLost(nil):           "—",
		formatLost([]int64{0, 0}): "0 (2 runs)",
		formatLost([]int64{38588, 0, 950, 1_200_000}): "38.6k 0 950 1.20M",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestSplitDirs(t *testing.T) {
	if got := splitDirs("/dev/shm, /tmp"); strings.Join(got, "|") != "/dev/shm|/tmp" {
		t.Errorf("splitDirs = %q", got)
	}
	if got := splitDirs("/a,/b /c"); len(got) != 3 {
		t.Errorf("splitDirs = %q", got)
	}
	if got := splitDirs(""); len(got) == 0 {
		t.Error("splitDirs(\"\") gave no default folder")
	}
}

// lockedRow is a correct experiment with the given medians per increment
// (seconds) and losses.
func lockedRow(id string, g, p, f float64, lost ...int64) row {
	e := experiment{ID: id, Where: "tmpfs /dev/shm", FS: "tmpfs", Tmpfs: true, Name: id, Correct: true,
		Python: []string{"count"}, FloorName: "F-incr"}
	r := row{Exp: e, Warmup: 1}
	for i := range 6 {
		var l int64
		if i < len(lost) {
			l = lost[i]
		}
		r.Golocks = append(r.Golocks, result{Expected: 1000, Got: 1000 - l, Lost: l, Elapsed: g * 1000})
		r.Python = append(r.Python, result{Expected: 1000, Got: 1000, Elapsed: p * 1000})
		r.Floor = append(r.Floor, result{Expected: 1000, Got: 1000, Elapsed: f * 1000})
	}
	return r
}

func TestFailures(t *testing.T) {
	if f := lockedRow("a", 1e-5, 3e-5, 1e-5).failures(); len(f) != 0 {
		t.Errorf("a clean row fails: %q", f)
	}
	// A loss in the warm-up run counts too.
	f := lockedRow("a", 1e-5, 3e-5, 1e-5, 7).failures()
	if len(f) != 1 || !strings.Contains(f[0], "golocks run 1 lost 7 of 1000") {
		t.Errorf("failures = %q, want golocks run 1 lost 7", f)
	}
	racy := lockedRow("racy", 1e-5, 3e-5, 1e-5, 500, 600)
	racy.Exp.Correct = false
	if f := racy.failures(); len(f) != 0 {
		t.Errorf("a racy row that loses updates fails: %q", f)
	}
	racy.Errors = []string{"Python: exit status 1"}
	if f := racy.failures(); len(f) != 1 {
		t.Errorf("a run error is not a failure: %q", f)
	}
	// The contended floor's losses count like the others'.
	c := lockedRow("c", 1e-5, 3e-5, 1e-5)
	c.Contended = []result{{Expected: 10, Got: 9, Lost: 1, Elapsed: 1}}
	if f := c.failures(); len(f) != 1 || !strings.Contains(f[0], "contended floor run 1 lost 1") {
		t.Errorf("failures = %q, want the contended floor's loss", f)
	}
}

func TestTableRows(t *testing.T) {
	r := lockedRow("count-2-incr", 12e-6, 30e-6, 10e-6)
	for range 6 {
		r.Contended = append(r.Contended, result{Expected: 1000, Got: 1000, Elapsed: 11e-3})
	}
	r.Syscalls = map[string]float64{"golocks": 20.24, "Python": 31, "floor": 20, "contended": 20.1}
	atomic := lockedRow("shared-4-atomic", 16e-9, math.NaN(), 5e-9)
	atomic.Exp.Python, atomic.Python, atomic.Exp.FloorName = nil, nil, "F-atomic"
	atomic.Syscalls = map[string]float64{"golocks": 0.001, "floor": 0}
	bad := lockedRow("count-8-incr", 12e-6, 30e-6, 10e-6, 0, 3)
	rows := tableRows([]row{r, atomic, bad})
	want := [][]string{
		{"tmpfs /dev/shm", "count-2-incr", "12.0 µs", "30.0 µs", "2.50×", "10.0 µs F-incr", "1.20×", "11.0 µs (1.10×)", "20.2 / 31.0 / 20.0 (contended 20.1)", "0 (6 runs)", "0 (6 runs)"},
		{"tmpfs /dev/shm", "shared-4-atomic", "16.0 ns", "—", "—", "5.00 ns F-atomic", "3.20×", "—", "0.00 / — / 0.00", "0 (6 runs)", "—"},
		{"tmpfs /dev/shm", "count-8-incr **FAILED**", "12.0 µs", "30.0 µs", "2.50×", "10.0 µs F-incr", "1.20×", "—", "—", "0 3 0 0 0 0", "0 (6 runs)"},
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want[i])
		}
	}

	var b bytes.Buffer
	writeTable(&b, tableHeader, rows)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2+len(rows) {
		t.Fatalf("table has %d lines, want %d:\n%s", len(lines), 2+len(rows), b.String())
	}
	// Every line is as wide as the header (in characters): the columns line up.
	w := len([]rune(lines[0]))
	for _, l := range lines {
		if len([]rune(l)) != w || !strings.HasPrefix(l, "| ") || !strings.HasSuffix(l, " |") {
			t.Errorf("misaligned line %q", l)
		}
	}
	if !strings.HasPrefix(lines[1], "| ---") {
		t.Errorf("no Markdown separator: %q", lines[1])
	}
}

func TestTargets(t *testing.T) {
	locked := lockedRow("shared-4-locked", 50e-9, 1e-6, 5e-9)
	locked.Exp.Tmpfs, locked.Exp.FS, locked.Exp.Where = false, "", "shared memory, /dev/shm"
	atomic := lockedRow("shared-4-atomic", 16e-9, math.NaN(), 5e-9)
	atomic.Exp.Python, atomic.Python, atomic.Exp.FS, atomic.Exp.Where = nil, nil, "", "shared memory, /dev/shm"
	ext4 := lockedRow("count-1-incr", 120e-6, 130e-6, 100e-6) // 1.2×: missed on ext4
	ext4.Exp.Tmpfs, ext4.Exp.FS, ext4.Exp.Where = false, "ext4", "ext4 /tmp"
	rows := []row{
		lockedRow("count-2-call", 8e-6, 16e-6, 8e-6),
		lockedRow("count-2-incr", 13e-6, 31e-6, 10e-6), // 1.3×: met; 2.38×: met
		lockedRow("count-8-incr", 17e-6, 24e-6, 10e-6), // 1.7×: missed
		lockedRow("count-1-incr", 11e-6, 24e-6, 10e-6), // 1.1×: met
		ext4, locked, atomic,
	}
	met := map[string]string{}
	for _, tg := range evalTargets(rows, nil) {
		met[tg.What] = tg.Met
	}
	want := map[string]string{
		"tmpfs: 1 process, lock per increment, golocks ÷ floor":                   "yes",
		"tmpfs: 2 processes, lock per increment, golocks ÷ floor":                 "yes",
		"tmpfs: 8 processes on 2 cores, lock per increment, golocks ÷ floor":      "NO",
		"tmpfs: 2 processes, lock per increment, faster than Python's fasteners":  "yes",
		"ext4: 1 process, lock per increment, golocks ÷ floor":                    "NO",
		"ext4: 2 processes, lock per increment, golocks ÷ floor":                  "—", // not run
		"0 lost updates in every locked run (every tool, every floor)":            "yes",
		"atomic shared value (4 procs) vs Python's locked Value (4 procs)":        "yes", // 62.5×
		"locked shared value no slower than Python's get_lock(): shared-4-locked": "yes",
		"locked shared value no slower than Python's get_lock(): shared-1-locked": "—",
		"nothing slower than an earlier run (ext4, shared memory, every row)":     "—",
	}
	for what, w := range want {
		if met[what] != w {
			t.Errorf("%s: met = %q, want %q", what, met[what], w)
		}
	}

	// A loss anywhere fails the lost-updates target.
	rows[1] = lockedRow("count-2-incr", 13e-6, 31e-6, 10e-6, 0, 0, 2)
	for _, tg := range evalTargets(rows, nil) {
		if strings.HasPrefix(tg.What, "0 lost updates") && (tg.Met != "NO" || !strings.Contains(tg.Measured, "count-2-incr")) {
			t.Errorf("a lost update: %+v", tg)
		}
	}

	// Against a baseline: every row off tmpfs compared with the same row.
	base := &report{Rows: []row{lockedRow("count-1-incr", 100e-6, 130e-6, 100e-6), locked, atomic}}
	base.Rows[0].Exp = ext4.Exp
	slower := lockedRow("shared-4-atomic", 20e-9, math.NaN(), 5e-9) // 1.25× the baseline's 16 ns
	slower.Exp = atomic.Exp
	met = map[string]string{}
	for _, tg := range evalTargets([]row{ext4, locked, slower}, base) {
		met[tg.What] = tg.Met
	}
	for what, w := range map[string]string{
		"no slower than the earlier run: ext4 /tmp: count-1-incr":                  "NO", // 1.2×
		"no slower than the earlier run: shared memory, /dev/shm: shared-4-locked": "yes",
		"no slower than the earlier run: shared memory, /dev/shm: shared-4-atomic": "NO",
	} {
		if met[what] != w {
			t.Errorf("%s: met = %q, want %q", what, met[what], w)
		}
	}
}

func TestSyscallCounts(t *testing.T) {
	perf := "# started on Sun Nov 30\n\n1234567,,raw_syscalls:sys_enter,2003403,100.00,,\n"
	if n, err := parsePerfCount([]byte(perf)); n != 1234567 || err != nil {
		t.Errorf("parsePerfCount = %d, %v", n, err)
	}
	if _, err := parsePerfCount([]byte("<not supported>,,raw_syscalls:sys_enter,0,100.00,,\n")); err == nil {
		t.Error("parsePerfCount of <not supported>: no error")
	}
	strace := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ------------------
 61.89    6.561636        2386      2749       288 futex
 15.54    1.647209      549069         3         1 waitid
------ ----------- ----------- --------- --------- ------------------
100.00   10.602064          32    325640     12614 total
`
	if n, err := parseStraceCount([]byte(strace)); n != 325640 || err != nil {
		t.Errorf("parseStraceCount = %d, %v", n, err)
	}
	if _, err := parseStraceCount([]byte("nothing")); err == nil {
		t.Error("parseStraceCount of nothing: no error")
	}
}

func TestLatencyRows(t *testing.T) {
	var s latencySamples
	s.Start = []float64{1.2, 1.0, 1.1}
	s.FirstCell = []float64{0.05, 0.04, 0.06}
	s.WarmCell = []float64{0.01, 0.01, 0.02, 0.01}
	s.Notebooks = append(s.Notebooks, struct {
		Path       string    `json:"path"`
		Start      []float64 `json:"start_s"`
		Cells      []float64 `json:"cells_s"`
		CodeCells  int       `json:"code_cells"`
		ErrorCells []int     `json:"error_cells"`
	}{Path: "/nowhere/workbook.ipynb", Start: []float64{1, 1, 1}, Cells: []float64{10, 12, 11}, CodeCells: 20, ErrorCells: []int{0, 0, 0}})
	rows := latencyRows(s)
	if len(rows) != 5 {
		t.Fatalf("%d rows, want 5: %q", len(rows), rows)
	}
	for i, w := range []string{"1.10 s", "50.0 ms", "10.0 ms", "11.0 s", "12.0 s"} {
		if rows[i][1] != w {
			t.Errorf("row %d (%s): median %q, want %q", i, rows[i][0], rows[i][1], w)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		want   string
	}{
		{0, 286, "0 50 100 150 200 250"},
		{0, 31.2, "0 5 10 15 20 25 30"},
		{0, 1239, "0 200 400 600 800 1000 1200"},
		{0, 0.9, "0.0 0.2 0.4 0.6 0.8"},
	}
	for _, c := range cases {
		var got []string
		for _, tk := range niceTicks(c.lo, c.hi) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("niceTicks(%v, %v) = %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
	if got := niceTicks(1, 1); got != nil {
		t.Errorf("niceTicks of an empty range = %v, want none", got)
	}
}

// Every side of every experiment is counted on two sizes, and the sides
// that the table shows are all there.
func TestScaledRuns(t *testing.T) {
	var exps []experiment
	for _, fs := range []fileSystem{{Dir: "/dev/shm", Type: "tmpfs", Scale: 1}, {Dir: "/tmp", Type: "ext4", Scale: 10}} {
		exps = append(exps, counterExperiments(fs, "/nowhere")...)
	}
	exps = append(exps, sharedExperiments(fileSystem{Dir: "/dev/shm", Type: "tmpfs", Scale: 1}, "/nowhere", 1_000_000, 250_000)...)
	for _, e := range exps {
		small, large := e.Scaled(10), e.Scaled(5)
		if len(small) != len(large) || len(small) < 2 {
			t.Fatalf("%s %s: %d and %d sides", e.Where, e.ID, len(small), len(large))
		}
		sides := map[string]bool{}
		for i := range small {
			sides[small[i].Side] = true
			if small[i].Side != large[i].Side || large[i].Total <= small[i].Total {
				t.Errorf("%s %s %s: totals %d and %d", e.Where, e.ID, small[i].Side, small[i].Total, large[i].Total)
			}
		}
		if want := e.Contended != nil; sides["contended"] != want {
			t.Errorf("%s %s: contended side %v, want %v", e.Where, e.ID, sides["contended"], want)
		}
		if want := e.Python != nil; sides["Python"] != want {
			t.Errorf("%s %s: Python side %v, want %v", e.Where, e.ID, sides["Python"], want)
		}
	}
}
