package stepper_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/golocks/golocks/course/stepper"
)

// sim runs the seed's work (per increment: read, truncate, write the
// number read plus one) for the processes named in order, one operation
// of the named process at a time, on a model of the counter file, and
// records the Trace. Alongside, it tracks the truth the Trace does not
// carry: which writes' increments the file's number holds, so that the
// writes CountLost must mark are known independently of it.
type sim struct {
	trace  stepper.Trace
	exists bool
	text   string
	holds  map[int]bool // the write steps whose increments the file's number holds

	next    []int          // a process's next op: 0 read, 1 truncate, 2 write
	read    []int          // a process's last number read
	readSet []map[int]bool // the increments that number held
}

func newSim(counts []int, start string) *sim {
	s := &sim{holds: map[int]bool{}}
	for i, c := range counts {
		s.trace.Procs = append(s.trace.Procs, string(rune('A'+i)))
		s.trace.Counts = append(s.trace.Counts, c)
	}
	if start != "" {
		s.exists, s.text = true, start
		s.trace.Start, _ = strconv.Atoi(start)
	}
	s.next = make([]int, len(counts))
	s.read = make([]int, len(counts))
	s.readSet = make([]map[int]bool, len(counts))
	return s
}

func (s *sim) file() string {
	if !s.exists {
		return "(no file)"
	}
	return s.text
}

// do runs process p's next operation.
func (s *sim) do(p int) {
	step := stepper.Step{Proc: s.trace.Procs[p]}
	switch s.next[p] {
	case 0:
		step.Op = stepper.Read
		n, err := strconv.Atoi(s.text)
		switch {
		case !s.exists:
			step.Reset, n = "no file", 0
			s.readSet[p] = map[int]bool{}
		case s.text == "":
			step.Reset, n = "an empty file", 0
			s.readSet[p] = map[int]bool{}
		case err != nil:
			panic(err)
		default:
			s.readSet[p] = s.holds
		}
		step.Value, s.read[p] = n, n
	case 1:
		step.Op = stepper.Truncate
		s.exists, s.text, s.holds = true, "", map[int]bool{}
	case 2:
		step.Op = stepper.Write
		step.Value = s.read[p] + 1
		s.text = strconv.Itoa(step.Value)
		s.holds = map[int]bool{len(s.trace.Steps): true}
		for w := range s.readSet[p] {
			s.holds[w] = true
		}
	}
	s.next[p] = (s.next[p] + 1) % 3
	step.File = s.file()
	s.trace.Steps = append(s.trace.Steps, step)
}

// interleavings calls each with every order of ops of processes that make
// n[i] ops each, as a list of process indices.
func interleavings(n []int, each func(order []int)) {
	left := slices.Clone(n)
	total := 0
	for _, k := range n {
		total += k
	}
	order := make([]int, 0, total)
	var rec func()
	rec = func() {
		if len(order) == total {
			each(order)
			return
		}
		for p := range left {
			if left[p] > 0 {
				left[p]--
				order = append(order, p)
				rec()
				order = order[:len(order)-1]
				left[p]++
			}
		}
	}
	rec()
}

func multinomial(n []int) int {
	total, r := 0, 1
	for _, k := range n {
		for i := 1; i <= k; i++ {
			total++
			r = r * total / i
		}
	}
	return r
}

// Every interleaving of the seed's read, truncate and write, for 2
// processes × 1 or 2 increments and 3 × 1, from no file and from a file
// holding 5: CountLost marks exactly the writes whose increments the final
// number does not hold, and as many as the count fell short by.
func TestCountLostEveryInterleaving(t *testing.T) {
	for _, counts := range [][]int{{1, 1}, {1, 2}, {2, 1}, {2, 2}, {1, 1, 1}} {
		for _, start := range []string{"", "5"} {
			ops := make([]int, len(counts))
			for i, c := range counts {
				ops[i] = 3 * c
			}
			runs, finals := 0, map[int]int{}
			interleavings(ops, func(order []int) {
				runs++
				s := newSim(counts, start)
				for _, p := range order {
					s.do(p)
				}
				tr := &s.trace
				tr.CountLost()
				finals[tr.Final]++
				name := fmt.Sprintf("counts %v start %q: %s", counts, start, schedule(tr))
				writes, marked := 0, 0
				for i, st := range tr.Steps {
					if st.Op != stepper.Write {
						if st.Lost {
							t.Fatalf("%s: step %d (%s) marked lost, not a write", name, i+1, st.Op)
						}
						continue
					}
					writes++
					if st.Lost {
						marked++
						if st.LostTo == "" {
							t.Errorf("%s: step %d lost, LostTo empty", name, i+1)
						}
					}
					if st.Lost == s.holds[i] {
						t.Fatalf("%s: step %d (%s wrote %d) marked lost %v, but the final %q holds it: %v",
							name, i+1, st.Proc, st.Value, st.Lost, s.text, s.holds[i])
					}
				}
				fin, _ := strconv.Atoi(s.text)
				if tr.Final != fin || tr.Expected != tr.Start+writes || tr.Lost != tr.Expected-tr.Final {
					t.Fatalf("%s: expected %d final %d lost %d; the file holds %q after %d writes",
						name, tr.Expected, tr.Final, tr.Lost, s.text, writes)
				}
				// The invariant: marks = increments made - what the
				// count rose by, but for a reset of a non-zero start.
				want := writes - (tr.Final - tr.Start)
				if start != "" && len(s.holds) != tr.Final-tr.Start {
					want -= tr.Start // the start's own updates, wiped by a reset
				}
				if marked != want {
					t.Fatalf("%s: %d writes marked lost, want %d (expected %d, final %d)", name, marked, want, tr.Expected, tr.Final)
				}
				if start == "" && marked != tr.Lost {
					t.Fatalf("%s: %d marked, Lost %d", name, marked, tr.Lost)
				}
			})
			if want := multinomial(ops); runs != want {
				t.Errorf("counts %v: %d interleavings, want %d", counts, runs, want)
			}
			if slices.Equal(counts, []int{1, 1}) && start == "" {
				// By hand: B's read after A's write (A read, A truncate,
				// A write first, or the mirror): 2 schedules reach 2;
				// every other of the 20 loses one update.
				if finals[2] != 2 || finals[1] != 18 || len(finals) != 2 {
					t.Errorf("2 × 1 finals %v, want 2: 2, 1: 18", finals)
				}
			}
		}
	}
}

