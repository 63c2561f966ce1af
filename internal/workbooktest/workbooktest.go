// Package workbooktest is test support for the workbook (notebooks/, whose
// Names lists the notebooks): what each notebook promises a student,
// checked on the code cells of one run, whatever the race does on the day. Three tests run the
// notebooks and check them here: notebooks/notebooks_test.go through
// Jupyter's own client (nbclient), scripts/browser_test.go in a real
// browser from `make run`, reading the cells off the page, and
// scripts/image_test.go in the image. Test files cannot be imported across
// packages, hence this package; it is internal, and the kernel never sees
// it.
package workbooktest

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/jupytertest"
)

// cell is one executed code cell of a notebook.
type cell = jupytertest.Cell

// A Run is how a notebook was run top to bottom.
type Run int

const (
	// EveryCell runs every cell, whatever failed before it: nbclient with
	// errors allowed, as make test and the grader run a notebook.
	EveryCell Run = iota

	// RunAll is Jupyter's Run All: it stops at the first cell that fails,
	// and the cells queued behind it are not run (ipykernel's behaviour,
	// and the golocks kernel's). In a fresh student copy that is the test
	// cell of the first exercise: a student who presses Run All sees which
	// exercise to do first, and why its test fails; once it is done, Run
	// All goes on to the next.
	//
	// The kernel aborts the requests it has received when the cell fails.
	// A test cell of a blank copy fails within milliseconds, and a few of
	// the requests Run All sent may not have reached the kernel by then:
	// those run, and the next failing cell stops the rest (the race that
	// ipykernel's stop_on_error_timeout describes). So the first test cell
	// must fail with its message and every cell before it must have run;
	// a cell after it may have run or not, and if it ran, it is checked as
	// in a run of every cell.
	RunAll
)

// Check checks one run of the notebook name of a copy ("solution" or
// "student") top to bottom in a fresh kernel, from its code cells: every
// cell ran, none shows an error unless it is tagged raises-exception or is
// a test cell of the student copy, and the run drew pictures; a solution
// copy shows the results the workbook promises (CheckSolution); in a
// student copy the exercise cells, blank (tagged solution), show nothing
// at all, and every test cell fails with a message for the student. Run
// All on a student copy stops at its first test cell, which fails so; the
// cells after it are not run (see RunAll).
func Check(t *testing.T, copy, name string, cells []cell, run Run) {
	t.Helper()
	if run == RunAll && copy == "student" {
		cells = checkStopped(t, cells)
	}
	images := 0
	for _, c := range cells {
		images += c.Images
		switch {
		case c.HasTag("test"):
			checkTestCell(t, copy, c)
		case c.Error != "" && !c.HasTag("raises-exception"):
			t.Errorf("cell %s: error %s\nsource:\n%s\noutput:\n%s", c.ID, c.Error, c.Source, Tail(c.Text))
		}
		if copy == "student" && c.HasTag("solution") && (c.Text != "" || c.Images > 0) {
			t.Errorf("exercise cell %s is blank in the student copy, yet shows output:\n%s", c.ID, Tail(c.Text))
		}
	}
	if images == 0 && run == EveryCell {
		t.Errorf("no image/png output: the pictures are missing")
	}
	if copy == "solution" {
		CheckSolution(t, name, cells)
	}
}

// checkStopped checks a student copy after Run All (see RunAll): every
// cell before its first test cell ran, that test cell ran (and Check makes
// sure it fails with a message), and the cells after it ran or were
// aborted. It returns the cells Check is to look at: those up to the
// stop. A cell after it that ran anyway (its request reached the kernel
// after it had answered the failure: the browser sends Run All's requests
// over some milliseconds, and the kernel runs a blank exercise in less)
// ran without the cells aborted before it, so an error there, an
// undefined name say, is the stop's doing, as with ipykernel; it is
// logged, not checked.
func checkStopped(t *testing.T, cells []cell) []cell {
	t.Helper()
	stop := firstTestCell(cells)
	if stop < 0 {
		t.Fatalf("the student copy has no test cell for Run All to stop at")
	}
	aborted := 0
	var late []string
	for i, c := range cells {
		switch {
		case i <= stop && strings.Contains(c.Error, "not run"):
			t.Errorf("cell %s was not run by Run All, though it comes before the first test cell %s, where Run All stops", c.ID, cells[stop].ID)
		case i <= stop:
		case strings.Contains(c.Error, "not run"):
			aborted++
		case c.Error != "":
			late = append(late, c.ID+" (error)")
		default:
			late = append(late, c.ID)
		}
	}
	t.Logf("Run All stopped at the failed test cell %s: %d cells after it not run, %d run before the kernel stopped them %v", cells[stop].ID, aborted, len(late), late)
	return cells[:stop+1]
}

