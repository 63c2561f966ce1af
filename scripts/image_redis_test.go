//go:build e2e

package scripts_test

// TestImageRedis is the workbook's claim that processes on several
// machines share one Redis, shown with three containers of the
// instructors' image on one podman network (internal: no way out of it,
// and no port published on the host):
//
//   - one runs redis-server (bound to the network's address, no password:
//     nothing but the network's containers can reach it), known to the
//     others by the network alias "redis";
//   - two run Part 4's counters (`golocks redis --join 2`) against it at
//     the same time, four worker processes each, after one reset
//     (`golocks redis --reset`, from a container too): every mode counts
//     one total over both containers, which both report; racy never more
//     than asked, and it loses updates within a bounded number of trials;
//     incr, watch and lock exactly;
//   - fenced, with each increment holding the lock 3s (TTL 5s): whichever
//     container holds it first is paused (`podman pause`, the cgroup
//     freezer: every process of the container stopped, as a GC pause stops
//     a program) until the other has taken the expired lock and written;
//     unpaused, its write with the stale token is rejected, it redoes its
//     increment, and the total is exact. A pause that came after the
//     holder's write (a machine too loaded to pause within 3s) rejects
//     nothing: that trial is run again, a bounded number of times.
//
// Every container and the network are removed on every path. Without
// podman it skips, except under CI=true where it fails (requirePodman).

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// redisImage is this test's own tag, so that it never races TestImage's.
const redisImage = "localhost/golocks:redistest"

// A podman run's bound: far beyond a few seconds' counting and a
// container's start.
const containerRunLimit = 3 * time.Minute

