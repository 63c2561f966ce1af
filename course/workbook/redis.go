package workbook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/pkg/redislock"
	"github.com/golocks/golocks/runtime/cell"
)

// The Redis modes: how a RedisCounter counts (see RedisModes). Use them,
// not their strings, in code.
const (
	RedisRacy   = "racy"
	RedisIncr   = "incr"
	RedisWatch  = "watch"
	RedisLock   = "lock"
	RedisFenced = "fenced"
)

// RedisModes lists the ways a RedisCounter counts, in the order the
// workbook's Part 4 meets them:
//
//	racy    GET, then SET the value + 1: loses updates, like the file counter
//	incr    INCR: the server adds one, atomically
//	watch   WATCH, GET, then MULTI/SET/EXEC, retried when another client
//	        changed the counter in between (optimistic locking)
//	lock    GET then SET under a redislock.Lock, per increment
//	fenced  the same under the lock, read and written through a
//	        redislock.Fenced, so a holder whose lock expired cannot write
func RedisModes() []string {
	return []string{RedisRacy, RedisIncr, RedisWatch, RedisLock, RedisFenced}
}

// maxRejected bounds how many times in a row a fenced increment may be
// refused before the run gives up: each refusal means this process lost
// the lock by pausing past its TTL, which should be rare.
const maxRejected = 100

// RedisCounter is the workbook's counter kept in a Redis server rather than
// a file: several processes, on one machine or several, add one to it at
// the same time, in one of the RedisModes. Use Run in each worker (or
// RedisWork, its work(maxCount, ...) form for a pool), then Read.
//
// Keys: the counter is Key (a string; a hash in mode fenced); the lock is
// Key+":lock" (its fencing counter Key+":lock:fence"); the watch retries
// and fenced refusals are added up in Key+":retries" and Key+":rejected".
type RedisCounter struct {
	URL  string // the server: redisserver.URL(), or a class's REDIS_URL
	Key  string // the counter's key, e.g. "counter"
	Mode string // one of RedisModes

	// TTL is each lock hold's time to live (modes lock and fenced); 0
	// means redislock.DefaultTTL.
	TTL time.Duration

	// Timeout bounds each wait for the lock (lock, fenced) and each
	// increment's retries (watch); 0 means redislock.DefaultTimeout.
	Timeout time.Duration

	// Hold is how long each increment keeps the lock between its read
	// and its write (modes lock and fenced): the work a holder does. 0
	// means none. With a Hold, each increment says on stdout when it
	// holds the lock, and what became of its write: a holder stopped
	// during its Hold (a GC pause, `podman pause` of its container) past
	// its TTL shows Kleppmann's failure, its write landing over another
	// holder's (lock) or rejected for its stale token (fenced).
	Hold time.Duration
}

// RedisTotals is what a RedisCounter's runs added up to.
type RedisTotals struct {
	Count    int64 // the counter
	Retries  int64 // watch: transactions retried because the counter changed under them
	Rejected int64 // fenced: reads or writes refused for a stale token, each retried
}

// RedisKey returns the key name for this user: "golocks:<user>:<name>",
// the user being $JUPYTERHUB_USER on a class's hub, else $USER. On a
// server the whole class shares (REDIS_URL), each student's counters and
// locks are then their own, and one student's run never disturbs
// another's; a class that wants to race on one counter uses one plain key
// instead.
func RedisKey(name string) string {
	user := os.Getenv("JUPYTERHUB_USER")
	if user == "" {
		user = os.Getenv("USER")
	}
	if user == "" {
		user = "student"
	}
	return "golocks:" + user + ":" + name
}

// RedisWork runs RedisCounter{URL: url, Key: key, Mode: mode}.Run(maxCount):
// the workbook's work(maxCount, ...) shape, for a pool of worker processes.
func RedisWork(maxCount int, url, key, mode string) error {
	return RedisCounter{URL: url, Key: key, Mode: mode}.Run(maxCount)
}

// RunRedisCounter is c.Run(maxCount) with the count first, the shape a
// pool's Map calls: each worker process runs the same RedisCounter, with
// its own count.
//
//	c := workbook.RedisCounter{URL: url, Key: workbook.RedisKey("counter"), Mode: "incr"}
//	err := pool.New(4).Map(workbook.RunRedisCounter, []int{2500, 2500, 2500, 2500}, c)
func RunRedisCounter(maxCount int, c RedisCounter) error {
	return c.Run(maxCount)
}

// Check reports what is wrong with c or maxCount, without touching the
// server.
func (c RedisCounter) Check(maxCount int) error {
	if maxCount < 0 {
		return fmt.Errorf("redis counter: maxCount %d is negative", maxCount)
	}
	if strings.TrimSpace(c.Key) == "" {
		return errors.New("redis counter: no key")
	}
	if c.Hold < 0 {
		return fmt.Errorf("redis counter: hold %v is negative", c.Hold)
	}
	for _, m := range RedisModes() {
		if c.Mode == m {
			return nil
		}
	}
	return fmt.Errorf("redis counter: mode %q is not one of %s", c.Mode, strings.Join(RedisModes(), ", "))
}

