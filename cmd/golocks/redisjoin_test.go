package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/internal/redistest"
)

// syncBuffer is a bytes.Buffer a process writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// joinProc is `golocks redis` running as a process of its own (the test
// binary as main: see TestMain), as on another machine.
type joinProc struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{}
	code           int
}

func startGolocks(t *testing.T, args ...string) *joinProc {
	t.Helper()
	p := &joinProc{done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], args...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.WaitDelay = 10 * time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process's end, failing t after a bound far beyond
// any run's.
func (p *joinProc) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("golocks %s still running after 3 minutes; stderr:\n%s", strings.Join(p.cmd.Args[1:], " "), p.stderr.String())
	}
}

// joinResult is a --join run's JSON.
type joinResult struct {
	Expected, Got, Lost int64
	Elapsed             float64 `json:"elapsed_s"`
	Retries, Rejected   *int64
	Runs                int
	ThisRun             int64 `json:"this_run"`
}

func (p *joinProc) result(t *testing.T) joinResult {
	t.Helper()
	p.wait(t)
	name := "golocks " + strings.Join(p.cmd.Args[1:], " ")
	if p.code != 0 {
		t.Fatalf("%s: exit %d; stderr:\n%s", name, p.code, p.stderr.String())
	}
	var r joinResult
	out := p.stdout.String()
	if err := json.Unmarshal([]byte(out), &r); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("%s: stdout %q is not one JSON object: %v", name, out, err)
	}
	if r.Lost != r.Expected-r.Got || r.Elapsed <= 0 {
		t.Fatalf("%s: inconsistent result %s", name, out)
	}
	return r
}

// joinRun resets key, runs `golocks redis --join 2` in two processes at
// once with args, and returns both results, checked to be one total.
func joinRun(t *testing.T, url, key string, args ...string) [2]joinResult {
	t.Helper()
	if code, _, errOut := golocks("redis", "--redis", url, "--key", key, "--reset"); code != 0 {
		t.Fatalf("--reset: exit %d: %s", code, errOut)
	}
	var ps [2]*joinProc
	for i := range ps {
		ps[i] = startGolocks(t, append([]string{"redis", "--redis", url, "--key", key, "--join", "2", "--json"}, args...)...)
	}
	var rs [2]joinResult
	for i, p := range ps {
		rs[i] = p.result(t)
	}
	a, b := rs[0], rs[1]
	if a.Expected != b.Expected || a.Got != b.Got || a.Runs != 2 || b.Runs != 2 || a.Expected != a.ThisRun+b.ThisRun {
		t.Fatalf("the two runs disagree on the total: %+v and %+v", a, b)
	}
	return rs
}

// Two processes joining one key count one total: every mode but racy
// exactly, racy never more than asked.
func TestRedisJoinTotal(t *testing.T) {
	srv := redistest.Server(t)
	for _, mode := range []string{"racy", "incr", "watch", "lock", "fenced"} {
		rs := joinRun(t, srv.URL(), "class", "--mode", mode, "--procs", "2", "--count", "300")
		r := rs[0]
		if r.Expected != 1200 || r.ThisRun != 600 {
			t.Errorf("%s: expected %d, this run %d; want 1200 and 600", mode, r.Expected, r.ThisRun)
		}
		if mode == "racy" {
			if r.Got > r.Expected || r.Got < 1 {
				t.Errorf("racy: got %d, want 1..%d", r.Got, r.Expected)
			}
		} else if r.Got != r.Expected {
			t.Errorf("%s: got %d, want exactly %d", mode, r.Got, r.Expected)
		}
		if (mode == "watch") != (r.Retries != nil) || (mode == "fenced") != (r.Rejected != nil) {
			t.Errorf("%s: retries %v, rejected %v: want each in its mode only", mode, r.Retries, r.Rejected)
		}
	}
}

// Two racy processes on one key lose updates within a bounded number of
// trials: the start barrier makes them count at once.
func TestRedisJoinRacyLoses(t *testing.T) {
	srv := redistest.Server(t)
	const trials = 10
	for i := range trials {
		r := joinRun(t, srv.URL(), "class", "--mode", "racy", "--procs", "1", "--count", "3000")[0]
		if r.Lost > 0 {
			t.Logf("trial %d: %+v", i, r)
			return
		}
	}
	t.Errorf("no update lost in %d trials of two racy runs joined", trials)
}

