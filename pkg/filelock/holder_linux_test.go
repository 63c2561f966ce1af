package filelock

import "testing"

func TestParseLocksLine(t *testing.T) {
	const want = "fe:0:9978708"
	cases := []struct {
		line string
		pid  int
		ok   bool
	}{
		{"1: FLOCK  ADVISORY  WRITE 5375 fe:00:9978708 0 EOF\n", 5375, true},
		{"2: POSIX  ADVISORY  WRITE 42 fe:00:9978708 0 EOF\n", 42, true}, // fcntl, e.g. Python fasteners
		{"1: -> FLOCK  ADVISORY  WRITE 5380 fe:00:9978708 0 EOF\n", 0, false},
		{"3: FLOCK  ADVISORY  WRITE 5375 fe:00:9978709 0 EOF\n", 0, false},
		{"3: FLOCK  ADVISORY  WRITE 5375 08:01:9978708 0 EOF\n", 0, false},
		{"4: OFDLCK ADVISORY  WRITE -1 fe:00:9978708 0 EOF\n", 0, false},
		{"garbage\n", 0, false},
	}
	for _, c := range cases {
		pid, ok := parseLocksLine(c.line, want)
		if pid != c.pid || ok != c.ok {
			t.Errorf("parseLocksLine(%q) = %d, %v; want %d, %v", c.line, pid, ok, c.pid, c.ok)
		}
	}
}
