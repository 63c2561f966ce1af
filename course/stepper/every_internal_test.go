package stepper

import "testing"

// The symbolic count of the workbook's schedules, by hand for 2 × 1: of
// the 20 orders of A's and B's read, truncate, write, the 12 that start
// with both reads are 6 pairs that differ only in which read came first:
// 20 - 6 = 14.
func TestCountSchedules(t *testing.T) {
	if n, more := countSchedules([]int{1, 1}, false, 1000); n != 14 || more {
		t.Errorf("2 × 1: %d", n)
	}
	// Locked: one process's whole call, then the other's, either way.
	if n, _ := countSchedules([]int{1, 1}, true, 1000); n != 2 {
		t.Errorf("2 × 1 locked: %d", n)
	}
	for _, c := range [][]int{{2, 2}, {3, 3}, {1, 1, 1}, {4, 4}} {
		n, more := countSchedules(c, false, 100000)
		t.Logf("%v: %d %v (%s interleavings)", c, n, more, interleavings(c, false))
	}
}
