package chart

import (
	"slices"
	"strings"
	"testing"

	"github.com/golocks/golocks/course/stepper"
)

// classic is the lost update of 2 × 1 as the stepper records it: A read,
// B read, A truncate, A write, B truncate, B write.
func classic() *stepper.Trace {
	return &stepper.Trace{Procs: []string{"A", "B"}, Counts: []int{1, 1}, Steps: []stepper.Step{
		{Proc: "A", Op: stepper.Read, Reset: "no file", File: "(no file)"},
		{Proc: "B", Op: stepper.Read, Reset: "no file", File: "(no file)"},
		{Proc: "A", Op: stepper.Truncate, File: ""},
		{Proc: "A", Op: stepper.Write, Value: 1, File: "1"},
		{Proc: "B", Op: stepper.Truncate, File: ""},
		{Proc: "B", Op: stepper.Write, Value: 1, File: "1"},
	}}
}

// The words a Trace picture draws: rows, boxes, the file row and the
// caption, which agrees with the writes marked lost.
func TestTraceLabels(t *testing.T) {
	in := classic()
	tr, err := countedCopy(in)
	if err != nil {
		t.Fatal(err)
	}
	if in.Steps[3].Lost || in.Final != 0 {
		t.Error("drawing changed the caller's trace")
	}
	if got := traceRowLabels(tr); !slices.Equal(got, []string{"A (counts 1)", "B (counts 1)"}) {
		t.Errorf("rows %q", got)
	}
	var boxes, files []string
	for _, s := range tr.Steps {
		l := traceLabel(s)
		boxes = append(boxes, strings.TrimSpace(l[0]+" "+l[1]))
		files = append(files, fileLabel(s.File))
	}
	if want := "read 0 no file|read 0 no file|truncate|write 1|truncate|write 1"; strings.Join(boxes, "|") != want {
		t.Errorf("boxes %q, want %q", strings.Join(boxes, "|"), want)
	}
	if want := "no file|no file|empty|1|empty|1"; strings.Join(files, "|") != want {
		t.Errorf("file row %q, want %q", strings.Join(files, "|"), want)
	}
	if !tr.Steps[3].Lost || tr.Steps[5].Lost {
		t.Errorf("lost marks: A's write %v, B's %v; want A's only", tr.Steps[3].Lost, tr.Steps[5].Lost)
	}
	if got, want := traceCaption(tr), "expected 2, final 1: 1 update lost"; got != want {
		t.Errorf("caption %q, want %q", got, want)
	}

	// Sequential: nothing lost. Stopped after A's truncate: the increment
	// not made is said apart from the one lost.
	seq := classic()
	seq.Steps[1], seq.Steps[2], seq.Steps[3] = seq.Steps[2], seq.Steps[3], stepper.Step{Proc: "B", Op: stepper.Read, Value: 1, File: "1"}
	seq.Steps[5].Value, seq.Steps[5].File = 2, "2"
	tr, _ = countedCopy(seq)
	if got, want := traceCaption(tr), "expected 2, final 2: no update lost"; got != want {
		t.Errorf("sequential: caption %q, want %q", got, want)
	}
	stopped := classic()
	stopped.Steps = append(stopped.Steps[:5:5], stepper.Step{Proc: "A", Op: stepper.End, File: ""})
	stopped.Counts = []int{2, 1}
	tr, _ = countedCopy(stopped)
	if got, want := traceCaption(tr), "expected 3, final 0: 1 update lost, 2 not made (the run stopped)"; got != want {
		t.Errorf("stopped: caption %q, want %q", got, want)
	}

	for reset, want := range map[string]string{"an empty file": "empty", "no file": "no file", "a read error: EIO": "error", `"4x"`: "garbled"} {
		if l := traceLabel(stepper.Step{Op: stepper.Read, Reset: reset}); l != [2]string{"read 0", want} {
			t.Errorf("read of %s: %q", reset, l)
		}
	}

	// Lock steps say whether they got the lock.
	if l := traceLabel(stepper.Step{Proc: "B", Op: stepper.Lock, Lock: "A", Waiting: []string{"B"}}); l != [2]string{"lock", "waits"} {
		t.Errorf("blocked lock: %q", l)
	}
	if l := traceLabel(stepper.Step{Proc: "A", Op: stepper.Lock, Lock: "A"}); l != [2]string{"lock", "got it"} {
		t.Errorf("lock taken: %q", l)
	}
}