func schedule(tr *stepper.Trace) string {
	var b []string
	for _, s := range tr.Steps {
		b = append(b, s.Proc+" "+string(s.Op))
	}
	return strings.Join(b, ", ")
}

// run replays a schedule in the short form "AAB..." (one op each) on the
// simulator, from no file, and counts the lost.
func run(counts []int, order string) *stepper.Trace {
	s := newSim(counts, "")
	for _, c := range order {
		s.do(int(c - 'A'))
	}
	s.trace.CountLost()
	return &s.trace
}

func lostSteps(tr *stepper.Trace) []string {
	var got []string
	for i, s := range tr.Steps {
		if s.Lost {
			got = append(got, fmt.Sprintf("%d %s wrote %d: %s", i+1, s.Proc, s.Value, s.LostTo))
		}
	}
	return got
}

// The classic schedules of 2 × 1, and the one of issue 20: a write that a
// later write of its own process built on is not lost.
func TestCountLostClassic(t *testing.T) {
	for _, tc := range []struct {
		name, order   string
		counts        []int
		final, losses int
		lost          []string
	}{
		{"A then B", "AAABBB", []int{1, 1}, 2, 0, nil},
		{"both read first", "ABAABB", []int{1, 1}, 1, 1, []string{"4 A wrote 1: B wrote 1 over it"}},
		{"B reads between A's truncate and write", "AABABB", []int{1, 1}, 1, 1,
			[]string{"4 A wrote 1: B wrote 1 over it, counting again from 0"}},
		{"B truncates last", "ABABAB", []int{1, 1}, 1, 1, []string{"5 A wrote 1: B wrote 1 over it"}},
		// A writes 1 and builds on it (2); B, which read 0 first, writes 1
		// over A's 2: both of A's writes are lost, to B's 1.
		{"a later write wipes out a chain", "ABAAAAABB", []int{2, 1}, 1, 2,
			[]string{"4 A wrote 1: B wrote 1 over it", "7 A wrote 2: B wrote 1 over it"}},
		// C writes 1 over A's 1, but B then builds on A's 1 and writes 2
		// over C's 1: A's write is kept (looking one write ahead would
		// call it lost), C's is lost.
		{"built on later", "CAAABCCBB", []int{1, 1, 1}, 2, 1, []string{"7 C wrote 1: B wrote 2 over it"}},
		// A's last truncate empties the file for good: nothing the file
		// held before it survives. (The run is stopped there: A's last
		// increment is not made, and Lost counts it too.)
		{"left empty", "AAABBBAA", []int{2, 1}, 0, 3,
			[]string{"3 A wrote 1: A emptied the file after it", "6 B wrote 2: A emptied the file after it"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := run(tc.counts, tc.order)
			if tr.Final != tc.final || tr.Lost != tc.losses {
				t.Errorf("%s: final %d lost %d, want %d and %d", schedule(tr), tr.Final, tr.Lost, tc.final, tc.losses)
			}
			if got := lostSteps(tr); !slices.Equal(got, tc.lost) {
				t.Errorf("%s: lost\n%s\nwant\n%s", schedule(tr), strings.Join(got, "\n"), strings.Join(tc.lost, "\n"))
			}
		})
	}
}

// Steps of coarser grain (a write without its truncate), and lock and end
// steps, count the same; set totals are kept; calling twice changes nothing.
func TestCountLostCoarse(t *testing.T) {
	tr := stepper.Trace{Procs: []string{"A", "B"}, Counts: []int{1, 1}, Steps: []stepper.Step{
		{Proc: "A", Op: stepper.Lock, Lock: "A"},
		{Proc: "A", Op: stepper.Read, Reset: "no file", File: "(no file)", Lock: "A"},
		{Proc: "B", Op: stepper.Read, Reset: "no file", File: "(no file)", Lock: "A"},
		{Proc: "A", Op: stepper.Write, Value: 1, File: "1", Lock: "A"},
		{Proc: "A", Op: stepper.Unlock},
		{Proc: "A", Op: stepper.End},
		{Proc: "B", Op: stepper.Write, Value: 1, File: "1"},
		{Proc: "B", Op: stepper.End},
	}}
	tr.CountLost()
	tr.CountLost()
	if tr.Expected != 2 || tr.Final != 1 || tr.Lost != 1 {
		t.Errorf("expected %d final %d lost %d, want 2 1 1", tr.Expected, tr.Final, tr.Lost)
	}
	if got := lostSteps(&tr); !slices.Equal(got, []string{"4 A wrote 1: B wrote 1 over it"}) {
		t.Errorf("lost: %v", got)
	}
	set := stepper.Trace{Expected: 7, Final: 3, Lost: 4, Steps: tr.Steps}
	set.CountLost()
	if set.Expected != 7 || set.Final != 3 || set.Lost != 4 {
		t.Errorf("set totals changed: %d %d %d", set.Expected, set.Final, set.Lost)
	}
	var empty stepper.Trace
	empty.CountLost()
	if empty.Lost != 0 || empty.Final != 0 {
		t.Errorf("empty trace: %+v", empty)
	}
}