// firstTestCell is the index of the first test cell, where Run All stops
// a student copy, or -1.
func firstTestCell(cells []cell) int {
	for i, c := range cells {
		if c.HasTag("test") {
			return i
		}
	}
	return -1
}

// checkTestCell checks a test cell (tagged "test": it grades the exercise
// above it). In the solution copy it passes; in the student copy, whose
// exercises are blank, it fails, every time, with a message that says what
// is missing rather than a compile error or a crash.
func checkTestCell(t *testing.T, copy string, c cell) {
	t.Helper()
	if copy == "solution" {
		if c.Error != "" || !strings.Contains(c.Text, "tests passed") {
			t.Errorf("test cell %s fails on the solution: %s\n%s", c.ID, c.Error, Tail(c.Text))
		}
		return
	}
	if c.Error == "" {
		t.Errorf("test cell %s passes on the blank student copy:\n%s", c.ID, Tail(c.Text))
	}
	for _, bad := range []string{"undefined", "runtime error", "nil pointer", "not run", "goroutine "} {
		if strings.Contains(c.Error, bad) {
			t.Errorf("test cell %s fails on the blank student copy with %q, not a message for the student: %s", c.ID, bad, c.Error)
		}
	}
	if strings.Contains(c.Source, "HIDDEN TESTS") {
		t.Errorf("test cell %s shows its hidden tests in the student copy:\n%s", c.ID, c.Source)
	}
}

// CheckPictures checks that a run of a copy draws, cell by cell, the
// pictures that the committed solution copy shows (solution: its code
// cells, as saved), but in a student copy's exercises, which are blank,
// and after the test cell where Run All stops a student copy (see
// checkStopped): every picture outside the exercises is a student's too.
func CheckPictures(t *testing.T, copy string, cells, solution []cell, run Run) {
	t.Helper()
	if run == RunAll && copy == "student" {
		if stop := firstTestCell(cells); stop >= 0 {
			cells = cells[:stop+1]
		}
	}
	want := map[string]int{}
	for _, c := range solution {
		want[c.ID] = c.Images
	}
	for _, c := range cells {
		w, ok := want[c.ID]
		switch {
		case !ok:
			t.Errorf("cell %s is not in the solution copy", c.ID)
		case strings.Contains(c.Error, "not run"):
			// Not run (Check says whether it should have been).
		case copy == "student" && c.HasTag("solution"):
		case copy == "student" && picturesExercise[c.ID]:
		case c.Images != w:
			t.Errorf("cell %s shows %d pictures, the solution copy %d", c.ID, c.Images, w)
		}
	}
}

// picturesExercise are the cells outside the exercises that draw what an
// exercise's own function did (the stepper replaying the student's
// workLockedEach, lockWriteOnly, lockApart): in a blank student copy that function does nothing, so
// there is nothing to draw, and the kernel shows the chart's error instead.
var picturesExercise = map[string]bool{"lock-forced": true, "wrong-stepped-write": true, "wrong-stepped-apart": true}

// CheckSolution checks the results each solution notebook promises, by cell
// id: the ids are the source's, kept by both copies.
func CheckSolution(t *testing.T, name string, cells []cell) {
	t.Helper()
	byID := map[string]cell{}
	for _, c := range cells {
		byID[c.ID] = c
		// The notebooks once printed "error: ..." and "no picture: ..." from
		// helpers; neither may show in a solution, whatever prints it.
		for _, bad := range []string{"error:", "no picture:"} {
			if strings.Contains(c.Text, "\n"+bad) || strings.HasPrefix(c.Text, bad) {
				t.Errorf("cell %s printed %q:\n%s", c.ID, bad, Tail(c.Text))
			}
		}
	}
	checks := solutionChecks[name]
	ids := make([]string, 0, len(checks))
	for id := range checks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			c, ok := byID[id]
			if !ok {
				t.Fatalf("no cell with id %s", id)
			}
			checks[id](t, c)
			if t.Failed() {
				t.Logf("cell %s output:\n%s", id, Tail(c.Text))
			}
		})
	}
}

