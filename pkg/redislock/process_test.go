package redislock_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/internal/reexec"
	"github.com/golocks/golocks/pkg/redislock"
)

// helper returns an unstarted command running this binary in role.
func helper(role string, args ...string) *exec.Cmd {
	cmd := reexec.Command(role, args...)
	cmd.Stderr = os.Stderr
	return cmd
}

// runProcs runs procs "lock-increment" helpers on key and returns the count.
func runProcs(t *testing.T, url, k string, procs, n int, trace string) int {
	t.Helper()
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = helper("lock-increment", url, k, strconv.Itoa(n), trace)
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	got, err := client(t).Get(context.Background(), k).Int()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Processes taking turns on the lock never lose an update, and no two ever
// hold it at once: every recorded hold ends before the next begins.
func TestProcessesExactNoOverlap(t *testing.T) {
	const n = 150
	for _, procs := range []int{2, 4, 8} {
		t.Run(strconv.Itoa(procs), func(t *testing.T) {
			k := key(t)
			trace := k + ":trace"
			if got := runProcs(t, serverURL, k, procs, n, trace); got != procs*n {
				t.Errorf("count %d, want %d", got, procs*n)
			}
			lines, err := client(t).LRange(context.Background(), trace, 0, -1).Result()
			if err != nil {
				t.Fatal(err)
			}
			checkNoOverlap(t, lines, procs*n)
		})
	}
}

// checkNoOverlap checks that the holds "pid start end" are want in number
// and pairwise disjoint.
func checkNoOverlap(t *testing.T, lines []string, want int) {
	t.Helper()
	type span struct{ pid, start, end int64 }
	spans := make([]span, 0, len(lines))
	pids := map[int64]bool{}
	for _, line := range lines {
		var s span
		if _, err := fmt.Sscan(line, &s.pid, &s.start, &s.end); err != nil || s.end < s.start {
			t.Fatalf("trace line %q: %v", line, err)
		}
		spans = append(spans, s)
		pids[s.pid] = true
	}
	if len(spans) != want {
		t.Fatalf("%d holds recorded, want %d", len(spans), want)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	for i := 1; i < len(spans); i++ {
		if p, s := spans[i-1], spans[i]; s.start < p.end {
			t.Fatalf("pid %d took the lock %v before pid %d let go of it", s.pid, time.Duration(p.end-s.start), p.pid)
		}
	}
	t.Logf("%d holds by %d processes, none overlapping", len(spans), len(pids))
}

// startHelper starts a helper in role and returns once its first line on
// stdout starts with ready; it is killed at the end of t. Writing to in
// reaches its stdin; out reads the rest of its stdout.
func startHelper(t *testing.T, ready, role string, args ...string) (cmd *exec.Cmd, in io.WriteCloser, out *bufio.Reader) {
	t.Helper()
	cmd = helper(role, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	out = bufio.NewReader(pipe)
	line, err := out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, ready) {
		t.Fatalf("%s said %q, %v; want %q…", role, line, err, ready)
	}
	return cmd, in, out
}

// startHolder starts a "hold" helper and returns once it holds the lock.
func startHolder(t *testing.T, url, k string, ttl time.Duration) *exec.Cmd {
	cmd, _, _ := startHelper(t, "locked ", "hold", url, k, ttl.String())
	return cmd
}

// A holder killed with SIGKILL never unlocks: the timeout names it, and the
// lock's expiry frees the lock for the next one.
func TestKilledHolderExpires(t *testing.T) {
	c := client(t)
	k := key(t)
	const ttl = 2 * time.Second
	cmd := startHolder(t, serverURL, k, ttl)

	l := redislock.New(c, k)
	err := l.LockTimeout(10 * time.Millisecond)
	var te *redislock.TimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), fmt.Sprintf("held by pid %d ", cmd.Process.Pid)) {
		t.Fatalf("lock held by pid %d: %v, want a *TimeoutError naming it", cmd.Process.Pid, err)
	}

	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no chance to unlock
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := l.LockTimeout(ttl + time.Minute); err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// The server is killed while processes take turns: each ends with an
// error naming the server rather than waiting for it.
func TestServerKilled(t *testing.T) {
	srv, err := redisserver.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	k := key(t)

	// Processes that would take minutes, started; then the server dies.
	cmds := make([]*exec.Cmd, 3)
	outs := make([]*strings.Builder, len(cmds))
	for i := range cmds {
		cmds[i] = helper("lock-increment", srv.URL(), k, "100000000")
		outs[i] = &strings.Builder{}
		cmds[i].Stderr = outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, cmd := range cmds {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		if n, _ := c.Get(context.Background(), k).Int(); n >= 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the processes never got going")
		}
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}

	// Each must end on its own, with an error about the socket. The bound
	// is for a hang, not a speed: the clients give up within seconds.
	for i, cmd := range cmds {
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("process %d succeeded with its server gone", i)
			}
		case <-time.After(time.Minute):
			t.Fatalf("process %d still running a minute after the server died", i)
		}
		msg := outs[i].String()
		t.Logf("process %d: %s", i, strings.TrimSpace(msg))
		socket := strings.TrimPrefix(srv.String(), "unix://:xxxxx@")
		if !strings.Contains(msg, socket) {
			t.Errorf("process %d said %q: want the server's socket named", i, msg)
		}
	}
}

