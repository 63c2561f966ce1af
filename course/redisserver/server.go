package redisserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/golocks/golocks/runtime/cell"
)

// StartTimeout bounds how long Start waits for a new redis-server to
// answer. It starts in milliseconds on an idle machine; the bound is for a
// machine so loaded that something is wrong.
const StartTimeout = 20 * time.Second

// folderPrefix starts the name of every private server's folder, followed
// by the pid of the process that started it: "golocks-redis-1234-5678".
const folderPrefix = "golocks-redis-"

// stopTimeout bounds how long Stop waits for a killed server to be reaped.
const stopTimeout = 10 * time.Second

// A Server is a private redis-server started by Start. Connect to it with
// Dial(s.URL()); stop it with Stop. Its methods are safe for concurrent
// use.
type Server struct {
	url    string // unix://:password@/dir/redis.sock
	socket string
	dir    string
	pid    int
	log    *tail

	// done is closed once the process has exited and exitErr is set.
	done    chan struct{}
	exitErr error

	stopOnce sync.Once
	stopErr  error
}

// Start starts a private redis-server and returns once it answers: a Unix
// socket in a new folder only this user can open, a random password, no
// persistence. It is killed by Stop, or by the kernel when this process
// exits, however it exits. Start waits at most StartTimeout, less if the
// running notebook cell is interrupted.
//
// Use it when a program or a test needs a server of its own; a notebook
// calls Connect, which uses the class's REDIS_URL when there is one.
func Start() (*Server, error) {
	ctx, cancel := context.WithTimeout(cell.Context(), StartTimeout)
	defer cancel()
	return start(ctx)
}

func start(ctx context.Context) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errors.New("redis-server is not installed (Debian: apt-get install redis-server); or set REDIS_URL to a server to use")
	}
	sweepStale()
	dir, err := os.MkdirTemp(socketParent(), fmt.Sprintf("%s%d-", folderPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("redis-server: private folder: %w", err)
	}
	// MkdirTemp makes the folder 0700 already; say it, since the password
	// in the config file is only as private as this folder.
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("redis-server: private folder: %w", err)
	}
	s, err := launch(ctx, bin, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// launch writes the config, starts the process and waits until it answers.
func launch(ctx context.Context, bin, dir string) (*Server, error) {
	password, err := randomHex(16)
	if err != nil {
		return nil, err
	}
	socket := filepath.Join(dir, "redis.sock")
	conf := filepath.Join(dir, "redis.conf")
	// The password goes in a file (mode 0600, in a 0700 folder) rather than
	// on the command line, where any user could read it in /proc.
	config := strings.Join([]string{
		"port 0", // no TCP at all: only the socket
		"unixsocket " + quote(socket),
		"unixsocketperm 700",
		"requirepass " + password,
		`save ""`, // no RDB snapshots
		"appendonly no",
		"dir " + quote(dir),
		"daemonize no",
		`logfile ""`, // to stdout, which we keep the tail of
		"loglevel warning",
		"always-show-logo no",
	}, "\n") + "\n"
	if err := os.WriteFile(conf, []byte(config), 0o600); err != nil {
		return nil, fmt.Errorf("redis-server: config: %w", err)
	}

	s := &Server{
		url:    (&url.URL{Scheme: "unix", User: url.UserPassword("", password), Path: socket}).String(),
		socket: socket,
		dir:    dir,
		log:    &tail{max: 4096},
		done:   make(chan struct{}),
	}
	cmd := exec.Command(bin, conf)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = s.log, s.log
	exited, err := startChild(cmd)
	if err != nil {
		return nil, fmt.Errorf("redis-server: %w", err)
	}
	s.pid = cmd.Process.Pid
	go func() {
		s.exitErr = <-exited
		close(s.done)
	}()

	if err := s.waitReady(ctx); err != nil {
		s.kill()
		return nil, err
	}
	// Read once at start: from now on the file only keeps the password on
	// disk, and a folder left behind after a SIGKILL should hold nothing.
	os.Remove(conf)
	return s, nil
}

// waitReady pings the new server until it answers, it exits, or ctx ends.
func (s *Server) waitReady(ctx context.Context) error {
	c, err := dial(s.url, 1)
	if err != nil {
		return err
	}
	defer c.Close()
	delay := time.Millisecond
	for {
		if _, err := os.Stat(s.socket); err == nil {
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			if err = probe(pctx, c.Options(), 1); err == nil { // no go-redis log line while it starts
				err = c.Ping(pctx).Err()
			}
			cancel()
			if err == nil {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("redis-server exited at start (%v): %s", s.exitErr, s.log.lastLine())
		case <-ctx.Done():
			return fmt.Errorf("redis-server at %s did not answer: %w", s.socket, context.Cause(ctx))
		case <-time.After(delay):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// URL is the server's address, with its password, for Dial and for worker
// processes: "unix://:password@/tmp/golocks-redis-…/redis.sock".
func (s *Server) URL() string { return s.url }

// String is the server's address with the password hidden: safe to print.
func (s *Server) String() string { return Redact(s.url) }

// PID is the redis-server's process id.
func (s *Server) PID() int { return s.pid }

// Done is closed when the redis-server process has exited: stopped, killed
// or crashed.
func (s *Server) Done() <-chan struct{} { return s.done }

// Stop kills the server (nothing is kept, so there is nothing to save),
// waits for it to exit and removes its folder. Stopping a stopped server
// does nothing and returns the first Stop's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.kill() })
	return s.stopErr
}

// kill sends SIGKILL and waits, at most stopTimeout, for the exit.
func (s *Server) kill() error {
	select {
	case <-s.done:
	default:
		// Signal the process, not its group: it is in a group of its own,
		// and nothing else is in it.
		if p, err := os.FindProcess(s.pid); err == nil {
			p.Kill()
		}
		select {
		case <-s.done:
		case <-time.After(stopTimeout):
			return fmt.Errorf("redis-server pid %d did not exit within %v of SIGKILL", s.pid, stopTimeout)
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("redis-server: remove %s: %w", s.dir, err)
	}
	return nil
}

// randomHex returns n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("redis-server: random password: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// quote makes a path one argument in redis.conf, whatever it contains.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// socketParent is the folder for private servers' folders: the temp dir,
// unless its path is so long that a socket under it would pass the 107
// bytes a Unix socket path may have.
func socketParent() string {
	t := os.TempDir()
	if len(t)+len("/"+folderPrefix+"4194304-1234567890/redis.sock") > 100 {
		return "/tmp"
	}
	return t
}

// tail keeps the last max bytes written to it: the end of redis-server's
// log, to explain a failed start.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

// lastLine is the last non-empty line written, or "no output".
func (t *tail) lastLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" {
		return last
	}
	return "no output"
}