func TestImageRedis(t *testing.T) {
	requirePodman(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cmd := exec.Command(filepath.Join(root, "scripts", "image.sh"))
	cmd.Env = append(os.Environ(), "ENGINE=podman", "IMAGE="+redisImage)
	if out, err := runBoundedCmd(cmd, imageBuildLimit); err != nil {
		t.Fatalf("scripts/image.sh: %v\n%s", err, out)
	}
	t.Logf("scripts/image.sh (build): %v", time.Since(start).Round(time.Second))

	n := newPodNet(t)
	n.podman(t, "run", "-d", "--name", n.name("redis"), "--network", n.net, "--network-alias", "redis",
		"--no-healthcheck", redisImage,
		"redis-server", "--bind", "0.0.0.0", "--port", "6379", "--protected-mode", "no",
		"--save", "", "--appendonly", "no")
	waitFor(t, time.Minute, "redis-server answering in its container", func(s *string) error {
		out, err := exec.Command("podman", "exec", n.name("redis"), "redis-cli", "ping").CombinedOutput()
		*s = string(out)
		return err
	}, func(s *string) bool { return strings.TrimSpace(*s) == "PONG" })
	url := "redis://redis:6379"

	// two runs `golocks redis --join 2` with args in containers a and b
	// at once, after one reset, and returns their results, checked to be
	// one total.
	two := func(t *testing.T, key string, args ...string) (a, b *golocksContainer) {
		t.Helper()
		reset := n.golocks(t, "reset", "redis", "--redis", url, "--key", key, "--reset")
		if out := reset.wait(t); out != "reset "+key+"\n" {
			t.Fatalf("--reset printed %q", out)
		}
		run := append([]string{"redis", "--redis", url, "--key", key, "--join", "2", "--json"}, args...)
		a, b = n.golocks(t, "a", run...), n.golocks(t, "b", run...)
		return a, b
	}
	total := func(t *testing.T, a, b *golocksContainer) (joinTotal, joinTotal) {
		t.Helper()
		ra, rb := a.result(t), b.result(t)
		if ra.Expected != rb.Expected || ra.Got != rb.Got || ra.Runs != 2 || rb.Runs != 2 || ra.Expected != ra.ThisRun+rb.ThisRun {
			t.Fatalf("the containers disagree on the total: %+v and %+v", ra, rb)
		}
		t.Logf("%s", strings.TrimSpace(a.stdout.String()))
		return ra, rb
	}

	const procs, count = 4, 2500
	want := int64(2 * procs * count)
	counters := []string{"--procs", fmt.Sprint(procs), "--count", fmt.Sprint(count)}

	t.Run("racy loses updates", func(t *testing.T) {
		const trials = 5
		for i := range trials {
			a, b := two(t, "racy", slices.Concat(counters, []string{"--mode", "racy"})...)
			r, _ := total(t, a, b)
			if r.Expected != want || r.Got > r.Expected || r.Got < 1 {
				t.Fatalf("trial %d: %+v: want expected %d and got in 1..%d", i, r, want, want)
			}
			if r.Lost > 0 {
				return
			}
		}
		t.Errorf("no update lost in %d trials of two racy containers", trials)
	})

	for _, mode := range []string{"incr", "watch", "lock"} {
		t.Run(mode+" exact", func(t *testing.T) {
			a, b := two(t, mode, slices.Concat(counters, []string{"--mode", mode})...)
			r, _ := total(t, a, b)
			if r.Expected != want || r.Got != want {
				t.Errorf("%+v: want exactly %d", r, want)
			}
		})
	}

	t.Run("fenced rejects the paused container", func(t *testing.T) {
		const trials = 3
		for i := range trials {
			a, b := two(t, "fenced", "--mode", "fenced", "--procs", "1", "--count", "1", "--hold", "3s", "--ttl", "5s")
			// The first to hold the lock says so: pause its container.
			var paused, other *golocksContainer
			until(t, "a container holding the lock", func() bool {
				for _, c := range [][2]*golocksContainer{{a, b}, {b, a}} {
					if strings.Contains(c[0].stderr.String(), "on "+c[0].name+": holding fenced:lock") {
						paused, other = c[0], c[1]
						return true
					}
				}
				return false
			}, a, b)
			n.podman(t, "pause", paused.name)
			pausedAt := time.Now()
			until(t, "the other container done and waiting", func() bool {
				return strings.Contains(other.stderr.String(), "waiting for 1 more run(s) to finish")
			}, a, b)
			t.Logf("%s paused %v, while %s took the expired lock and wrote", paused.name, time.Since(pausedAt).Round(time.Millisecond), other.name)
			n.podman(t, "unpause", paused.name)
			rp, ro := total(t, paused, other)
			t.Logf("trial %d: %s (paused) said:\n%s%s said:\n%s", i, paused.name, paused.stderr.String(), other.name, other.stderr.String())
			if rp.Expected != 2 || rp.Got != 2 || rp.Rejected == nil || ro.Rejected == nil || *rp.Rejected != *ro.Rejected {
				t.Fatalf("trial %d: %+v and %+v: want expected 2, got 2, one rejected total", i, rp, ro)
			}
			if *rp.Rejected == 0 {
				t.Logf("trial %d: the pause came after the holder's write: again", i)
				continue
			}
			if !strings.Contains(paused.stderr.String(), "rejected: token") {
				t.Errorf("the paused container does not say its stale write was rejected:\n%s", paused.stderr.String())
			}
			if strings.Contains(other.stderr.String(), "rejected") {
				t.Errorf("the container never paused had a write rejected:\n%s", other.stderr.String())
			}
			return
		}
		t.Errorf("in %d trials no pause came within the holder's 3s hold", trials)
	})
}

// until polls done for at most a minute, failing t with what and the
// containers' output if it never is.
func until(t *testing.T, what string, done func() bool, cs ...*golocksContainer) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !done(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			var out strings.Builder
			for _, c := range cs {
				fmt.Fprintf(&out, "%s said:\n%s", c.name, c.stderr.String())
			}
			t.Fatalf("no %s in a minute:\n%s", what, out.String())
		}
	}
}

// joinTotal is a `golocks redis --join` run's JSON.
type joinTotal struct {
	Expected, Got, Lost int64
	Elapsed             float64 `json:"elapsed_s"`
	Retries, Rejected   *int64
	Runs                int
	ThisRun             int64 `json:"this_run"`
}

