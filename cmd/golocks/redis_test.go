package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/redistest"
)

// redisJSON runs `golocks redis ... --json` and decodes its one line,
// checking it has exactly the keys of count and shared plus extra.
func redisJSON(t *testing.T, extra string, args ...string) map[string]float64 {
	t.Helper()
	code, out, errOut := golocks(append([]string{"redis"}, append(args, "--json")...)...)
	if code != 0 {
		t.Fatalf("golocks redis %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	var r map[string]float64
	if err := json.Unmarshal([]byte(out), &r); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("stdout %q is not one JSON object: %v", out, err)
	}
	want := []string{"expected", "got", "lost", "elapsed_s"}
	if extra != "" {
		want = append(want, extra)
	}
	for _, k := range want {
		if _, ok := r[k]; !ok {
			t.Fatalf("JSON %s lacks %q", out, k)
		}
	}
	if len(r) != len(want) {
		t.Fatalf("JSON %s: want exactly the keys %v", out, want)
	}
	if r["lost"] != r["expected"]-r["got"] || r["elapsed_s"] <= 0 {
		t.Fatalf("inconsistent result %s", out)
	}
	return r
}

var redisExtra = map[string]string{"watch": "retries", "fenced": "rejected"}

// Every mode but racy is exact, in every trial, with 2, 4 and 8 processes.
func TestRedisExact(t *testing.T) {
	srv := redistest.Server(t)
	for _, mode := range []string{"incr", "watch", "lock", "fenced"} {
		for _, procs := range []int{2, 4, 8} {
			for trial := range 2 {
				r := redisJSON(t, redisExtra[mode], "--redis", srv.URL(), "--procs", fmt.Sprint(procs), "--count", "300", "--mode", mode)
				if r["lost"] != 0 || r["got"] != float64(300*procs) {
					t.Errorf("%s, %d procs, trial %d: %v, want exactly %d", mode, procs, trial, r, 300*procs)
				}
			}
		}
	}
}

// Racy never counts more than asked, and loses updates within a bounded
// number of trials.
func TestRedisRacyLosesUpdates(t *testing.T) {
	srv := redistest.Server(t)
	const trials = 10
	for i := range trials {
		r := redisJSON(t, "", "--redis", srv.URL(), "--procs", "4", "--count", "2000", "--mode", "racy")
		if r["got"] > r["expected"] || r["got"] < 0 {
			t.Fatalf("trial %d: %v: outside [0, expected]", i, r)
		}
		if r["lost"] > 0 {
			return
		}
	}
	t.Errorf("no update lost in %d racy trials of 4×2000", trials)
}

// Without --redis the command brings its own server and takes it away.
func TestRedisPrivateServer(t *testing.T) {
	redistest.Need(t)
	code, out, errOut := golocks("redis", "--procs", "2", "--count", "100", "--mode", "fenced", "--ttl", "5s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var exp, got, lost, rejected int
	var secs float64
	if _, err := fmt.Sscanf(out, "expected %d got %d lost %d in %fs rejected %d\n", &exp, &got, &lost, &secs, &rejected); err != nil || got != 200 || lost != 0 {
		t.Errorf("output %q: want 'expected 200 got 200 lost 0 in S.SSSs rejected N' (%v)", out, err)
	}
	if pids := childrenNamed("redis-server"); len(pids) != 0 {
		t.Errorf("redis-server %v still running after the command", pids)
	}
	// The check can see one: a server of this test's own.
	s := redistest.Server(t)
	if pids := childrenNamed("redis-server"); len(pids) != 1 || pids[0] != s.PID() {
		t.Errorf("children named redis-server: %v, want [%d]", pids, s.PID())
	}
}

// childrenNamed returns the pids of this process's children whose command
// name (/proc/PID/comm) is name. Zombies count: a child not yet reaped.
func childrenNamed(name string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		stat, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue
		}
		open, end := strings.IndexByte(string(stat), '('), strings.LastIndexByte(string(stat), ')')
		if open < 0 || end < open {
			continue
		}
		f := strings.Fields(string(stat[end+1:]))
		if string(stat[open+1:end]) != name || len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		pids = append(pids, pid)
	}
	return pids
}

// The server dies, or hangs (SIGSTOP), mid-run: the command ends, exit 1,
// with errors naming the server, and every worker says so too.
func TestRedisServerKilled(t *testing.T) {
	for _, how := range []string{"killed", "stopped"} {
		t.Run(how, func(t *testing.T) { serverFails(t, how) })
	}
}

