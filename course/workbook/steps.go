package workbook

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golocks/golocks/internal/regular"
)

// A Step is one read or one write of the counter file by one process, as a
// Counter with Steps set records it: the lost update made visible. Two
// processes that both read 41 both write 42, and the second write wipes out
// the first; a process that reads while another rewrites the file finds no
// number and starts again from 0. ReadSteps puts the steps of all the
// processes in the order they happened and marks both.
type Step struct {
	PID int

	// Who names the process for people: "A", "B", ... in the order of the
	// processes' first steps (set by ReadSteps).
	Who string

	Start, End time.Time // when the read or the write began and ended

	Write bool // a write of Value; otherwise a read
	Value int  // the number read (0 after a Reset) or written

	// Reset, for a read that found no number, says what it found instead:
	// "no file", "an empty file", or the text it could not read as a
	// number, quoted. The process went on counting from 0.
	Reset string

	// Hold numbers the process's lock holds (1, 2, ...): steps of one
	// process with the same Hold were made in one hold of the lock; 0 if
	// the process did not hold the lock.
	Hold int

	// For a write (set by ReadSteps): the number the file held just before
	// it, from the write before it (0 and "" if there was none), and who
	// wrote that.
	Replaced    int
	ReplacedWho string

	// Overwritten marks a write whose update was lost: the final count
	// does not hold it, because no write on the chain the final number
	// built on (each write on the number its process read) is it.
	// OverwrittenBy is who wiped it out: the first write made after the
	// last write that still held it (set by ReadSteps). A write that a
	// later write built on is not lost while that one is kept.
	Overwritten   bool
	OverwrittenBy string

	// Wiped, for a write, is how many updates it wiped out for good: the
	// lost writes whose increments it was the first to drop, and the
	// number the file held before the first step if it drops that (set
	// by ReadSteps). Over a whole run the Wiped add up to the writes made
	// less what the count rose by.
	Wiped int

	// Counts is how many increments the process made in the run: its
	// writes among all the steps (set by ReadSteps), to say which process
	// is which ("A (counts 1000)").
	Counts int
}

// Lost is how many updates a write wiped out for good (Wiped): 0 for a
// write that built on the number it replaced, and for a read. The Lost of
// all the writes of a run add up to the updates missing from its count.
func (s Step) Lost() int {
	if !s.Write {
		return 0
	}
	return s.Wiped
}

