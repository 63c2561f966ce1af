package chart

import (
	"testing"

	"gonum.org/v1/plot/vg"
)

// The words the pictures put on their rows and axes (issue 22: rows
// labelled A/B with their counts, axes in words, labels inside the plot).
func TestProcessLabel(t *testing.T) {
	for _, tc := range []struct {
		who    string
		row    int
		pid    int
		counts []int
		want   string
	}{
		{"A", 0, 4242, []int{1000}, "A (counts 1000)"},
		{"B", 1, 4243, []int{2000}, "B (counts 2000)"},
		{"", 1, 4243, []int{2000}, "B (counts 2000)"},
		{"A", 0, 4242, []int{1000, 2000}, "A (counts 1000+2000)"},
		{"A", 0, 4242, nil, "A (pid 4242)"},
		{"", 0, 7, nil, "A (pid 7)"},
	} {
		if got := processLabel(tc.who, tc.row, tc.pid, tc.counts); got != tc.want {
			t.Errorf("processLabel(%q, %d, %d, %v) = %q, want %q", tc.who, tc.row, tc.pid, tc.counts, got, tc.want)
		}
	}
}

func TestAxisWords(t *testing.T) {
	for unit, want := range map[string]string{
		"s": "time (seconds)", "ms": "time (milliseconds)", "µs": "time (microseconds)",
		"increments/s": "increments/s", "": "",
	} {
		if got := unitLabel(unit); got != want {
			t.Errorf("unitLabel(%q) = %q, want %q", unit, got, want)
		}
	}
	if got := stepsAxisLabel("µs"); got != "step (under its number: when it began, µs after the first)" {
		t.Errorf("steps axis %q", got)
	}
	if note, wrong := countNote(1789, 3000); note != "count 1789: wrong" || !wrong {
		t.Errorf("countNote(1789, 3000) = %q, %v", note, wrong)
	}
	if note, wrong := countNote(3000, 3000); note != "count 3000" || wrong {
		t.Errorf("countNote(3000, 3000) = %q, %v", note, wrong)
	}
}

// A ghost's number goes in the ghost when it fits, else just over the
// expected line, and never above the plot's top.
func TestLostLabelInsidePlot(t *testing.T) {
	h := vg.Points(10)
	if got := lostLabelY(h, 100, 200, 300); got != 150 {
		t.Errorf("tall ghost: at %v, want its middle 150", got)
	}
	if got := lostLabelY(h, 195, 200, 300); got != 200+vg.Points(2)+h/2 {
		t.Errorf("thin ghost: at %v, want just over the line", got)
	}
	if got := lostLabelY(h, 299, 300, 301); got+h/2 > 301 {
		t.Errorf("line at the top: label reaches %v, over the plot's top 301", got+h/2)
	}
}
