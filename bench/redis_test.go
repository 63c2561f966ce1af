package main

import (
	"bytes"
	"strings"
	"testing"
)

// The Redis section's own logic: formatting, failures and the table.
// Nothing is timed; no server is needed.

func TestFormatRedis(t *testing.T) {
	cases := []struct {
		mode  string
		perOp float64
		want  string
	}{
		{"incr", 20e-6, "50.0k/s (20.0 µs)"},
		{"lock", 150e-6, "6666/s (150 µs)"},
		{"lockcost", 70e-6, "70.0 µs"},
		{"incr", 0, "—"},
	}
	for _, c := range cases {
		if got := formatRedis(c.mode, c.perOp); got != c.want {
			t.Errorf("formatRedis(%s, %g) = %q, want %q", c.mode, c.perOp, got, c.want)
		}
	}
}

func TestRedisReport(t *testing.T) {
	ok := result{Expected: 100, Got: 100, Elapsed: 0.01}
	short := result{Expected: 100, Got: 90, Lost: 10, Elapsed: 0.01}
	rr := redisReport{Server: "redis-server 7.0.15 at unix://xxxxx@/tmp/s", Warmup: 1, Rows: []redisRow{
		{Mode: "incr", Procs: 4, Count: 25, Golocks: []result{ok, ok}, Python: []result{ok, ok}},
		{Mode: "lock", Procs: 8, Count: 25, Golocks: []result{ok, short}, Python: []result{ok, ok}},
	}}
	f := rr.failures()
	if len(f) != 1 || !strings.Contains(f[0], "lock, 8 procs: golocks run 2 lost 10 of 100") {
		t.Errorf("failures %q, want the one lost run", f)
	}
	var b bytes.Buffer
	writeRedis(&b, rr, 1)
	out := b.String()
	for _, want := range []string{"| INCR ", "| GET + SET under the Redis lock ", "10.0k/s (100 µs)", "1.00×", "0 10 0 0", "xxxxx"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
