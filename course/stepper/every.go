package stepper

import (
	"fmt"
	"math/big"
	"strings"
)

// A Summary is what Every found: how many distinct schedules there are,
// what each counted to, and the shortest that loses an update.
type Summary struct {
	Procs     []string    `json:"procs"`
	Counts    []int       `json:"counts"`
	Expected  int         `json:"expected"`  // every increment
	Schedules int         `json:"schedules"` // distinct schedules run (see the package doc)
	Finals    map[int]int `json:"finals"`    // final count -> how many schedules ended there
	Exact     bool        `json:"exact"`     // every schedule counted every increment
	Deadlocks int         `json:"deadlocks"` // schedules that ended in a deadlock

	// ShortestLosing is the shortest schedule whose final count is below
	// Expected, in the long form Replay reads ("" if none loses).
	ShortestLosing string `json:"shortest_losing"`

	// Fresh says why a run's processes were started afresh rather than
	// made again (pool.GatedRun.Again), the first time it happened: a run
	// of work left a goroutine running or a file open ("" if none did).
	// Each run is still made from the start, in fresh processes then.
	Fresh string `json:"fresh,omitempty"`

	// Traces are every schedule's trace, in the order they were run
	// (none with KeepTraces(false)).
	Traces []*Trace `json:"-"`
}

// A letter is one step as the enumeration compares them: which process,
// which operation, on which file.
type letter struct {
	proc int
	op   Op
}

// onLock says whether op acts on the lock file (else the counter).
func onLock(op Op) bool { return op == Lock || op == Unlock }

// independent says whether two steps commute: steps of different processes
// on different files, or two reads of the counter. Steps of one process
// never commute.
func independent(a, b letter) bool {
	if a.proc == b.proc {
		return false
	}
	if onLock(a.op) != onLock(b.op) {
		return true
	}
	return a.op == Read && b.op == Read
}

// pruned says whether appending a to steps leaves the lexicographic normal
// form (Anisimov and Knuth): there is a step b of a later process such that
// a commutes with b and with every step after b. The schedule with a here
// is then the same trace as one that puts a before b, which the
// enumeration reaches in another branch.
func pruned(steps []letter, a letter) bool {
	for j := len(steps) - 1; j >= 0; j-- {
		b := steps[j]
		if !independent(a, b) {
			return false
		}
		if b.proc > a.proc {
			return true
		}
	}
	return false
}

// Every runs work in one process per count (see New) once for every
// distinct schedule, for real, and sums up the final counts. Each run
// calls work from its start on a counter that does not exist; the
// processes are made again for the next run rather than started afresh
// (see the package doc: the same as fresh ones, or they are not reused). Two schedules
// are the same when one is the other with neighbouring steps that commute
// swapped (see the package doc): it runs one schedule of each such class.
// It refuses, before running anything, counts that would make more than
// DefaultMaxSchedules (MaxSchedules) schedules of the workbook's work.
func Every(work any, counts []int, filename string, opts ...Option) (*Summary, error) {
	s, err := newSetup(work, counts, filename, opts)
	if err != nil {
		return nil, err
	}
	if n, more := countSchedules(counts, s.locked, countCap); more || n > s.opt.maxSchedules {
		how := fmt.Sprintf("%d distinct schedules", n)
		if more {
			how = fmt.Sprintf("more than %d distinct schedules", countCap)
		}
		return nil, &TooManyError{fmt.Sprintf("stepper: %s: %s (of %s orders of their steps): Every runs at most %d; try smaller counts", describeCounts(counts), how, interleavings(counts, s.locked), s.opt.maxSchedules)}
	}
	sum := &Summary{Procs: s.procs, Counts: s.counts, Expected: sumOf(s.counts), Finals: map[int]int{}, Exact: true}

	// The enumeration: a depth-first walk of the tree of schedules, each
	// leaf run from the start. path holds, for each
	// depth of the current branch, the processes that may step there (in
	// order) and which one this branch takes.
	type node struct {
		options []int
		next    int
	}
	var path []node
	// The runs are made in a few sets of processes, each run's processes
	// made again (machine.again) once it has ended, until a run of them
	// cannot be: then a fresh set is launched. While one run steps, the
	// next sets get ready (a fresh set starts, a set made again calls work
	// once more), each held at its first call on the files until begin,
	// so several can get ready at once on the same files; a run that steps
	// mostly waits for its processes, and the sets ahead keep the
	// machine's cores busy meanwhile. Every set is received once: used,
	// or closed by the deferred drain.
	type launched struct {
		m     *machine
		err   error
		fresh string // why it was launched fresh, not made again ("" for neither)
	}
	ahead := make(chan launched, launchAhead)
	pending := 0
	launch := func() {
		pending++
		go func() {
			m, err := s.launch(true)
			ahead <- launched{m: m, err: err}
		}()
	}
	again := func(st *machine) {
		pending++
		go func() {
			m, err := st.again()
			if err == nil {
				ahead <- launched{m: m}
				return
			}
			m, err2 := s.launch(true)
			ahead <- launched{m: m, err: err2, fresh: err.Error()}
		}()
	}
	for range launchAhead {
		launch()
	}
	defer func() {
		for ; pending > 0; pending-- {
			if l := <-ahead; l.m != nil {
				l.m.Close()
			}
		}
	}()
	for {
		if sum.Schedules >= s.opt.maxSchedules {
			return sum, fmt.Errorf("stepper: more than %d schedules: stopped", s.opt.maxSchedules)
		}
		l := <-ahead
		pending--
		if l.err != nil {
			return sum, l.err
		}
		if l.fresh != "" && sum.Fresh == "" {
			sum.Fresh = l.fresh
		}
		st := l.m
		if err := st.begin(); err != nil {
			return sum, err
		}
		tr, deadlock, err := func() (*Trace, bool, error) {
			st.mu.Lock()
			defer st.mu.Unlock()
			var steps []letter
			for depth := 0; ; depth++ {
				if depth == len(path) {
					var options []int
					enabled := false
					for i, p := range st.procs {
						if p.ended || st.blocked(p) {
							continue
						}
						enabled = true
						if !pruned(steps, letter{i, p.next}) {
							options = append(options, i)
						}
					}
					if !enabled {
						return st.snapshot(), st.deadlock() != nil, nil
					}
					if len(options) == 0 {
						// A dead end: every way on is the same trace
						// as a schedule of another branch.
						return nil, false, nil
					}
					path = append(path, node{options: options})
				}
				i := path[depth].options[path[depth].next]
				p := st.procs[i]
				if p.ended || st.blocked(p) {
					return nil, false, fmt.Errorf("stepper: a schedule did not replay the same way (process %s at step %d): does work depend on something but the counter?", p.name, depth+1)
				}
				steps = append(steps, letter{i, p.next})
				if _, err := st.step(p); err != nil {
					return nil, false, err
				}
			}
		}()
		if err != nil {
			st.Close()
			return sum, err
		}
		// The next run in these processes: a run that ended with a
		// process short of its end (a dead end, or a deadlock) is first
		// run to its end, as Replay finishes a schedule; what it does then
		// is no schedule's, and the next run's begin resets the files.
		if !deadlock && (tr != nil || st.finishQuietly() == nil) {
			again(st)
		} else {
			st.Close()
			launch()
		}
		if tr == nil {
			goto next
		}
		sum.Schedules++
		sum.Finals[tr.Final]++
		if !s.opt.dropTraces {
			sum.Traces = append(sum.Traces, tr)
		}
		if deadlock {
			sum.Deadlocks++
		}
		if tr.Final != sum.Expected {
			sum.Exact = false
			if l := len(strings.Split(tr.Schedule, ",")); sum.ShortestLosing == "" || l < len(strings.Split(sum.ShortestLosing, ",")) {
				sum.ShortestLosing = tr.Schedule
			}
		}
	next:
		// Backtrack to the deepest node with a branch not taken.
		for len(path) > 0 && path[len(path)-1].next+1 >= len(path[len(path)-1].options) {
			path = path[:len(path)-1]
		}
		if len(path) == 0 {
			return sum, nil
		}
		path[len(path)-1].next++
	}
}