// The reset clears the counter and the session; a new session can then
// be joined, where the old one could not.
func TestRedisJoinReset(t *testing.T) {
	srv := redistest.Server(t)
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()
	joinRun(t, srv.URL(), "class", "--mode", "fenced", "--procs", "1", "--count", "10")

	// A third run of a finished session of two is refused: reset first.
	code, out, errOut := golocks("redis", "--redis", srv.URL(), "--key", "class", "--join", "2", "--mode", "fenced")
	if code != 2 || out != "" || !strings.Contains(errOut, "2 of 2 runs have joined class already: reset it first: golocks redis --redis") {
		t.Errorf("joining a finished session: exit %d, stdout %q, stderr %q; want 2 and the reset command", code, out, errOut)
	}
	code, out, errOut = golocks("redis", "--redis", srv.URL(), "--key", "class", "--reset")
	if code != 0 || out != "reset class\n" || errOut != "" {
		t.Fatalf("--reset: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	left, err := rdb.Keys(ctx, "class*").Result()
	if err != nil || len(left) != 0 {
		t.Errorf("after --reset the keys %v (%v) are left", left, err)
	}
	code, out, _ = golocks("redis", "--redis", srv.URL(), "--key", "class", "--reset", "--json")
	if code != 0 || out != `{"reset":"class"}`+"\n" {
		t.Errorf("--reset --json: exit %d, stdout %q", code, out)
	}
	joinRun(t, srv.URL(), "class", "--mode", "incr", "--procs", "1", "--count", "10")
}

// A run alone past --wait leaves the session as it found it and fails;
// a waiting run learns at once that another run failed.
func TestRedisJoinWaits(t *testing.T) {
	srv := redistest.Server(t)
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()

	code, out, errOut := golocks("redis", "--redis", srv.URL(), "--key", "alone", "--join", "2", "--wait", "200ms", "--mode", "incr")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	last := lines[len(lines)-1]
	if code != 1 || out != "" || last != "golocks redis: join alone: 1 of 2 runs joined within 200ms: no total" {
		t.Errorf("alone: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if keys, _ := rdb.Keys(ctx, "alone*").Result(); len(keys) != 0 {
		t.Errorf("the run that gave up left %v", keys)
	}

	p := startGolocks(t, "redis", "--redis", srv.URL(), "--key", "failing", "--join", "2", "--mode", "incr")
	waitOutput(t, &p.stderr, "waiting for 1 more to join")
	rdb.Incr(ctx, "failing:join:failed")
	p.wait(t)
	if p.code != 1 || !strings.Contains(p.stderr.String(), "join failing: 1 run(s) of the session failed: no total") {
		t.Errorf("another run failed: exit %d, stderr %q", p.code, p.stderr.String())
	}
}

// waitOutput waits until b holds want, at most a minute.
func waitOutput(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(b.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in a minute; output:\n%s", want, b.String())
		}
	}
}

func TestRedisJoinBadInput(t *testing.T) {
	srv := redistest.Server(t)
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()
	rdb.Set(ctx, "used", "42", 0)                         // a count, never reset
	rdb.Set(ctx, "other:join", "1", 0)                    // a session counting with
	rdb.Set(ctx, "other:join:as", "mode racy, 2 runs", 0) // another mode

	u := srv.URL()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--join", "2"}, "--reset and --join need --redis URL"},
		{[]string{"--reset"}, "--reset and --join need --redis URL"},
		{[]string{"--redis", u, "--reset", "--join", "2"}, "--reset with --join"},
		{[]string{"--redis", u, "--reset", "--mode", "incr"}, "--reset with --mode"},
		{[]string{"--redis", u, "--join", "0"}, "--join: 0 is not a number of runs from 1 to 100"},
		{[]string{"--redis", u, "--join", "101"}, "--join: 101"},
		{[]string{"--redis", u, "--join", "two"}, "invalid value"},
		{[]string{"--redis", u, "--wait", "1s"}, "--wait needs --join"},
		{[]string{"--redis", u, "--join", "2", "--wait", "0s"}, "--wait: 0s is not a duration"},
		{[]string{"--redis", u, "--join", "2", "--wait", "2h"}, "--wait: 2h0m0s"},
		{[]string{"--redis", u, "--hold", "1s"}, "--hold: mode racy takes no lock"},
		{[]string{"--redis", u, "--mode", "incr", "--hold", "1s"}, "--hold: mode incr takes no lock"},
		{[]string{"--redis", u, "--mode", "lock", "--hold", "-1s"}, "--hold: -1s is negative"},
		{[]string{"--redis", u, "--mode", "fenced", "--hold", "1s", "--count", "100"}, "the holds alone would outlast"},
		{[]string{"--redis", u, "--mode", "fenced", "--hold", "1s", "--count", "20", "--procs", "2", "--join", "2"}, "the holds alone would outlast"},
		{[]string{"--redis", u, "--key", "used", "--join", "2"}, "--join: used already holds a count that no run of this session made: reset it first: golocks redis --redis"},
		{[]string{"--redis", u, "--key", "other", "--join", "2", "--mode", "incr"}, "--join: other is counted with mode racy, 2 runs, this run asks mode incr, 2 runs"},
		{[]string{"--redis", u, "--key", "other", "--join", "3", "--mode", "racy"}, "this run asks mode racy, 3 runs"},
	}
	for _, c := range cases {
		code, out, errOut := golocks(append([]string{"redis"}, c.args...)...)
		name := strings.Join(c.args, " ")
		if code != 2 || out != "" || strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "golocks redis: ") || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", name, code, out, errOut, c.want)
		}
		if strings.Contains(errOut, "panic") {
			t.Errorf("%s: %s", name, errOut)
		}
	}
	if v, _ := rdb.Get(ctx, "used").Result(); v != "42" {
		t.Errorf("a refused join changed the counter to %q", v)
	}
	if v, _ := rdb.Get(ctx, "other:join").Result(); v != "1" {
		t.Errorf("a refused join changed the session to %q runs", v)
	}
}

// A password in --redis never shows in the advice to reset.
func TestRedisJoinAdviceRedacted(t *testing.T) {
	srv := redistest.Server(t)
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	rdb.Set(context.Background(), "used", "1", 0)
	code, _, errOut := golocks("redis", "--redis", srv.URL(), "--key", "used", "--join", "2")
	password := strings.TrimPrefix(strings.SplitN(srv.URL(), "@", 2)[0], "unix://:")
	if code != 2 || strings.Contains(errOut, password) || !strings.Contains(errOut, "--key used --reset") {
		t.Errorf("exit %d, stderr %q: want the reset command without the password", code, errOut)
	}
}

// waitUntil polls found for at most a minute.
func waitUntil(found func() bool) bool {
	for deadline := time.Now().Add(time.Minute); !found(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
