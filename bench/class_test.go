package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestPercentile(t *testing.T) {
	xs := []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for p, want := range map[float64]float64{50: 5, 95: 10, 100: 10, 10: 1, 0: 1} {
		if got := percentile(xs, p); got != want {
			t.Errorf("percentile(%v) = %v, want %v", p, got, want)
		}
	}
	if !math.IsNaN(percentile(nil, 50)) {
		t.Errorf("percentile of nothing is not NaN")
	}
	if xs[0] != 5 {
		t.Errorf("percentile sorted its argument")
	}
}

func TestWriteClass(t *testing.T) {
	alone := &classRun{Students: 1, WallS: 30, CellsS: []float64{0.01, 0.02, 2}, SpawnS: []float64{2}, PeakBytes: []int64{150 << 20}}
	class := &classRun{Students: 4, WallS: 60, CellsS: []float64{0.02, 0.04, 0.05, 4}, SpawnS: []float64{3, 4, 5, 6},
		PeakBytes: []int64{140 << 20, 160 << 20, 150 << 20, 200 << 20},
		PeakBy:    map[string]int64{"server": 100 << 20, "kernels": 90 << 20, "workers": 10 << 20}}
	var b bytes.Buffer
	writeClass(&b, &classReport{Students: 4, Notebooks: []string{"a", "b", "c"}, Alone: alone, Class: class,
		MemAvailable: 2000 << 20, MemTotal: 4000 << 20, Problems: []string{"s01: cell x: boom"}})
	out := b.String()
	for _, want := range []string{
		"| one student alone | 1        | 30.0 s",
		"| the class at once | 4        | 60.0 s",
		"took 2.00× as long as one student alone",
		"2.00× as much work",
		"median 155 MiB, max 200 MiB (server 100 MiB, kernels 90 MiB, workers 10 MiB)",
		"2000 MiB available of 4000 MiB before the class ran: about 10 students",
		"PROBLEM: s01: cell x: boom",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	rep := report{Class: &classReport{Problems: []string{"p"}, Errors: []string{"e"}}}
	if f := rep.failures(); len(f) != 2 || f[0] != "class: p" || f[1] != "class: e" {
		t.Errorf("failures = %q", f)
	}
}