// podNet is a podman network of the test's own, and its containers, all
// removed when the test ends, passed or failed.
type podNet struct {
	net        string
	mu         sync.Mutex
	containers []string
}

func newPodNet(t *testing.T) *podNet {
	t.Helper()
	b := make([]byte, 4)
	rand.Read(b)
	n := &podNet{net: fmt.Sprintf("golocks-redistest-%d-%s", os.Getpid(), hex.EncodeToString(b))}
	// Internal: the containers reach one another, nothing outside.
	if out, err := exec.Command("podman", "network", "create", "--internal", n.net).CombinedOutput(); err != nil {
		t.Fatalf("podman network create: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		n.mu.Lock()
		names := n.containers
		n.mu.Unlock()
		for _, c := range names {
			exec.Command("podman", "rm", "-f", "-t", "0", c).Run()
		}
		if out, err := exec.Command("podman", "network", "rm", "-f", n.net).CombinedOutput(); err != nil {
			t.Errorf("podman network rm %s: %v\n%s", n.net, err, out)
		}
	})
	return n
}

// name is the network's container called short; the test removes it at
// its end.
func (n *podNet) name(short string) string {
	name := n.net + "-" + short
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, c := range n.containers {
		if c == name {
			return name
		}
	}
	n.containers = append(n.containers, name)
	return name
}

// podman runs podman with args, failing t if it fails.
func (n *podNet) podman(t *testing.T, args ...string) {
	t.Helper()
	out, err := runBoundedCmd(exec.Command("podman", args...), containerRunLimit)
	if err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// golocksContainer is `golocks ARGS` running in a container of the network,
// its output read as it comes.
type golocksContainer struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	done           chan error
}

// golocks starts `golocks args...` in a new container called short (its
// host name too, so that the lock's holder names it).
func (n *podNet) golocks(t *testing.T, short string, args ...string) *golocksContainer {
	t.Helper()
	c := &golocksContainer{name: n.name(short), done: make(chan error, 1)}
	exec.Command("podman", "rm", "-f", "-t", "0", c.name).Run() // a previous trial's
	c.cmd = exec.Command("podman", append([]string{"run", "--rm", "--name", c.name, "--hostname", c.name,
		"--network", n.net, "--no-healthcheck", redisImage, "golocks"}, args...)...)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	setPgid(c.cmd)
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.done <- c.cmd.Wait() }()
	return c
}

// wait waits for the container's end and returns its stdout, failing t if
// golocks failed.
func (c *golocksContainer) wait(t *testing.T) string {
	t.Helper()
	select {
	case err := <-c.done:
		if err != nil {
			t.Fatalf("%s: golocks %s: %v\nstderr:\n%s", c.name, strings.Join(c.args(), " "), err, c.stderr.String())
		}
	case <-time.After(containerRunLimit):
		killGroup(c.cmd)
		exec.Command("podman", "rm", "-f", "-t", "0", c.name).Run()
		<-c.done
		t.Fatalf("%s still running after %v; stderr:\n%s", c.name, containerRunLimit, c.stderr.String())
	}
	return c.stdout.String()
}

// args are golocks' arguments.
func (c *golocksContainer) args() []string {
	for i, a := range c.cmd.Args {
		if a == "golocks" {
			return c.cmd.Args[i+1:]
		}
	}
	return nil
}

func (c *golocksContainer) result(t *testing.T) joinTotal {
	t.Helper()
	out := c.wait(t)
	var r joinTotal
	if err := json.Unmarshal([]byte(out), &r); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("%s: stdout %q is not one JSON object: %v", c.name, out, err)
	}
	if r.Lost != r.Expected-r.Got || r.Elapsed <= 0 {
		t.Fatalf("%s: inconsistent result %s", c.name, out)
	}
	return r
}

// lockedBuffer is a strings.Builder a process writes while the test
// reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
