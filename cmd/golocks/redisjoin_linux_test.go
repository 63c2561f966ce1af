package main

import (
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/golocks/golocks/internal/redistest"
)

var holdingPid = regexp.MustCompile(`pid (\d+) on \S+: holding class:lock`)

// Kleppmann's paused holder, across processes: two runs join one fenced
// counter, each holding the lock 1s per increment (TTL 2s). Whichever
// holds it first is stopped (SIGSTOP: the process pause `podman pause`
// makes of a container) until the other has taken the expired lock and
// written; resumed, its write with the stale token is rejected, it takes
// the lock again, and the total is exact.
//
// If the stop came after the holder's write (a machine too loaded to stop
// it within its 1s hold), nothing is rejected and the trial is run again.
func TestRedisJoinPausedHolder(t *testing.T) {
	srv := redistest.Server(t)
	const trials = 3
	for trial := range trials {
		if code, _, errOut := golocks("redis", "--redis", srv.URL(), "--key", "class", "--reset"); code != 0 {
			t.Fatalf("--reset: exit %d: %s", code, errOut)
		}
		var ps [2]*joinProc
		for i := range ps {
			ps[i] = startGolocks(t, "redis", "--redis", srv.URL(), "--key", "class", "--join", "2",
				"--mode", "fenced", "--procs", "1", "--count", "1", "--hold", "1s", "--ttl", "2s", "--json")
		}
		// The first to hold the lock says so: stop that worker process.
		var paused, other *joinProc
		var pid int
		waitFor := func(what string, found func() bool) {
			if !waitUntil(found) {
				t.Fatalf("trial %d: no %s in a minute; stderr:\n%s\n---\n%s", trial, what, ps[0].stderr.String(), ps[1].stderr.String())
			}
		}
		waitFor("holder", func() bool {
			for i, p := range ps {
				if m := holdingPid.FindStringSubmatch(p.stderr.String()); m != nil {
					pid, _ = strconv.Atoi(m[1])
					paused, other = p, ps[1-i]
					return true
				}
			}
			return false
		})
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		// The other takes the lock once the stopped holder's TTL is out,
		// writes and waits for the stopped run to finish.
		waitFor("finished other run", func() bool { return strings.Contains(other.stderr.String(), "waiting for 1 more run(s) to finish") })
		syscall.Kill(pid, syscall.SIGCONT)
		a, b := paused.result(t), other.result(t)
		t.Logf("trial %d: stopped run:\n%s\nthe other:\n%s", trial, paused.stderr.String(), other.stderr.String())
		if a.Expected != 2 || a.Got != 2 || b.Got != 2 || a.Rejected == nil || b.Rejected == nil || *a.Rejected != *b.Rejected {
			t.Fatalf("trial %d: results %+v and %+v: want expected 2, got 2, one rejected total", trial, a, b)
		}
		if *a.Rejected == 0 {
			t.Logf("trial %d: the stop came after the holder's write: again", trial)
			continue
		}
		if !strings.Contains(paused.stderr.String(), "write with token") || !strings.Contains(paused.stderr.String(), "rejected: token") {
			t.Errorf("trial %d: the stopped run does not say its write was rejected:\n%s", trial, paused.stderr.String())
		}
		if strings.Contains(other.stderr.String(), "rejected") {
			t.Errorf("trial %d: the run that was never stopped had a write rejected:\n%s", trial, other.stderr.String())
		}
		return
	}
	t.Errorf("in %d trials no stop came within the holder's 1s hold", trials)
}
