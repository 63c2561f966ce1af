package workbook_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/redistest"
)

// runGoroutines runs c.Run(n) in g goroutines, each with its own
// connection, and returns the totals.
func runGoroutines(t *testing.T, c workbook.RedisCounter, g, n int) workbook.RedisTotals {
	t.Helper()
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, g)
	for range g {
		wg.Go(func() { errs <- c.Run(n) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	tot, err := c.Read()
	if err != nil {
		t.Fatal(err)
	}
	return tot
}

// Every mode but racy is exact, every time; racy never counts more than it
// was asked to.
func TestRedisModes(t *testing.T) {
	url := redistest.Server(t).URL()
	const g, n = 4, 300
	for _, mode := range workbook.RedisModes() {
		for trial := range 2 {
			c := workbook.RedisCounter{URL: url, Key: "counter-" + mode, Mode: mode}
			tot := runGoroutines(t, c, g, n)
			t.Logf("%s, trial %d: %+v", mode, trial, tot)
			switch {
			case tot.Count < 0 || tot.Count > g*n:
				t.Errorf("%s: count %d outside [0, %d]", mode, tot.Count, g*n)
			case mode != "racy" && tot.Count != g*n:
				t.Errorf("%s: count %d, want exactly %d", mode, tot.Count, g*n)
			}
			if mode != "watch" && tot.Retries != 0 || mode != "fenced" && tot.Rejected != 0 {
				t.Errorf("%s: %+v: retries only for watch, refusals only for fenced", mode, tot)
			}
		}
	}
}

// GET then SET from several clients loses updates: over a bounded number
// of trials, at least one does.
func TestRedisRacyLosesUpdates(t *testing.T) {
	c := workbook.RedisCounter{URL: redistest.Server(t).URL(), Key: "counter", Mode: "racy"}
	const trials, g, n = 10, 4, 1000
	for i := range trials {
		if tot := runGoroutines(t, c, g, n); tot.Count < g*n {
			t.Logf("trial %d: %d of %d", i, tot.Count, g*n)
			return
		}
	}
	t.Errorf("no update lost in %d trials of %d×%d racy increments", trials, g, n)
}

// Kleppmann's paused holder: without fencing its late write lands and B's
// increments are lost; with fencing it is refused and redone. Every time.
func TestPausedHolder(t *testing.T) {
	url := redistest.Server(t).URL()
	for trial := range 2 {
		for _, fenced := range []bool{false, true} {
			r, err := workbook.PausedHolder(url, "counter", fenced)
			if err != nil {
				t.Fatal(err)
			}
			if r.Expected != 4 {
				t.Fatalf("expected %d, want 4 (A's one and B's three)", r.Expected)
			}
			var kinds []string
			rows := map[string]bool{}
			for _, e := range r.Events {
				kinds = append(kinds, e.Who+":"+e.What)
				rows[e.Who] = true
				if e.Label == "" || e.End.Before(e.Start) || e.Start.IsZero() {
					t.Errorf("event %+v: want a label and a start before its end", e)
				}
			}
			got := strings.Join(kinds, " ")
			t.Logf("trial %d, fenced %v: got %d of %d; %s", trial, fenced, r.Got, r.Expected, got)
			if !fenced {
				if r.Got != 1 || r.Lost() != 3 || !strings.Contains(got, "A:write") || strings.Contains(got, "rejected") {
					t.Errorf("unfenced: got %d (lost %d), events %s; want 1 (B's 3 lost) and A's write landing", r.Got, r.Lost(), got)
				}
			} else {
				if r.Got != 4 || r.Lost() != 0 || !strings.Contains(got, "A:rejected") || strings.Contains(got, "A:write") {
					t.Errorf("fenced: got %d, events %s; want 4 and A's write rejected", r.Got, got)
				}
			}
			if strings.Count(got, "B:hold") != 3 || !strings.Contains(got, "A:pause") || len(rows) != 2 {
				t.Errorf("events %s: want A's hold and pause and B's three holds", got)
			}
		}
	}
}

// Paused runs the notebook's pause and fencing check: a pause past the TTL
// loses B's increments without a check, a check that refuses older tokens
// saves them, a pause within the TTL loses nothing, and a check that
// refuses a holder's own token stops B with an error saying so.
func TestPausedWithTheNotebooksParts(t *testing.T) {
	url := redistest.Server(t).URL()
	long := func(ttl time.Duration) { time.Sleep(ttl + ttl/2) }
	short := func(time.Duration) {}
	fence := func(token, newest int64) bool { return token >= newest }
	strict := func(token, newest int64) bool { return token > newest }
	always := func(int64, int64) bool { return true }
	for _, tc := range []struct {
		name   string
		x      workbook.Paused
		got    int64
		events string // kinds that must appear
		err    string
	}{
		{"no fencing", workbook.Paused{Pause: long}, 1, "A:write", ""},
		{"a check that accepts all", workbook.Paused{Pause: long, Accept: always}, 1, "A:write", ""},
		{"fenced", workbook.Paused{Pause: long, Accept: fence}, 4, "A:rejected", ""},
		{"in time", workbook.Paused{Pause: short}, 4, "A:write", ""},
		{"own token refused", workbook.Paused{Pause: long, Accept: strict}, 0, "", "client B: |rejected"},
		{"a panicking pause", workbook.Paused{Pause: func(time.Duration) { panic("oops") }}, 0, "", "A's pause panicked: oops"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.x.URL, tc.x.Key = url, "paused-"+strings.ReplaceAll(tc.name, " ", "-")
			r, err := tc.x.Run()
			if tc.err != "" {
				for _, part := range strings.Split(tc.err, "|") {
					if err == nil || !strings.Contains(err.Error(), part) {
						t.Errorf("err = %v, want one mentioning %q", err, part)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, e := range r.Events {
				kinds = append(kinds, e.Who+":"+e.What)
			}
			got := strings.Join(kinds, " ")
			if r.Got != tc.got || r.Expected != 4 || !strings.Contains(got, tc.events) || strings.Count(got, "B:hold") != 3 {
				t.Errorf("got %d of %d, events %s; want %d and %s among them", r.Got, r.Expected, got, tc.got, tc.events)
			}
		})
	}
}

func TestRedisBadInput(t *testing.T) {
	url := redistest.Server(t).URL()
	bad := []workbook.RedisCounter{
		{URL: url, Key: "counter", Mode: "bogus"},
		{URL: url, Key: "", Mode: "incr"},
		{URL: "redis://:sekrit@127.0.0.1:port", Key: "counter", Mode: "incr"},
		{URL: "unix:///no/such/redis.sock", Key: "counter", Mode: "incr"},
	}
	for _, c := range bad {
		err := c.Run(10)
		if err == nil || strings.Contains(err.Error(), "sekrit") {
			t.Errorf("%+v: Run = %v, want an error without the password", c, err)
		}
	}
	if err := (workbook.RedisCounter{URL: url, Key: "k", Mode: "incr"}).Run(-1); err == nil {
		t.Error("Run(-1) succeeded")
	}
	if err := workbook.RedisWork(0, url, "k", "incr"); err != nil {
		t.Errorf("RedisWork(0, ...) = %v", err)
	}
	// A key of the wrong type: the server's error, naming the server.
	c := workbook.RedisCounter{URL: url, Key: "fenced-then-incr", Mode: "fenced"}
	if err := c.Run(1); err != nil {
		t.Fatal(err)
	}
	c.Mode = "incr"
	err := c.Run(1)
	if err == nil || !strings.Contains(err.Error(), "WRONGTYPE") || !strings.Contains(err.Error(), strings.Split(url, "@")[1]) {
		t.Errorf("INCR of a hash: %v, want WRONGTYPE naming the server", err)
	}
}

func TestRedisKey(t *testing.T) {
	t.Setenv("JUPYTERHUB_USER", "ada")
	t.Setenv("USER", "jovyan")
	if got := workbook.RedisKey("counter"); got != "golocks:ada:counter" {
		t.Errorf("on a hub: %q", got)
	}
	t.Setenv("JUPYTERHUB_USER", "")
	if got := workbook.RedisKey("counter"); got != "golocks:jovyan:counter" {
		t.Errorf("off a hub: %q", got)
	}
	t.Setenv("USER", "")
	if got := workbook.RedisKey("counter"); got != "golocks:student:counter" {
		t.Errorf("no user: %q", got)
	}
}

// A Hold between each read and write changes nothing for holders that are
// never paused: lock and fenced stay exact, nothing is refused; a negative
// Hold is refused before the server is touched.
func TestRedisHold(t *testing.T) {
	url := redistest.Server(t).URL()
	for _, mode := range []string{workbook.RedisLock, workbook.RedisFenced} {
		c := workbook.RedisCounter{URL: url, Key: "held-" + mode, Mode: mode, Hold: 20 * time.Millisecond}
		if tot := runGoroutines(t, c, 2, 3); tot.Count != 6 || tot.Rejected != 0 {
			t.Errorf("%s with a hold: %+v, want 6 and nothing refused", mode, tot)
		}
	}
	c := workbook.RedisCounter{URL: url, Key: "held", Mode: workbook.RedisFenced, Hold: -time.Second}
	if err := c.Check(1); err == nil || !strings.Contains(err.Error(), "hold -1s is negative") {
		t.Errorf("Check with a negative hold: %v", err)
	}
}
