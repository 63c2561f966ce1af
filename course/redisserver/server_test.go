package redisserver_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/internal/redistest"
	"github.com/golocks/golocks/internal/reexec"
)

// A private server: a socket only this user can open, no TCP, a password,
// nothing on disk; Stop kills it and removes its folder.
func TestPrivateServer(t *testing.T) {
	s := redistest.Server(t)
	u := s.URL()
	if !strings.HasPrefix(u, "unix://:") || strings.Contains(s.String(), strings.TrimPrefix(strings.Split(u, "@")[0], "unix://:")) {
		t.Fatalf("URL %q, String %q: want a unix URL with a password, hidden in String", u, s.String())
	}
	socket := strings.SplitN(u, "@", 2)[1]
	dir := filepath.Dir(socket)
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("folder %s: %v, %v; want mode 0700", dir, st.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("folder holds %v; want only the socket (the config with the password is gone)", entries)
	}

	c, err := redisserver.Dial(u)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	for param, want := range map[string]string{"port": "0", "save": "", "appendonly": "no", "unixsocketperm": "700"} {
		got, err := c.ConfigGet(ctx, param).Result()
		if err != nil || got[param] != want {
			t.Errorf("CONFIG GET %s = %v, %v; want %q", param, got, err, want)
		}
	}
	if _, err := redisserver.Dial("unix://" + socket); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("Dial without the password: %v, want NOAUTH", err)
	}
	if _, err := redisserver.Dial("unix://:wrong@" + socket); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("Dial with a wrong password: %v, want WRONGPASS", err)
	}

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Done():
	default:
		t.Error("Done not closed after Stop")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("folder %s still there after Stop: %v", dir, err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	// A client of a stopped server fails at once, naming the socket.
	err = c.Ping(ctx).Err()
	if err == nil || !strings.Contains(err.Error(), socket) {
		t.Errorf("PING after Stop: %v, want an error naming %s", err, socket)
	}
}