// Run adds one to the counter maxCount times, in c.Mode, over one
// connection of its own. It returns the first error: a bad argument, a
// server that cannot be reached or went away (named in the error), a lock
// wait that timed out, a lock that expired under a plain (unfenced) hold.
func (c RedisCounter) Run(maxCount int) error {
	if err := c.Check(maxCount); err != nil {
		return err
	}
	rdb, err := redisserver.Dial(c.URL)
	if err != nil {
		return fmt.Errorf("redis counter %s (%s): %w", c.Key, c.Mode, err) // names the server
	}
	defer rdb.Close()
	r := run{c: c, rdb: rdb, ctx: cell.Context()}
	switch c.Mode {
	case RedisRacy:
		err = r.racy(maxCount)
	case RedisIncr:
		err = r.incr(maxCount)
	case RedisWatch:
		err = r.watch(maxCount)
	case RedisLock:
		err = r.locked(maxCount)
	case RedisFenced:
		err = r.fenced(maxCount)
	}
	if err != nil {
		return fmt.Errorf("redis counter %s (%s)%s: %w", c.Key, c.Mode, onServer(rdb, err), err)
	}
	return nil
}

// onServer is " on <address>" unless err already names the server (most
// network errors do: "read unix @->/tmp/…/redis.sock: …").
func onServer(rdb *redis.Client, err error) string {
	addr := rdb.Options().Addr
	if strings.Contains(err.Error(), addr) {
		return ""
	}
	return " on " + addr
}

// Reset deletes the counter and everything kept beside it (lock, fencing
// counter, retries, refusals): the workbook's `!rm parallel.txt`.
func (c RedisCounter) Reset() error {
	return withClient(c.URL, func(rdb *redis.Client) error {
		return rdb.Del(cell.Context(), c.keys()...).Err()
	})
}

// Read returns the counter and the retries and refusals added up so far.
// A counter never written reads as 0.
func (c RedisCounter) Read() (RedisTotals, error) {
	var t RedisTotals
	err := withClient(c.URL, func(rdb *redis.Client) error {
		ctx := cell.Context()
		var err error
		if c.Mode == RedisFenced {
			var v string
			if v, _, err = redislock.NewFenced(rdb, c.Key).Value(); err == nil {
				t.Count, err = parseCount(v)
			}
		} else {
			t.Count, err = getInt(ctx, rdb, c.Key)
		}
		if err != nil {
			return err
		}
		if t.Retries, err = getInt(ctx, rdb, c.Key+":retries"); err != nil {
			return err
		}
		t.Rejected, err = getInt(ctx, rdb, c.Key+":rejected")
		return err
	})
	return t, err
}

func (c RedisCounter) keys() []string {
	return []string{c.Key, c.Key + ":lock", c.Key + ":lock:fence", c.Key + ":retries", c.Key + ":rejected"}
}

func (c RedisCounter) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return redislock.DefaultTimeout
}

// withClient runs f with a client of the server at url.
func withClient(url string, f func(*redis.Client) error) error {
	rdb, err := redisserver.Dial(url)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := f(rdb); err != nil {
		if on := onServer(rdb, err); on != "" {
			return fmt.Errorf("redis%s: %w", on, err)
		}
		return err
	}
	return nil
}

// run is one Run's connection and state.
type run struct {
	c   RedisCounter
	rdb *redis.Client
	ctx context.Context
}

// racy is the file counter's read-increment-write, in Redis: between the
// GET and the SET another client's increments come and are overwritten.
func (r run) racy(n int) error {
	for range n {
		v, err := getInt(r.ctx, r.rdb, r.c.Key)
		if err != nil {
			return err
		}
		if err := r.rdb.Set(r.ctx, r.c.Key, v+1, 0).Err(); err != nil {
			return err
		}
	}
	return nil
}

// incr lets the server do the increment: one command, atomic.
func (r run) incr(n int) error {
	for range n {
		if err := r.rdb.Incr(r.ctx, r.c.Key).Err(); err != nil {
			return err
		}
	}
	return nil
}

// watch is optimistic: read under WATCH, write in MULTI/EXEC, which the
// server refuses (redis.TxFailedErr) if the counter changed since the
// WATCH; then read and try again. The retries are added to Key+":retries".
func (r run) watch(n int) (err error) {
	retries := int64(0)
	defer func() {
		if retries > 0 {
			// Counted even if the run failed: they happened.
			err = errors.Join(err, r.rdb.IncrBy(context.Background(), r.c.Key+":retries", retries).Err())
		}
	}()
	increment := func(tx *redis.Tx) error {
		v, err := getInt(r.ctx, tx, r.c.Key)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(r.ctx, func(p redis.Pipeliner) error {
			p.Set(r.ctx, r.c.Key, v+1, 0)
			return nil
		})
		return err
	}
	for range n {
		var deadline time.Time
		for tries := 1; ; tries++ {
			err := r.rdb.Watch(r.ctx, increment, r.c.Key)
			if err == nil {
				break
			}
			if !errors.Is(err, redis.TxFailedErr) {
				return err
			}
			retries++
			if deadline.IsZero() {
				deadline = time.Now().Add(r.c.timeout())
			} else if time.Now().After(deadline) {
				return fmt.Errorf("one increment still conflicting after %d tries in %v", tries, r.c.timeout())
			}
			if err := r.ctx.Err(); err != nil {
				return context.Cause(r.ctx)
			}
		}
	}
	return nil
}

