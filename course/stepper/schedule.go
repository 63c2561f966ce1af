package stepper

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// An entry is one element of a schedule: run process Proc for N steps, or,
// when Op is set, up to and including its next step of that kind.
type entry struct {
	Proc string
	Op   Op
	N    int
}

func (e entry) String() string {
	switch {
	case e.Op != "":
		return e.Proc + " " + string(e.Op)
	case e.N == 1:
		return e.Proc
	}
	return e.Proc + strconv.Itoa(e.N)
}

// stepOps are the operations a schedule may name.
var stepOps = []Op{Read, Truncate, Write, Lock, Unlock}

// maxEntrySteps bounds a short-form count ("A1000"): a schedule is typed by
// a person.
const maxEntrySteps = 1000

// parseSchedule reads a schedule for the processes procs: the long form
// "A read, B read, A write, B write" (an entry names the process and,
// optionally, the operation), or the short forms "ABAB" (one step each)
// and "A3 B3" (n steps each). Entries may be separated by commas or
// spaces; the forms mix.
func parseSchedule(s string, procs []string) ([]entry, error) {
	var out []entry
	known := map[string]bool{}
	for _, p := range procs {
		known[p] = true
	}
	parts := strings.Split(s, ",")
	for i, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			if len(parts) == 1 {
				break
			}
			return nil, fmt.Errorf("schedule %q: entry %d is empty", s, i+1)
		}
		words := strings.Fields(part)
		// Long form: a letter, then an operation.
		if len(words) == 2 && isOp(words[1]) {
			p := strings.ToUpper(words[0])
			if len([]rune(p)) != 1 || !unicode.IsLetter([]rune(p)[0]) {
				return nil, fmt.Errorf("schedule %q: %q: a process is one letter (%s)", s, part, strings.Join(procs, ", "))
			}
			if !known[p] {
				return nil, fmt.Errorf("schedule %q: no process %s (there are %s)", s, p, strings.Join(procs, ", "))
			}
			out = append(out, entry{Proc: p, Op: Op(strings.ToLower(words[1])), N: 1})
			continue
		}
		if len(words) == 2 && len([]rune(words[0])) == 1 && !allKnown(words[1], known) {
			return nil, fmt.Errorf("schedule %q: %q is not an operation (%s)", s, words[1], opNames())
		}
		// Short forms: letters, each with an optional count.
		for _, w := range words {
			es, err := shortForm(w)
			if err != nil {
				return nil, fmt.Errorf("schedule %q: %q: %v (write \"A read, B write\", \"ABAB\" or \"A3 B3\")", s, w, err)
			}
			for _, e := range es {
				if !known[e.Proc] {
					return nil, fmt.Errorf("schedule %q: no process %s (there are %s)", s, e.Proc, strings.Join(procs, ", "))
				}
			}
			out = append(out, es...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("schedule %q: no steps (write \"A read, B write\", \"ABAB\" or \"A3 B3\")", s)
	}
	return out, nil
}

// allKnown says whether w is made of known process letters and counts.
func allKnown(w string, known map[string]bool) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) && !known[strings.ToUpper(string(r))] {
			return false
		}
	}
	return true
}

func opNames() string {
	var names []string
	for _, op := range stepOps {
		names = append(names, string(op))
	}
	return strings.Join(names, ", ")
}

func isOp(w string) bool {
	for _, op := range stepOps {
		if strings.EqualFold(w, string(op)) {
			return true
		}
	}
	return false
}

// shortForm reads "ABAB" or "A3B2".
func shortForm(w string) ([]entry, error) {
	var out []entry
	rs := []rune(w)
	for i := 0; i < len(rs); {
		r := rs[i]
		if !unicode.IsLetter(r) || r > unicode.MaxASCII {
			if unicode.IsLetter(r) {
				return nil, fmt.Errorf("%q is not a process letter", r)
			}
			return nil, fmt.Errorf("%q where a process letter should be", r)
		}
		j := i + 1
		for j < len(rs) && unicode.IsDigit(rs[j]) {
			j++
		}
		if j < len(rs) && unicode.IsLetter(rs[j]) && j-i == 1 && i+2 < len(rs) && unicode.IsLetter(rs[i+2]) && isOp(string(rs[i+1:])) {
			return nil, fmt.Errorf("put a space between the process and its operation")
		}
		n := 1
		if j > i+1 {
			v, err := strconv.Atoi(string(rs[i+1 : j]))
			if err != nil || v < 1 || v > maxEntrySteps {
				return nil, fmt.Errorf("a count is from 1 to %d, not %s", maxEntrySteps, string(rs[i+1:j]))
			}
			n = v
		}
		out = append(out, entry{Proc: strings.ToUpper(string(r)), N: n})
		i = j
	}
	return out, nil
}

// longForm spells steps as a schedule Replay reads back: "A read, B read".
func longForm(steps []Step) string {
	var parts []string
	for _, s := range steps {
		if s.Op != End {
			parts = append(parts, s.Proc+" "+string(s.Op))
		}
	}
	return strings.Join(parts, ", ")
}