// launchAhead is how many runs Every keeps launched ahead of the one that
// steps (each run is one process per count, held at its first operation).
const launchAhead = 2

// countCap bounds the count of schedules Every makes before refusing: past
// it, it says "more than".
const countCap = 100000

// A TooManyError is counts Every refuses: too many schedules to run.
type TooManyError struct{ msg string }

func (e *TooManyError) Error() string { return e.msg }

func sumOf(xs []int) int { return sum(xs) }

func describeCounts(counts []int) string {
	parts := make([]string, len(counts))
	for i, c := range counts {
		parts[i] = fmt.Sprint(c)
	}
	return fmt.Sprintf("%d processes counting %s", len(counts), strings.Join(parts, ", "))
}

// workbookOps are the operations of the workbook's work counting c times:
// read, truncate, write each time, in one lock hold when locked.
func workbookOps(c int, locked bool) []Op {
	var ops []Op
	if locked {
		ops = append(ops, Lock)
	}
	for range c {
		ops = append(ops, Read, Truncate, Write)
	}
	if locked {
		ops = append(ops, Unlock)
	}
	return ops
}

// countSchedules counts the distinct schedules of the workbook's work for
// counts, without running anything, up to limit+1: n, and whether there
// are more than limit.
func countSchedules(counts []int, locked bool, limit int) (int, bool) {
	seqs := make([][]Op, len(counts))
	for i, c := range counts {
		seqs[i] = workbookOps(c, locked)
	}
	pos := make([]int, len(counts))
	var steps []letter
	holder := -1
	n := 0
	var walk func() bool
	walk = func() bool {
		enabled := false
		for i := range seqs {
			if pos[i] == len(seqs[i]) {
				continue
			}
			op := seqs[i][pos[i]]
			if op == Lock && holder >= 0 && holder != i {
				continue
			}
			a := letter{i, op}
			enabled = true
			if pruned(steps, a) {
				continue // the same trace is reached in another branch
			}
			saved := holder
			switch op {
			case Lock:
				holder = i
			case Unlock:
				holder = -1
			}
			pos[i]++
			steps = append(steps, a)
			stop := walk()
			steps = steps[:len(steps)-1]
			pos[i]--
			holder = saved
			if stop {
				return true
			}
		}
		if !enabled {
			n++ // every process has ended, or waits: one schedule
		}
		return n > limit
	}
	walk()
	return n, n > limit
}

// interleavings is how many orders the workbook's steps could run in
// without any two counted the same: the multinomial coefficient.
func interleavings(counts []int, locked bool) string {
	total := 0
	r := big.NewInt(1)
	for _, c := range counts {
		k := len(workbookOps(c, locked))
		for j := 1; j <= k; j++ {
			total++
			r.Mul(r, big.NewInt(int64(total)))
			r.Div(r, big.NewInt(int64(j)))
		}
	}
	if r.IsInt64() && r.Int64() < 1e9 {
		return r.String()
	}
	f, _ := new(big.Float).SetInt(r).Float64()
	return fmt.Sprintf("%.2g", f)
}