// solutionChecks are the workbook's key results: what a student running the
// solution must see, whatever the race does on the day. A racy run is
// checked for what always holds (at most the increments made); whether
// updates were lost is checked over several runs (the cells that run a
// race three or five times), never on one.
var solutionChecks = map[string]map[string]func(*testing.T, cell){
	"1-file-writing-conflicts.ipynb": {
		"ex1-serial": wants("File doesn't exist, starting to count from 0.", "serial.txt holds 1000\n"),
		"ex2-parallel": func(t *testing.T, c cell) {
			wants("File doesn't exist, starting to count from 0.")(t, c)
			tallied(t, c)
		},
		"parallel-count": atMost(`parallel.txt holds (\d+)`, 3000),
		"counts-chart": func(t *testing.T, c cell) {
			hasImage(t, c)
			someLost(t, c, `final counts: \[([\d ]+)\]`, 5, 3000)
		},
		"steps-unlocked": func(t *testing.T, c cell) {
			hasImage(t, c)
			wants("6000 reads and writes:")(t, c)
			steps(t, c, 12)
		},
		"final-count": func(t *testing.T, c cell) {
			wantsRe(`then [AB] counted alone: \d+ writes, taking the file from \d+ to \d+\n`)(t, c)
			atMost(`parallel.txt holds (\d+)`, 3000)(t, c)
		},
		// A schedule is not random: its count is exact, every run.
		"ex1b-force": func(t *testing.T, c cell) {
			hasImage(t, c)
			wants("expected 2 - the file holds 1 - lost 1\n")(t, c)
		},
		"ex1c-picture": func(t *testing.T, c cell) { hasImage(t, c); wants("File read error")(t, c) },
		"every-histogram": func(t *testing.T, c cell) {
			hasImage(t, c)
			wants("14 schedules; final count: how many map[1:12 2:2]\n", "the shortest that loses an update: A read")(t, c)
		},
		"step-new": wants("A: read\nB: read\n"),
		"step-1":   func(t *testing.T, c cell) { hasImage(t, c); wants("step 1: A read\n", "A: truncate\nB: read\n")(t, c) },
		"step-2": func(t *testing.T, c cell) {
			hasImage(t, c)
			wants("step 2: B read\n", "A: truncate\nB: truncate\n")(t, c)
		},
		"step-3": func(t *testing.T, c cell) {
			hasImage(t, c)
			wants("step 3: A truncate\n", "A: write\nB: truncate\n")(t, c)
		},
	},
	"2-locking-files.ipynb": {
		"ex4-locked": func(t *testing.T, c cell) {
			wants("parallel.txt holds 3000\n")(t, c)
			lacks(t, c, "File read error")
		},
		"timing-chart": func(t *testing.T, c cell) {
			hasImage(t, c)
			wantsRe(`serial: +\S+ count 3000\n`, `no lock: +\S+ count \d+\n`, `locked: +\S+ count 3000\n`)(t, c)
		},
		"ex6-per-increment": func(t *testing.T, c cell) {
			wantsRe(`lock per increment: \S+ count 3000 - lock per call: \S+\n`)(t, c)
			lacks(t, c, "File read error")
		},
		"lock-forced": func(t *testing.T, c cell) {
			hasImage(t, c)
			wants("process B waits for the lock, which A holds")(t, c)
		},
		"lock-every": wantsRe(`\d+ schedules; final count: how many map\[2:\d+\]\n`), // every one exact
		"test-wrong": wants("Exercise 6b: tests passed"),
		"wrong-counts": func(t *testing.T, c cell) {
			someLost(t, c, `lockWriteOnly counted \[([\d ]+)\] of 3000`, 3, 3000)
			someLost(t, c, `lockApart counted \[([\d ]+)\] of 3000`, 3, 3000)
		},
		// A schedule is not random: each wrong placement loses B's update.
		"wrong-stepped-write": func(t *testing.T, c cell) { hasImage(t, c); wants("expected 2 - the file holds 1 - lost 1\n")(t, c) },
		"wrong-stepped-apart": func(t *testing.T, c cell) { hasImage(t, c); wants("expected 2 - the file holds 1 - lost 1\n")(t, c) },
		"wrong-steps-write":   func(t *testing.T, c cell) { hasImage(t, c); steps(t, c, 12) },
		"wrong-steps-apart":   func(t *testing.T, c cell) { hasImage(t, c); steps(t, c, 12) },
		"timeline-call":       func(t *testing.T, c cell) { hasImage(t, c) },
		"timeline-increment":  func(t *testing.T, c cell) { hasImage(t, c); wants("3000 turns")(t, c) },
		"timeline-zoom":       func(t *testing.T, c cell) { hasImage(t, c) },
		"disk-vs-memory": func(t *testing.T, c cell) {
			hasImage(t, c)
			if n := strings.Count(c.Text, " holds 3000 after "); n != 2 {
				t.Errorf("%d exact counts, want 2 (this folder and memory)", n)
			}
		},
		"rule-advisory": atMost(`parallel.txt holds (\d+) of 3000`, 3000),
		"rule-delete":   wants("a second holder got it too: true"),
		"rule-dies":     wants("holds counter.lock\n", `the holder: holdLock(60, "counter.lock") in pid `, "killed", "lock free after its holder died: true"),
		"rule-timeout":  wants("lock counter.lock: timed out after 500ms", "is a timeout: true"),
	},
	"3-locking-shared-variables.ipynb": {
		"ex7-racy": notMore(`racy: expected (\d+) got (\d+)`),
		"racy-runs": func(t *testing.T, c cell) {
			hasImage(t, c)
			someLost(t, c, `expected 400000 got \[([\d ]+)\]`, 5, 400000)
		},
		"ex8-locked":  exact(`locked: expected (\d+) got (\d+)`),
		"ex9-rawlock": exact(`rawlock: expected (\d+) got (\d+)`),
		"ex10-atomic": exact(`atomic: expected (\d+) got (\d+)`),
		"ex11-mutex":  exact(`mutex: expected (\d+) got (\d+)`),
		"ex11-atomic": exact(`atomic: expected (\d+) got (\d+)`),
		"modes-chart": modes(400000),
		"goroutines-racy": func(t *testing.T, c cell) {
			hasImage(t, c)
			// The load and the store are two statements, so a goroutine
			// switch between them loses updates even on one busy core.
			someLost(t, c, `expected 1000000 got \[([\d ]+)\]`, 5, 1000000)
		},
	},
	"4-beyond-one-machine.ipynb": {
		"setup":     wants("Redis server: ", "your counter: golocks:"),
		"ex13-racy": notMore(`GET/SET: expected (\d+) got (\d+)`),
		"racy-runs": func(t *testing.T, c cell) {
			hasImage(t, c)
			someLost(t, c, `expected 10000 got \[([\d ]+)\]`, 5, 10000)
		},
		"ex14-incr":   exact(`INCR: expected (\d+) got (\d+)`),
		"watch-run":   exact(`WATCH/MULTI/EXEC: expected (\d+) got (\d+)`),
		"ex15-locked": exact(`locked: expected (\d+) got (\d+)`),
		"lock-look":   wants("and expires in 10s", "someone else: lock golocks:", ":lock: timed out after 300ms; held by pid "),
		"modes-chart": func(t *testing.T, c cell) {
			hasImage(t, c)
			for _, mode := range workbook.RedisModes() {
				n := intsAfter(t, c.Text, `(?m)^`+mode+` got (\d+) in`, 1)
				switch {
				case len(n) != 1:
				case mode == workbook.RedisRacy && n[0] > 10000:
					t.Errorf("racy processes counted %d, more than the 10000 made", n[0])
				case mode != workbook.RedisRacy && n[0] != 10000:
					t.Errorf("%s processes counted %d, want 10000", mode, n[0])
				}
			}
		},
		"run-unfenced":     func(t *testing.T, c cell) { hasImage(t, c); wants("no fencing: expected 4 got 1\n")(t, c) },
		"run-fenced":       func(t *testing.T, c cell) { hasImage(t, c); wants("fenced: expected 4 got 4\n")(t, c) },
		"fenced-processes": exact(`fenced: expected (\d+) got (\d+)`),
	},
}