// startVictim starts a "victim" helper and returns once it holds the lock
// and has read the counter; writing a line to its stdin lets it go on.
func startVictim(t *testing.T, k string, ttl time.Duration, before int, mode string) (*exec.Cmd, io.WriteCloser, *bufio.Reader) {
	return startHelper(t, "holding ", "victim", serverURL, k, ttl.String(), strconv.Itoa(before), mode)
}

// startFenced starts procs "fenced-increment" helpers of n increments.
func startFenced(t *testing.T, k string, ttl time.Duration, procs, n int) []*exec.Cmd {
	t.Helper()
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = helper("fenced-increment", serverURL, k, strconv.Itoa(n), ttl.String())
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	return cmds
}

func waitAll(t *testing.T, cmds []*exec.Cmd) {
	t.Helper()
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
}

func fencedCount(t *testing.T, k string) int {
	t.Helper()
	s, _, err := redislock.NewFenced(client(t), k).Value()
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("counter %q: %v", s, err)
	}
	return n
}

// A process SIGKILLed while it holds the lock, between its read and its
// write: the lock's expiry lets the others on, and no fenced write is lost,
// neither theirs nor those the victim made before.
func TestKilledHolderLosesNoFencedWrite(t *testing.T) {
	k := key(t)
	const ttl, before, procs, n = time.Second, 20, 3, 100
	victim, _, _ := startVictim(t, k, ttl, before, "fenced")
	others := startFenced(t, k, ttl, procs, n)
	if err := victim.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	victim.Wait()
	waitAll(t, others)
	if got := fencedCount(t, k); got != before+procs*n {
		t.Errorf("count %d, want %d: the victim's %d and the others' %d", got, before+procs*n, before, procs*n)
	}
}

// Kleppmann across processes: a holder stops (between its read and its
// write) past its TTL while others take the lock and count; then it
// writes. Unfenced, its write lands and wipes out their work; fenced, it
// is rejected and nothing is lost.
func TestPausedHolderProcesses(t *testing.T) {
	const ttl, procs, n = 300 * time.Millisecond, 2, 50
	for _, mode := range []string{"plain", "fenced"} {
		t.Run(mode, func(t *testing.T) {
			k := key(t)
			_, in, out := startVictim(t, k, ttl, 0, mode)
			var others []*exec.Cmd
			if mode == "fenced" {
				others = startFenced(t, k, ttl, procs, n)
			} else {
				for range procs {
					cmd := helper("lock-increment", serverURL, k, strconv.Itoa(n))
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					others = append(others, cmd)
				}
			}
			waitAll(t, others)
			fmt.Fprintln(in, "go on")
			line, err := out.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			line = strings.TrimSpace(line)
			if mode == "fenced" {
				if got := fencedCount(t, k); line != "rejected" || got != procs*n {
					t.Errorf("the stopped holder said %q; count %d; want its write rejected and %d", line, got, procs*n)
				}
				return
			}
			got, _ := client(t).Get(context.Background(), k).Int()
			if line != "wrote 1" || got != 1 {
				t.Errorf("the stopped holder said %q; count %d; want its write to land, 1", line, got)
			}
		})
	}
}
