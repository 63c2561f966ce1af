package redisserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/golocks/golocks/runtime/cell"
)

// Bounds on every network wait of a client made by Dial. A server on this
// machine answers in microseconds; these are for one that is gone, stopped
// or far away.
const (
	DialTimeout = 2 * time.Second // one attempt to connect
	IOTimeout   = 3 * time.Second // one read or write of a command
	dialTries   = 2               // attempts to connect, 100 ms apart
	pingTimeout = 10 * time.Second
)

// Dial returns a client for the Redis server at rawURL, once the server
// has answered a PING: an unreachable server, a wrong password or a
// malformed URL is Dial's error, not the first command's. Use it to reach a
// server whose URL you were given, e.g. in a worker process.
//
// rawURL is redis://[:password@]host[:port][/db], rediss://… (TLS) or
// unix://[:password@]/path/to/socket, as Redis's own tools take it. Every
// network wait of the client is bounded (DialTimeout, IOTimeout) and ends
// early when a command's context is done; the client never retries a
// command by itself. Errors name the server with its password hidden.
// Close the client when done with it.
func Dial(rawURL string) (*redis.Client, error) {
	c, err := dial(rawURL, dialTries)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(cell.Context(), pingTimeout)
	defer cancel()
	if err := probe(ctx, c.Options(), dialTries); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis %s: %w", Redact(rawURL), causeOf(ctx, err))
	}
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis %s: %w", Redact(rawURL), causeOf(ctx, err))
	}
	return c, nil
}

// probe connects to the server and hangs up, up to tries times, 100 ms
// apart: whether it can be reached at all, asked before the client's first
// connection. go-redis logs each connection it fails to make (on stderr,
// through its one logger per process, which this package leaves alone:
// that is the program's to set, as golocks does); a server that cannot be
// reached is Dial's error instead, said once.
func probe(ctx context.Context, opt *redis.Options, tries int) error {
	d := net.Dialer{Timeout: opt.DialTimeout}
	var err error
	for i := range max(tries, 1) {
		if i > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(100 * time.Millisecond):
			}
		}
		var conn net.Conn
		if conn, err = d.DialContext(ctx, opt.Network, opt.Addr); err == nil {
			conn.Close()
			return nil
		}
	}
	return err
}

// dial makes the client without talking to the server.
func dial(rawURL string, tries int) (*redis.Client, error) {
	opt, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = DialTimeout
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = IOTimeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = IOTimeout
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = IOTimeout + time.Second
	}
	opt.DialerRetries = tries
	// A command is sent once: a retried INCR or script may have been
	// applied before the connection broke, and would then count twice.
	opt.MaxRetries = -1
	// A deadline or cancellation of a command's context (an interrupted
	// cell) ends its wait on the socket too.
	opt.ContextTimeoutEnabled = true
	// RESP2, as redis-cli and Python's redis client speak it by default,
	// and no optional hand-shake commands (client library name, Redis
	// Cloud maintenance notices) that Redis 7.0 does not know: a new
	// connection costs one round trip, for the password.
	if opt.Protocol == 0 {
		opt.Protocol = 2
	}
	opt.DisableIdentity = true
	opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return redis.NewClient(opt), nil
}

// parseURL is redis.ParseURL with errors that never show the password.
func parseURL(rawURL string) (*redis.Options, error) {
	if strings.TrimSpace(rawURL) == "" {
		return nil, errors.New("redis: empty URL (want redis://host:port or unix:///path/to/socket)")
	}
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its message quotes the whole URL, password and all
		}
		return nil, fmt.Errorf("redis URL %s: %w", Redact(rawURL), err)
	}
	return opt, nil
}

// Redact returns rawURL with its password replaced by "xxxxx", also when
// rawURL does not parse: what to print, or put in a log, of a server's URL.
func Redact(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	// Unparsable: hide whatever sits between "://" and the last "@".
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return "(unparsable URL)"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return scheme + "://xxxxx@" + rest[at+1:]
	}
	return rawURL
}

// causeOf returns the cause of ctx when err is only ctx ending, so that an
// interrupted cell says so (errors.Is(err, cell.ErrInterrupted)).
func causeOf(ctx context.Context, err error) error {
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
			return fmt.Errorf("%w (%w)", err, cause)
		}
	}
	return err
}

// EnvURL is the environment variable that names a shared server: an
// instructor sets it for the whole class (see the README).
const EnvURL = "REDIS_URL"

// URL returns the URL of the server this process's notebook uses: $REDIS_URL
// when it is set, otherwise this process's private server, started the
// first time it is needed (and again if it has died). Hand it to worker
// processes so they reach the same server.
//
// Starting the private server also sets REDIS_URL in this process's
// environment to its URL, so that the processes it starts (a pool's
// workers interpreting the notebook's cells) find the same server rather
// than starting one each.
func URL() (string, error) {
	env := os.Getenv(EnvURL)
	private.mu.Lock()
	defer private.mu.Unlock()
	if s := private.srv; s != nil && env == s.URL() {
		select {
		case <-s.Done():
			s.Stop() // reaped already; this removes its folder
		default:
			return s.URL(), nil
		}
	} else if env != "" {
		if _, err := parseURL(env); err != nil {
			return "", fmt.Errorf("%s: %w", EnvURL, err)
		}
		return env, nil
	}
	s, err := Start()
	if err != nil {
		return "", err
	}
	private.srv = s
	os.Setenv(EnvURL, s.URL())
	return s.URL(), nil
}

// Connect returns a client for this process's server (see URL): the one
// call a notebook makes. Every cell that calls it reaches the same server,
// so a counter kept there outlives the cell; Close the client when done.
func Connect() (*redis.Client, error) {
	u, err := URL()
	if err != nil {
		return nil, err
	}
	return Dial(u)
}

// private is this process's own server, shared by every Connect.
//
// It is package state because it stands for the process: a notebook runs
// its cells in one kernel process, each cell may call Connect, and all of
// them must reach the same counter. It is started once, lives until the
// process exits (the parent-death signal ends it), and is replaced only if
// it has died. (golocks keeps process state in three places, each for
// something a process has one of: this, the kernel of runtime/cell, and
// the blocking wait on each lock file of pkg/filelock.)
var private struct {
	mu  sync.Mutex
	srv *Server
}