// someLost checks the counts of several runs of a race, in the first
// submatch of re: n of them, each from 1 to max (updates are lost, never
// invented), and at least one below max. One run may lose nothing (the
// racers may happen not to overlap); all n losing nothing would mean that
// they never raced.
func someLost(t *testing.T, c cell, re string, n, max int) {
	t.Helper()
	lost := 0
	for _, got := range intsAfter(t, c.Text, re, n) {
		if got < 1 || got > max {
			t.Errorf("cell %s: a run counted %d, want 1..%d", c.ID, got, max)
		}
		if got < max {
			lost++
		}
	}
	if lost == 0 {
		t.Errorf("cell %s: none of %d racing runs lost an update (%s)", c.ID, n, re)
	}
}

// tallied checks that no line shows more than twice in a row: the workers'
// repeated messages are tallied ("[the line above, N more times]").
func tallied(t *testing.T, c cell) {
	t.Helper()
	lines := strings.Split(c.Text, "\n")
	for i := 2; i < len(lines); i++ {
		if lines[i] != "" && lines[i] == lines[i-1] && lines[i] == lines[i-2] {
			t.Errorf("cell %s: %q shows three times in a row: repeated lines are not tallied", c.ID, lines[i])
			return
		}
	}
}

// steps checks a list of n steps printed by workbook.Step's String.
func steps(t *testing.T, c cell, n int) {
	t.Helper()
	got := regexp.MustCompile(`(?m)^[AB] (read \d+|wrote \d+|found .+: counts on from 0)`).FindAllString(c.Text, -1)
	if len(got) != n {
		t.Errorf("cell %s: %d steps listed, want %d", c.ID, len(got), n)
	}
}