// newLock is the run's lock on the counter.
func (r run) newLock() *redislock.Lock {
	l := redislock.New(r.rdb, r.c.Key+":lock")
	l.SetTTL(r.c.TTL)
	l.SetTimeout(r.c.timeout())
	return l
}

// locked is racy's GET and SET with the lock held around each increment.
// A hold that outlived its TTL is an error: someone else may have held the
// lock meanwhile, and this increment may have overwritten theirs.
func (r run) locked(n int) error {
	l := r.newLock()
	defer l.Close()
	for range n {
		if err := l.Lock(); err != nil {
			return err
		}
		v, err := getInt(r.ctx, r.rdb, r.c.Key)
		if err == nil {
			err = r.hold(l, v)
		}
		if err == nil {
			err = r.rdb.Set(r.ctx, r.c.Key, v+1, 0).Err()
			r.said(err, "token %d: wrote %d", l.Token(), v+1)
		}
		if uerr := l.Unlock(); err == nil {
			err = uerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// fenced is locked with the counter behind a Fenced value: a hold that
// outlived its TTL has its read or write refused instead of overwriting
// someone's increment. A refused increment is counted in Key+":rejected"
// and done again under a new hold, so the count stays exact.
func (r run) fenced(n int) (err error) {
	l := r.newLock()
	defer l.Close()
	f := redislock.NewFenced(r.rdb, r.c.Key)
	rejected := int64(0)
	defer func() {
		if rejected > 0 {
			err = errors.Join(err, r.rdb.IncrBy(context.Background(), r.c.Key+":rejected", rejected).Err())
		}
	}()
	inARow := 0
	for done := 0; done < n; {
		if err := l.Lock(); err != nil {
			return err
		}
		err := r.fencedIncrement(f, l)
		// An expired hold whose writes were all accepted did no harm:
		// that is what the fence is for. Any other Unlock error stands.
		if uerr := l.Unlock(); uerr != nil && !errors.Is(uerr, redislock.ErrExpired) && err == nil {
			err = uerr
		}
		switch {
		case err == nil:
			done++
			inARow = 0
		case errors.Is(err, redislock.ErrStale):
			r.said(nil, "%v: the lock had expired; taking it again", err)
			rejected++
			if inARow++; inARow >= maxRejected {
				return fmt.Errorf("%d increments in a row refused; last: %w", inARow, err)
			}
		default:
			return err
		}
	}
	return nil
}

// fencedIncrement reads f and writes it back plus one, as the holder of
// l, holding it c.Hold in between.
func (r run) fencedIncrement(f *redislock.Fenced, l *redislock.Lock) error {
	token := l.Token()
	s, err := f.Read(token)
	if err != nil {
		return err
	}
	v, err := parseCount(s)
	if err != nil {
		return err
	}
	if err := r.hold(l, v); err != nil {
		return err
	}
	err = f.Write(token, strconv.FormatInt(v+1, 10))
	if !errors.Is(err, redislock.ErrStale) {
		r.said(err, "token %d: wrote %d", token, v+1)
	}
	return err
}

// hold keeps the lock l c.Hold between an increment's read (of v) and its
// write, saying so first; a stopped cell or run ends it early.
func (r run) hold(l *redislock.Lock, v int64) error {
	if r.c.Hold <= 0 {
		return nil
	}
	fmt.Printf("%s: holding %s (token %d, TTL %v), read %d: writing in %v\n",
		whoAmI(), l.Key(), l.Token(), l.TTL(), v, r.c.Hold)
	t := time.NewTimer(r.c.Hold)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-r.ctx.Done():
		return context.Cause(r.ctx)
	}
}

// said prints what became of a held increment's write (format, args),
// when the run holds (c.Hold) and err is nil.
func (r run) said(err error, format string, args ...any) {
	if r.c.Hold > 0 && err == nil {
		fmt.Printf("%s: %s\n", whoAmI(), fmt.Sprintf(format, args...))
	}
}

// whoAmI names this process as a lock's holder does: "pid N on host"
// (in a container, the host name is the container's, e.g. its ID).
func whoAmI() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("pid %d on %s", os.Getpid(), host)
}

// getInt reads key as a number; a missing key is 0.
func getInt(ctx context.Context, c redis.Cmdable, key string) (int64, error) {
	v, err := c.Get(ctx, key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", key, err)
	}
	return v, nil
}

// parseCount reads a counter's text; "" (never written) is 0.
func parseCount(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("counter holds %q, not a number", s)
	}
	return v, nil
}
