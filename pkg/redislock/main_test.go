package redislock_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/internal/redistest"
	"github.com/golocks/golocks/internal/reexec"
	"github.com/golocks/golocks/pkg/redislock"
)

// serverURL is the private redis-server every test of this package uses
// (each on keys of its own), started by TestMain and stopped after the
// tests, whatever their outcome.
var serverURL string

// Cross-process tests re-run this test binary in a helper role (see
// internal/reexec): TestMain runs the role instead of the tests.
func TestMain(m *testing.M) {
	reexec.Main(runHelper)
	if err := celltest.Install(); err != nil {
		panic(err)
	}
	redistest.Main()
	srv, err := redisserver.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redislock tests need redis-server (scripts/install-deps.sh):", err)
		os.Exit(1)
	}
	serverURL = srv.URL()
	code := m.Run()
	if err := srv.Stop(); err != nil && code == 0 {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// client returns a client of the test server, closed at the end of t.
func client(t testing.TB) *redis.Client {
	t.Helper()
	c, err := redisserver.Dial(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// key returns a key no other test uses.
func key(t testing.TB) string {
	return t.Name() + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

func runHelper(role string, args []string) int {
	err := func() error {
		c, err := redisserver.Dial(args[0])
		if err != nil {
			return err
		}
		defer c.Close()
		switch role {
		case "lock-increment": // url key n [trace]: n increments under the lock
			n, err := strconv.Atoi(args[2])
			if err != nil {
				return err
			}
			trace := ""
			if len(args) > 3 {
				trace = args[3]
			}
			return lockedIncrements(c, args[1], n, trace)
		case "fenced-increment": // url key n ttl: n fenced increments
			n, err := strconv.Atoi(args[2])
			if err != nil {
				return err
			}
			ttl, err := time.ParseDuration(args[3])
			if err != nil {
				return err
			}
			return fencedIncrements(args[0], args[1], n, ttl)
		case "victim": // url key ttl before fenced|plain: increments, then holds, reads, waits for stdin, writes
			return victim(c, args[0], args[1:])
		case "hold": // url key ttl: take the lock, say so, wait to be killed
			l := redislock.New(c, args[1])
			ttl, err := time.ParseDuration(args[2])
			if err != nil {
				return err
			}
			l.SetTTL(ttl)
			if err := l.Lock(); err != nil {
				return err
			}
			fmt.Println("locked", l.Token())
			time.Sleep(time.Minute) // bounded, in case the test dies first
			return nil
		}
		return fmt.Errorf("unknown helper role %q", role)
	}()
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	return 0
}

// lockedIncrements adds one to the number under key n times, each time
// with GET then SET under the lock key+":lock", and, if trace is set, appends
// "start end" in nanoseconds of every hold to the Redis list trace.
func lockedIncrements(c *redis.Client, key string, n int, trace string) error {
	ctx := context.Background()
	l := redislock.New(c, key+":lock")
	l.SetTimeout(time.Minute) // 8 processes on a loaded 2-core machine
	for range n {
		if err := l.Lock(); err != nil {
			return err
		}
		start := time.Now()
		v, err := c.Get(ctx, key).Int()
		if err != nil && err != redis.Nil {
			return fmt.Errorf("get on %s: %w", c.Options().Addr, err)
		}
		if err := c.Set(ctx, key, v+1, 0).Err(); err != nil {
			return fmt.Errorf("set on %s: %w", c.Options().Addr, err)
		}
		end := time.Now()
		if err := l.Unlock(); err != nil {
			return err
		}
		if trace != "" {
			span := fmt.Sprintf("%d %d %d", os.Getpid(), start.UnixNano(), end.UnixNano())
			if err := c.RPush(ctx, trace, span).Err(); err != nil {
				return fmt.Errorf("trace on %s: %w", c.Options().Addr, err)
			}
		}
	}
	return nil
}

// fencedIncrements adds one n times to the Fenced value key, under the lock
// key+":lock" with the given TTL, redoing an increment that was refused:
// the workbook's fenced counter.
func fencedIncrements(url, key string, n int, ttl time.Duration) error {
	return workbook.RedisCounter{URL: url, Key: key, Mode: "fenced", TTL: ttl, Timeout: time.Minute}.Run(n)
}

// victim does `before` fenced increments, then takes the lock, reads the
// counter, says "holding", and waits for a line on stdin (or to be
// killed): a holder that stops. Then it writes what it read plus one and
// says "wrote" or "rejected". With "plain" the counter is a plain key read
// with GET and written with SET under the same lock: no fencing.
func victim(c *redis.Client, url string, args []string) error {
	key := args[0]
	ttl, err := time.ParseDuration(args[1])
	if err != nil {
		return err
	}
	before, err := strconv.Atoi(args[2])
	if err != nil {
		return err
	}
	fenced := args[3] == "fenced"
	if err := fencedIncrements(url, key, before, ttl); err != nil {
		return err
	}
	l := redislock.New(c, key+":lock")
	l.SetTTL(ttl)
	if err := l.Lock(); err != nil {
		return err
	}
	f := redislock.NewFenced(c, key)
	ctx := context.Background()
	var v int
	if fenced {
		s, err := f.Read(l.Token())
		if err != nil {
			return err
		}
		v, _ = strconv.Atoi(s)
	} else if v, err = c.Get(ctx, key).Int(); err != nil && err != redis.Nil {
		return err
	}
	fmt.Println("holding", l.Token(), v)
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	if fenced {
		err = f.Write(l.Token(), strconv.Itoa(v+1))
	} else {
		err = c.Set(ctx, key, v+1, 0).Err()
	}
	switch {
	case err == nil:
		fmt.Println("wrote", v+1)
	case errors.Is(err, redislock.ErrStale):
		fmt.Println("rejected")
	default:
		return err
	}
	return nil
}