// freePort returns a loopback port nothing listens on.
func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Bad URLs are one clear error each, never showing the password.
func TestDialErrors(t *testing.T) {
	cases := map[string]string{
		"redis://:sekrit@" + freePort(t):   "connection refused",
		"redis://:sekrit@127.0.0.1:port":   "invalid port",
		"http://:sekrit@127.0.0.1:6379":    "invalid URL scheme",
		"":                                 "empty URL",
		"unix://:sekrit@/no/such/dir/sock": "no such file",
		"redis://:sekrit@[::1":             "missing ']'",
	}
	for u, want := range cases {
		start := time.Now()
		c, err := redisserver.Dial(u)
		if err == nil {
			c.Close()
			t.Errorf("Dial(%q) succeeded", u)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, "sekrit") || strings.Contains(msg, "\n") {
			t.Errorf("Dial(%q): %q; want one line with %q, without the password", u, msg, want)
		}
		t.Logf("%q: %v (%v)", u, err, time.Since(start).Round(time.Millisecond))
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"unix://:sekrit@/tmp/s.sock":    "unix://:xxxxx@/tmp/s.sock",
		"redis://user:sekrit@h:6379/0":  "redis://user:xxxxx@h:6379/0",
		"redis://h:6379":                "redis://h:6379",
		"redis://:sekrit@host:port":     "redis://xxxxx@host:port",
		"not a url :sekrit@":            "(unparsable URL)",
		"rediss://:sek@rit@[::1]:6379/": "rediss://:xxxxx@[::1]:6379/",
	} {
		if got := redisserver.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// URL and Connect use REDIS_URL when it is set, and check it.
func TestEnvURL(t *testing.T) {
	s := redistest.Server(t)
	t.Setenv(redisserver.EnvURL, s.URL())
	if u, err := redisserver.URL(); u != s.URL() || err != nil {
		t.Errorf("URL() = %q, %v; want $REDIS_URL", u, err)
	}
	c, err := redisserver.Connect()
	if err != nil {
		t.Fatal(err)
	}
	c.Set(context.Background(), "seen", "yes", 0)
	c.Close()
	direct, _ := redisserver.Dial(s.URL())
	defer direct.Close()
	if v, _ := direct.Get(context.Background(), "seen").Result(); v != "yes" {
		t.Errorf("Connect did not reach $REDIS_URL's server")
	}

	t.Setenv(redisserver.EnvURL, "redis://:sekrit@host:port")
	if _, err := redisserver.Connect(); err == nil || !strings.HasPrefix(err.Error(), "REDIS_URL: ") || strings.Contains(err.Error(), "sekrit") {
		t.Errorf("Connect with a malformed REDIS_URL: %v; want an error naming REDIS_URL, without the password", err)
	}
}

// Without REDIS_URL every Connect reaches one private server, started once,
// and started again if it died.
func TestConnectPrivate(t *testing.T) {
	redistest.Need(t)
	t.Setenv(redisserver.EnvURL, "")
	u1, err := redisserver.URL()
	if err != nil {
		t.Fatal(err)
	}
	c1, err := redisserver.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	if u2, _ := redisserver.URL(); u2 != u1 {
		t.Errorf("a second URL() = %q, want the same server %q", u2, u1)
	}
	if env := os.Getenv(redisserver.EnvURL); env != u1 {
		t.Errorf("REDIS_URL = %q after the private server started, want its URL for child processes", env)
	}
	pid, err := c1.Info(context.Background(), "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	serverPID := 0
	for _, line := range strings.Split(pid, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			serverPID, _ = strconv.Atoi(v)
		}
	}
	if serverPID == 0 {
		t.Fatalf("no process_id in INFO server")
	}
	syscall.Kill(serverPID, syscall.SIGKILL)
	// The server is reaped a moment after it dies; until then URL() may
	// still name it.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		u3, err := redisserver.URL()
		if err != nil {
			t.Fatal(err)
		}
		if u3 != u1 {
			if env := os.Getenv(redisserver.EnvURL); env != u3 {
				t.Errorf("REDIS_URL = %q, want the new server's URL", env)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("URL() still names the dead server a minute later")
		}
	}
	c3, err := redisserver.Connect()
	if err != nil {
		t.Fatal(err)
	}
	c3.Close()
}

// waitGone waits, a bounded time, until process pid no longer exists.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		// A zombie still has a /proc entry; its state is Z.
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive a minute later: %s", pid, stat)
		}
	}
}

// A process killed with SIGKILL leaves no redis-server behind, even though
// the thread that started the server had ended long before.
func TestNoOrphanAfterSIGKILL(t *testing.T) {
	redistest.Need(t)
	cmd := reexec.Command("serve")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	var pid int
	if _, perr := fmt.Sscanf(line, "serving %d", &pid); err != nil || perr != nil {
		t.Fatalf("helper said %q, %v", line, err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("redis-server %d not running before the kill: %v", pid, err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	waitGone(t, pid)
}

// A folder left by a killed process is removed by the next Start; one of a
// live process is not.
func TestSweepStale(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(tmp, "golocks-redis-"+strconv.Itoa(dead.Process.Pid)+"-1")
	live := filepath.Join(tmp, "golocks-redis-1-1") // pid 1 lives as long as the machine
	for _, d := range []string{stale, live} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	s := redistest.Server(t)
	if !strings.Contains(s.URL(), tmp) {
		t.Fatalf("server under %s, want under $TMPDIR %s", s.URL(), tmp)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale folder %s not removed: %v", stale, err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("live process's folder removed: %v", err)
	}
}

func TestNoRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := redisserver.Start()
	if err == nil || !strings.Contains(err.Error(), "apt-get install redis-server") {
		t.Errorf("Start without redis-server: %v", err)
	}
	if errors.Is(err, os.ErrNotExist) {
		return
	}
}