func serverFails(t *testing.T, how string) {
	srv := redistest.Server(t)
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	const procs = 3
	type outcome struct {
		code        int
		out, errOut string
	}
	done := make(chan outcome, 1)
	go func() {
		code, out, errOut := golocks("redis", "--redis", srv.URL(), "--procs", fmt.Sprint(procs), "--count", "50000000", "--mode", "lock", "--key", "k")
		done <- outcome{code, out, errOut}
	}()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(2 * time.Millisecond) {
		if n, _ := rdb.Get(context.Background(), "k").Int(); n >= 100 {
			break
		}
		select {
		case o := <-done:
			t.Fatalf("the run ended before the server failed: %+v", o)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the workers never got going")
		}
	}
	if how == "killed" {
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
	} else {
		syscall.Kill(srv.PID(), syscall.SIGSTOP)
		// Stop (at cleanup) kills it, stopped or not.
	}
	var o outcome
	select {
	case o = <-done:
	case <-time.After(time.Minute): // far beyond the clients' few seconds
		t.Fatalf("golocks redis still running a minute after its server was %s", how)
	}
	socket := strings.SplitN(srv.URL(), "@", 2)[1]
	if o.code != 1 || o.out != "" {
		t.Errorf("exit %d, stdout %q; want 1 and no result", o.code, o.out)
	}
	last := o.errOut[strings.LastIndex(strings.TrimSuffix(o.errOut, "\n"), "\n")+1:]
	if !strings.HasPrefix(last, "golocks redis: ") || !strings.Contains(last, socket) {
		t.Errorf("last line %q: want the command's error naming %s", last, socket)
	}
	named := 0
	for _, part := range strings.Split(o.errOut, "; ") {
		if strings.Contains(part, "redis counter k (lock)") && strings.Contains(part, socket) {
			named++
		}
	}
	if named != procs {
		t.Errorf("%d of %d workers named the server:\n%s", named, procs, o.errOut)
	}
	password := strings.TrimPrefix(strings.SplitN(srv.URL(), "@", 2)[0], "unix://:")
	if strings.Contains(o.errOut, "panic") || strings.Contains(o.errOut, password[:8]) {
		t.Errorf("stderr shows a crash or the password:\n%s", o.errOut)
	}
	t.Logf("stderr:\n%s", o.errOut)
}

func TestRedisBadInput(t *testing.T) {
	srv := redistest.Server(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "redis://:sekrit@" + l.Addr().String()
	l.Close()
	socket := strings.SplitN(srv.URL(), "@", 2)[1]
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	counter := workbook.RedisKey("counter") // --key's default
	rdb.Set(context.Background(), counter, "42", 0)

	cases := [][]string{
		{"--redis", refused},
		{"--redis", "redis://:sekrit@host:port"},
		{"--redis", "http://:sekrit@localhost"},
		{"--redis", "unix://:sekrit@" + socket}, // wrong password
		{"--redis", "unix://" + socket},         // none
		{"--redis", srv.URL(), "--count", "0"},
		{"--redis", srv.URL(), "--count", "-3"},
		{"--redis", srv.URL(), "--count", "x"},
		{"--redis", srv.URL(), "--procs", "0"},
		{"--redis", srv.URL(), "--mode", "bogus"},
		{"--redis", srv.URL(), "--ttl", "-1s"},
		{"--redis", srv.URL(), "--ttl", "soon"},
		{"--redis", srv.URL(), "--key", " "},
		{"--redis", srv.URL(), "stray"},
		{"--redis", srv.URL(), "--count", "1000000000"},                // cannot finish in the run's bound
		{"--redis", srv.URL(), "--procs", "2", "--count", "200000000"}, // nor can all together
		{"--redis", srv.URL(), "--procs", "100000"},
	}
	for _, args := range cases {
		code, out, errOut := golocks(append([]string{"redis"}, args...)...)
		name := strings.Join(args, " ")
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", name, code, errOut)
		}
		if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "golocks redis: ") {
			t.Errorf("%s: stderr %q, want one line", name, errOut)
		}
		if strings.Contains(errOut, "sekrit") || strings.Contains(errOut, "panic") {
			t.Errorf("%s: stderr %q shows the password or a crash", name, errOut)
		}
		if out != "" {
			t.Errorf("%s: printed %q on stdout", name, out)
		}
		if v, _ := rdb.Get(context.Background(), counter).Result(); v != "42" {
			t.Fatalf("%s: the counter now holds %q, want it untouched", name, v)
		}
	}
}