// modes checks the four process modes side by side: racy never counts too
// many (one run may lose nothing), the others are exact.
func modes(expected int) func(*testing.T, cell) {
	return func(t *testing.T, c cell) {
		t.Helper()
		hasImage(t, c)
		for _, mode := range workbook.SharedModes() {
			n := intsAfter(t, c.Text, `(?m)^`+mode+` got (\d+) in`, 1)
			if len(n) != 1 {
				continue
			}
			switch {
			case mode == workbook.SharedRacy && (n[0] > expected || n[0] < 1):
				t.Errorf("racy processes counted %d, want 1..%d", n[0], expected)
			case mode != workbook.SharedRacy && n[0] != expected:
				t.Errorf("%s processes counted %d, want %d", mode, n[0], expected)
			}
		}
	}
}

func wants(subs ...string) func(*testing.T, cell) {
	return func(t *testing.T, c cell) {
		t.Helper()
		for _, s := range subs {
			if !strings.Contains(c.Text, s) {
				t.Errorf("cell %s: output lacks %q", c.ID, s)
			}
		}
	}
}

func wantsRe(res ...string) func(*testing.T, cell) {
	return func(t *testing.T, c cell) {
		t.Helper()
		for _, re := range res {
			if !regexp.MustCompile(re).MatchString(c.Text) {
				t.Errorf("cell %s: output lacks %s", c.ID, re)
			}
		}
	}
}

func lacks(t *testing.T, c cell, s string) {
	t.Helper()
	if strings.Contains(c.Text, s) {
		t.Errorf("cell %s: output has %q", c.ID, s)
	}
}

func atMost(re string, max int) func(*testing.T, cell) {
	return func(t *testing.T, c cell) {
		t.Helper()
		for _, n := range intsAfter(t, c.Text, re, 1) {
			if n < 1 || n > max {
				t.Errorf("cell %s: count %d, want 1..%d", c.ID, n, max)
			}
		}
	}
}

// exact and lessThan check "expected E got G" lines.
func exact(re string) func(*testing.T, cell) {
	return func(t *testing.T, c cell) {
		t.Helper()
		if e, g, ok := expectedGot(t, c, re); ok && g != e {
			t.Errorf("cell %s: got %d, want exactly %d", c.ID, g, e)
		}
	}
}

// notMore is what one racy run always gives: at most the expected count.
// Whether it lost updates is chance (under load the racing processes may
// run one after the other), so a single run never asserts a loss.
func notMore(re string) func(*testing.T, cell) {
	return func(t *testing.T, c cell) {
		t.Helper()
		if e, g, ok := expectedGot(t, c, re); ok && (g > e || g < 1) {
			t.Errorf("cell %s: got %d, want 1..%d", c.ID, g, e)
		}
	}
}

func expectedGot(t *testing.T, c cell, re string) (expected, got int, ok bool) {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(c.Text)
	if m == nil {
		t.Errorf("cell %s: output lacks %s", c.ID, re)
		return 0, 0, false
	}
	expected, _ = strconv.Atoi(m[1])
	got, _ = strconv.Atoi(m[2])
	return expected, got, true
}

// intsAfter returns the integers in the first submatch of re: want of them.
func intsAfter(t *testing.T, text, re string, want int) []int {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		t.Errorf("output lacks %s", re)
		return nil
	}
	var ns []int
	for _, f := range strings.Fields(m[1]) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Errorf("%s: %v", re, err)
		}
		ns = append(ns, n)
	}
	if len(ns) != want {
		t.Errorf("%s: %d numbers, want %d", re, len(ns), want)
	}
	return ns
}

func hasImage(t *testing.T, c cell) {
	t.Helper()
	if c.Images == 0 {
		t.Errorf("cell %s: no image/png output", c.ID)
	}
}

// Tail keeps failure messages readable: the unlocked runs print thousands
// of lines.
func Tail(s string) string {
	const max = 3000
	if len(s) <= max {
		return s
	}
	return "[...]\n" + s[len(s)-max:]
}