// String says what the step did, in the workbook's words:
//
//	A read 41
//	B read 41
//	A wrote 42
//	B wrote 42 over A's 42: 1 update lost
//	B found an empty file: counts on from 0
//
// with " [lock held]" after a step made holding the lock.
func (s Step) String() string {
	var b strings.Builder
	who := s.Who
	if who == "" {
		who = "pid " + strconv.Itoa(s.PID)
	}
	b.WriteString(who)
	switch {
	case s.Write:
		fmt.Fprintf(&b, " wrote %d", s.Value)
		if lost := s.Lost(); lost > 0 {
			over := strconv.Itoa(s.Replaced)
			if s.ReplacedWho != "" {
				over = s.ReplacedWho + "'s " + over
			}
			fmt.Fprintf(&b, " over %s: %d %s lost", over, lost, plural(lost, "update", "updates"))
		}
	case s.Reset != "":
		fmt.Fprintf(&b, " found %s: counts on from 0", s.Reset)
	default:
		fmt.Fprintf(&b, " read %d", s.Value)
	}
	if s.Hold > 0 {
		b.WriteString(" [lock held]")
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ReadSteps reads the steps that Counters with Steps set appended to path,
// and returns them in the order they began, named (Who) and marked
// (Replaced, Overwritten). Use it after the processes are done.
func ReadSteps(path string) ([]Step, error) {
	steps, err := readRecords(path, "read steps", parseStep)
	if err != nil {
		return nil, err
	}
	replay(steps)
	return steps, nil
}

// replay sorts steps by their start and fills in what follows from their
// order: who is who, and which writes were lost.
//
// The order of writes is the order they began: os.WriteFile empties the
// file when it opens it, so the write that began last is the one whose
// number the next reader finds. (Two writes that overlap can even leave a
// mix of both numbers in the file; the reader that finds it resets.)
//
// A write is lost by provenance, not by a look at the next write: each
// read took its number from the write of that number the file held when
// it began (readSource), or from the start, or from 0 after a reset; each
// write built on its
// process's last read; the final number is the last write's, the one that
// ended last. Following "built on" back from it gives the writes the
// final count holds; every other write is Overwritten.
func replay(steps []Step) {
	slices.SortStableFunc(steps, func(a, b Step) int { return a.Start.Compare(b.Start) })
	names := map[int]string{}
	writes := map[int]int{}
	for i := range steps {
		s := &steps[i]
		name, ok := names[s.PID]
		if !ok {
			name = processName(len(names))
			names[s.PID] = name
		}
		s.Who = name
		s.Replaced, s.ReplacedWho = 0, ""
		s.Overwritten, s.OverwrittenBy, s.Wiped = false, "", 0
		if s.Write {
			writes[s.PID]++
		}
	}

	// The number the file held before the first step: what a first read
	// found (a stretch of a run), or 0.
	start := 0
	if len(steps) > 0 && !steps[0].Write && steps[0].Reset == "" {
		start = steps[0].Value
	}

	parent := make([]int, len(steps))
	lastRead := map[int]int{}
	prev, final := -1, -1 // the last write begun, the last ended
	for i := range steps {
		s := &steps[i]
		s.Counts = writes[s.PID]
		if !s.Write {
			lastRead[s.PID] = readSource(steps, i, prev, start)
			continue
		}
		if prev >= 0 {
			s.Replaced, s.ReplacedWho = steps[prev].Value, steps[prev].Who
		}
		p, ok := lastRead[s.PID]
		if !ok {
			p = fromNone
		}
		parent[i] = p
		prev = i
		if final < 0 || !s.End.Before(steps[final].End) {
			final = i
		}
	}

	kept := map[int]bool{}
	root := fromNone
	for w := final; w >= 0; w = parent[w] {
		kept[w] = true
		root = parent[w]
	}
	// lastHeld: the last write that held a write's increment (itself, or
	// one that built on it); fromStart's, the last that held the start's.
	lastHeld := map[int]int{fromStart: -1}
	for i := range steps {
		if !steps[i].Write {
			continue
		}
		a := i
		for ; a >= 0; a = parent[a] {
			lastHeld[a] = i
		}
		if a == fromStart {
			lastHeld[fromStart] = i
		}
	}
	// The write that wiped out what the write at last held: the next one
	// begun, or the final one if none began later (it ended later).
	wiper := func(last int) *Step {
		for j := last + 1; j < len(steps); j++ {
			if steps[j].Write {
				return &steps[j]
			}
		}
		return &steps[final]
	}
	for i := range steps {
		s := &steps[i]
		if !s.Write || kept[i] {
			continue
		}
		w := wiper(lastHeld[i])
		s.Overwritten, s.OverwrittenBy = true, w.Who
		w.Wiped++
	}
	if final >= 0 && root != fromStart && start > 0 {
		wiper(lastHeld[fromStart]).Wiped += start
	}
}

// Where a read's number came from, besides a write (its index).
const (
	fromStart = -1 // the number the file held before the first step
	fromZero  = -2 // 0, after a read that found no number
	fromNone  = -3 // nothing: a write with no read before it
)

// readSource is where the read at index i took its number from: the write
// of that number that ended last before the read began (the file held its
// number then), else the last write of that number begun before the read
// (one under way), prev the last write begun.
func readSource(steps []Step, i, prev, start int) int {
	r := steps[i]
	if r.Reset != "" {
		if prev < 0 && start == 0 {
			return fromStart // nothing written yet: the start's 0
		}
		return fromZero
	}
	best := -1
	for j := prev; j >= 0; j-- {
		w := steps[j]
		if !w.Write || w.Value != r.Value {
			continue
		}
		if w.End.Before(r.Start) && (best < 0 || !steps[best].End.Before(r.Start) || w.End.After(steps[best].End)) {
			best = j
		} else if best < 0 {
			best = j
		}
	}
	if best >= 0 {
		return best
	}
	return fromStart
}

// processName is "A" to "Z", then "P27", "P28", ...
func processName(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return "P" + strconv.Itoa(i+1)
}

// Zoom returns a stretch of n consecutive steps that shows how updates
// were lost, as plainly as the run allows. It looks for, in this order:
// a stretch with a loss in it at all; one in which every read is plainly
// explained by the steps before it (it found the number of the last write,
// done before it began, or found no number while another process was
// writing); one that shows both ways of losing updates, a write
// overwritten by another process's that was built on an older number
// (with that process's read and write) and a read that found an empty
// file and reset the count (with the write it fell into and the write
// after it); both processes; as few other losses as possible, so that each
// can be followed. The earliest of the best stretches wins. It returns all
// the steps if there are no more than n. Use it to pick what to draw: a
// picture has room for a dozen steps, a run makes thousands.
//
// Why "plainly explained": each process notes the time a step begins just
// before it reads or writes the file, but a busy machine can pause a
// process between the two, and a read can overlap a write still under
// way; the steps of such a stretch, in the order they began, would not
// tell the story they are meant to.
func Zoom(steps []Step, n int) []Step {
	if n <= 0 {
		return nil
	}
	if len(steps) <= n {
		return steps
	}
	how := explained(steps)
	next := nextWrites(steps)
	type score struct {
		loses, plain, kinds, procs, marks int
	}
	better := func(a, b score) bool {
		for _, d := range []int{a.loses - b.loses, a.plain - b.plain, a.kinds - b.kinds, a.procs - b.procs, b.marks - a.marks} {
			if d != 0 {
				return d > 0
			}
		}
		return false
	}
	best, bestScore, found := 0, score{}, false
	for from := 0; from+n <= len(steps); from++ {
		in := func(i int) bool { return i >= from && i < from+n }
		plain := explainedPlainly
		var sc score
		overwrite, reset := false, false
		procs := map[int]bool{}
		for i := from; i < from+n; i++ {
			s := steps[i]
			plain = min(plain, how[i])
			procs[s.PID] = true
			switch {
			case s.Write && s.Overwritten:
				sc.marks++
				// Overwritten by a write built on a number read (not on
				// a reset: that is the other way of losing updates).
				w := next[i]
				if w >= 0 && in(w) && steps[w].PID != s.PID {
					if r := ownPrevRead(steps, w); in(r) && steps[r].Reset == "" {
						overwrite = true
					}
				}
			case !s.Write && s.Reset != "":
				sc.marks++
				// With the write it fell into, and the write after it.
				if w := ownNextWrite(steps, i); w >= 0 && in(w) && s.Reset != "no file" {
					for j := from; j < from+n; j++ {
						if overlaps(steps[j], s) {
							reset = true
						}
					}
				}
			}
		}
		if plain == unexplained {
			continue
		}
		sc.plain = plain
		sc.procs = min(len(procs), 2)
		if overwrite {
			sc.kinds += 2
		}
		if reset {
			sc.kinds++
		}
		if sc.marks > 0 {
			sc.loses = 1
		}
		if !found || better(sc, bestScore) {
			best, bestScore, found = from, sc, true
		}
	}
	if !found { // no stretch is explained all through: the earliest with the most losses
		return zoomAny(steps, n)
	}
	return steps[best : best+n]
}

// zoomAny is Zoom's fallback: the stretch with the most overwritten writes
// and resets, earliest first.
func zoomAny(steps []Step, n int) []Step {
	best, bestMarks := 0, -1
	for from := 0; from+n <= len(steps); from++ {
		marks := 0
		for i := from; i < from+n; i++ {
			if s := steps[i]; s.Write && s.Overwritten || !s.Write && s.Reset != "" {
				marks++
			}
		}
		if marks > bestMarks {
			best, bestMarks = from, marks
		}
	}
	return steps[best : best+n]
}

// How well the steps before it account for a step (explained).
const (
	unexplained      = 0 // out of order: the process was paused between its clock and the file
	explainedLoosely = 1 // a read that found the number a write under way was replacing
	explainedPlainly = 2
)

// explained says, for each step, how well the steps before it account for
// it. Plainly: a read found the number of the last write begun before it,
// which was done before the read began; a read found no file before any
// write; a read found an empty or garbled file while another process was
// writing it; a write wrote one more than its process's read before it.
// Loosely: a read found the number that a write under way (begun before
// the read, done after) was replacing.
func explained(steps []Step) []int {
	how := make([]int, len(steps))
	lastWrite := -1           // the last write begun so far
	lastRead := map[int]int{} // pid -> the value its last read found
	for i, s := range steps {
		switch {
		case s.Write:
			if v, read := lastRead[s.PID]; read && s.Value == v+1 {
				how[i] = explainedPlainly
			}
			lastWrite = i
		case s.Reset == "no file":
			if lastWrite < 0 {
				how[i] = explainedPlainly
			}
		case s.Reset != "":
			for _, w := range steps {
				if overlaps(w, s) {
					how[i] = explainedPlainly
					break
				}
			}
		default:
			how[i] = readExplained(steps, i, lastWrite)
		}
		if !s.Write {
			lastRead[s.PID] = s.Value
		}
	}
	return how
}

// overlaps reports whether w is another process's write that was under
// way while the read r was.
func overlaps(w, r Step) bool {
	return w.Write && w.PID != r.PID && !w.Start.After(r.End) && !r.Start.After(w.End)
}

// readExplained is explained for a read that found a number, the last
// write begun before it at index last.
func readExplained(steps []Step, i, last int) int {
	r := steps[i]
	if last < 0 {
		return unexplained
	}
	if w := steps[last]; w.Value == r.Value && w.End.Before(r.Start) {
		return explainedPlainly
	}
	// The writes under way when the read began, latest first: the read
	// may have found what the first of them was replacing.
	for j := last; j >= 0; j-- {
		w := steps[j]
		if !w.Write {
			continue
		}
		if w.Value == r.Value {
			return explainedLoosely
		}
		if w.End.Before(r.Start) {
			break // done before the read: what it wrote was there
		}
	}
	return unexplained
}

// nextWrites gives, for each write, the index of the write after it (-1 for
// the last one and for reads).
func nextWrites(steps []Step) []int {
	next := make([]int, len(steps))
	later := -1
	for i := len(steps) - 1; i >= 0; i-- {
		next[i] = -1
		if steps[i].Write {
			next[i] = later
			later = i
		}
	}
	return next
}

// ownPrevRead is the index of the last read by the process of step i
// before it, or -1.
func ownPrevRead(steps []Step, i int) int {
	for j := i - 1; j >= 0; j-- {
		if steps[j].PID == steps[i].PID && !steps[j].Write {
			return j
		}
	}
	return -1
}

// ownNextWrite is the index of the first write by the process of step i
// after it, or -1.
func ownNextWrite(steps []Step, i int) int {
	for j := i + 1; j < len(steps); j++ {
		if steps[j].PID == steps[i].PID && steps[j].Write {
			return j
		}
	}
	return -1
}

// parseStep parses "pid r|w start end value hold [reset]", the reset
// quoted (strconv.Quote).
func parseStep(line string) (Step, error) {
	f := strings.SplitN(line, " ", 7)
	if len(f) < 6 {
		return Step{}, fmt.Errorf("%q: want \"pid r|w start end value hold [reset]\"", line)
	}
	var v [5]int64
	for i, j := range []int{0, 2, 3, 4, 5} {
		x, err := strconv.ParseInt(f[j], 10, 64)
		if err != nil {
			return Step{}, fmt.Errorf("%q: %w", line, err)
		}
		v[i] = x
	}
	s := Step{PID: int(v[0]), Start: time.Unix(0, v[1]), End: time.Unix(0, v[2]), Value: int(v[3]), Hold: int(v[4])}
	switch f[1] {
	case "w":
		s.Write = true
	case "r":
	default:
		return Step{}, fmt.Errorf("%q: %q is neither r (a read) nor w (a write)", line, f[1])
	}
	if len(f) == 7 {
		reset, err := strconv.Unquote(f[6])
		if err != nil || reset == "" || s.Write {
			return Step{}, fmt.Errorf("%q: a reset is a read's, quoted and not empty", line)
		}
		s.Reset = reset
	}
	if v[2] < v[1] {
		return Step{}, fmt.Errorf("%q: ends before it starts", line)
	}
	return s, nil
}

// A stepper keeps one Run's steps in memory and appends them to the steps
// file in large writes: one write per step would slow each process down
// and change the race it records. A nil *stepper records nothing.
type stepper struct {
	f    *os.File
	pid  int
	hold int // the hold the process is in now, 0 if none
	n    int // holds so far
	buf  []byte
}

// stepsFlush is how much a stepper keeps before it writes: whole lines, so
// that the lines of several processes appending at once stay whole.
const stepsFlush = 64 << 10

// openSteps opens path for appending (see openTrace).
func openSteps(path string) (*stepper, error) {
	f, err := regular.Open(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("steps: %w", err)
	}
	return &stepper{f: f, pid: os.Getpid(), buf: make([]byte, 0, stepsFlush+128)}, nil
}

func (s *stepper) now() time.Time {
	if s == nil {
		return time.Time{}
	}
	return time.Now()
}

// held and released bracket a hold of the lock.
func (s *stepper) held() {
	if s != nil {
		s.n++
		s.hold = s.n
	}
}

func (s *stepper) released() {
	if s != nil {
		s.hold = 0
	}
}

// step notes one read or write.
func (s *stepper) step(write bool, start, end time.Time, value int, reset string) error {
	if s == nil {
		return nil
	}
	b := strconv.AppendInt(s.buf, int64(s.pid), 10)
	if write {
		b = append(b, " w "...)
	} else {
		b = append(b, " r "...)
	}
	b = strconv.AppendInt(b, start.UnixNano(), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, end.UnixNano(), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(value), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(s.hold), 10)
	if reset != "" {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, reset)
	}
	s.buf = append(b, '\n')
	if len(s.buf) >= stepsFlush {
		return s.flush()
	}
	return nil
}

func (s *stepper) flush() error {
	if len(s.buf) == 0 {
		return nil
	}
	_, err := s.f.Write(s.buf)
	s.buf = s.buf[:0]
	if err != nil {
		return fmt.Errorf("steps: %w", err)
	}
	return nil
}

// close writes what is left and closes the file; it is also called after a
// failed Run, so that the steps up to the failure are kept.
func (s *stepper) close() error {
	if s == nil {
		return nil
	}
	err := s.flush()
	if cerr := s.f.Close(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("steps: %w", cerr))
	}
	return err
}
