package redislock

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/pkg/cell"
)

const (
	// DefaultTTL is how long a hold lasts, unless extended, when a Lock's
	// TTL is 0: much longer than any critical section of the workbook, so
	// that only a holder that really stopped (or died) loses the lock.
	DefaultTTL = 10 * time.Second

	// DefaultTimeout bounds Lock's wait when a Lock's Timeout is 0.
	DefaultTimeout = 10 * time.Second

	// The back-off between tries of a busy lock grows from minBackoff to
	// maxBackoff, each sleep drawn at random from its upper half so that
	// waiters do not retry in step. A lock is free for about one round trip
	// between its holder's turns; short sleeps give a waiter many chances
	// to find it free without flooding the server.
	minBackoff = 100 * time.Microsecond
	maxBackoff = 5 * time.Millisecond
)

// Lock is one lock held in Redis under a key. Make one with New per process
// (or per worker) and share it between goroutines if you like: they take
// turns as well as with other processes. Every party names the same key on
// the same server.
//
// Set TTL and Timeout before the first Lock, if the defaults do not suit.
// Unlike sync.Mutex, locking never waits forever (the wait ends in a
// *TimeoutError) and unlocking an unlocked Lock is an error, not a crash.
type Lock struct {
	// TTL is how long each hold lasts unless it is extended (Extend); 0
	// means DefaultTTL. A holder that is still working after its TTL has
	// lost the lock: keep it well above the longest critical section.
	TTL time.Duration

	// Timeout bounds Lock's wait; 0 means DefaultTimeout.
	Timeout time.Duration

	client   redis.Scripter
	server   string // the client's server address, for errors
	key      string
	fenceKey string
	id       string // "host:pid:random", unique to this Lock

	// sem holds a token while a goroutine of this process holds the lock
	// or is trying to take it: goroutines sharing the Lock queue here,
	// not at the server. A channel because the wait must honour a context.
	sem chan struct{}

	mu    sync.Mutex
	holds uint64 // holds so far, to make each hold's owner value unique
	owner string // the current hold's owner value; "" = not held
	token int64  // the current hold's fencing token
}

// New returns the lock under key on the server client talks to (a
// *redis.Client, e.g. from redisserver.Dial). Nothing is sent yet. The
// fencing tokens are counted under key + ":fence".
func New(client redis.Scripter, key string) *Lock {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	var b [6]byte
	_, _ = crand.Read(b[:]) // never fails (crypto/rand)
	return &Lock{
		client:   client,
		server:   serverName(client),
		key:      key,
		fenceKey: key + ":fence",
		id:       fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:])),
		sem:      make(chan struct{}, 1),
	}
}

// Key returns the lock's key as given to New.
func (l *Lock) Key() string {
	if l == nil {
		return ""
	}
	return l.key
}

// Lock takes the lock, waiting at most Timeout (DefaultTimeout). Use it for
// the ordinary "take turns" case; pair it with Unlock.
func (l *Lock) Lock() error {
	return l.LockTimeout(l.timeout())
}

// LockTimeout takes the lock, waiting at most d. With d <= 0 it tries once
// and reports a busy lock as a *TimeoutError (TryLock reports it as false).
func (l *Lock) LockTimeout(d time.Duration) error {
	return l.lock(nil, d)
}

// LockContext takes the lock, waiting until ctx is done. A deadline that
// passes gives a *TimeoutError (errors.Is ErrTimeout and
// context.DeadlineExceeded); a cancelled ctx gives an error wrapping its
// cause.
func (l *Lock) LockContext(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("lock %s: nil context", l.Key())
	}
	return l.lock(ctx, 0)
}

// TryLock takes the lock if it is free right now and reports whether it
// did. The error is for a server that cannot be reached, never for a busy
// lock.
func (l *Lock) TryLock() (bool, error) {
	if err := l.check(); err != nil {
		return false, err
	}
	select {
	case l.sem <- struct{}{}:
	default:
		return false, nil // another goroutine of ours has it
	}
	ok, _, err := l.try(cell.Context())
	if !ok {
		<-l.sem
	}
	return ok, err
}

// Token returns the fencing token of the current hold: a number larger
// than that of every earlier hold of this key. Pass it with each write to a
// Fenced value. It is 0 when the lock is not held.
func (l *Lock) Token() int64 {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.token
}

// Owner returns the value stored under the key for the current hold
// ("host:pid:random"), or "" when the lock is not held. Another process's
// TimeoutError shows it as "pid N on host".
func (l *Lock) Owner() string {
	if l == nil {
		return ""
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.owner
}

// Unlock releases the lock, only if this Lock still holds it on the
// server: it never deletes a lock another owner took after ours expired.
// The error is ErrNotLocked if this Lock did not hold it, ErrExpired if it
// had expired (what was done under it since may have overlapped another
// holder), or the server's error. After any of them the Lock is unlocked
// and can be locked again.
func (l *Lock) Unlock() error {
	owner, err := l.held("unlock")
	if err != nil {
		return err
	}
	defer l.clear()
	// Not the cell's context: an interrupted cell must still let go of the
	// lock (typically in a defer), or everyone else waits for its TTL. The
	// client's own timeouts bound this one round trip.
	n, err := release.Run(context.Background(), l.client, []string{l.key}, owner).Int()
	if err != nil {
		return fmt.Errorf("unlock %s%s: %w", l.key, on(l.server, err), err)
	}
	if n == 0 {
		return fmt.Errorf("unlock %s: %w", l.key, ErrExpired)
	}
	return nil
}

// Extend gives the current hold a fresh TTL of d (d <= 0: the Lock's TTL),
// only if this Lock still holds it. Use it in a long critical section,
// before the TTL runs out. ErrExpired means it was too late: the lock is
// lost, and this Lock is unlocked.
func (l *Lock) Extend(d time.Duration) error {
	owner, err := l.held("extend")
	if err != nil {
		return err
	}
	if d <= 0 {
		d = l.ttl()
	}
	n, err := extend.Run(cell.Context(), l.client, []string{l.key}, owner, d.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("extend %s%s: %w", l.key, on(l.server, err), err)
	}
	if n == 0 {
		l.clear()
		return fmt.Errorf("extend %s: %w", l.key, ErrExpired)
	}
	return nil
}

// lock waits until the lock is taken, ctx is done or (when ctx is nil)
// timeout has passed, whichever comes first.
//
// The wait's deadline bounds the sleeps between tries, never a command in
// flight: a script cut off by a deadline may still have run on the server,
// taking a lock nobody knows it holds. Each command is bounded by the
// client's own timeouts instead (redisserver.Dial: a few seconds).
func (l *Lock) lock(ctx context.Context, timeout time.Duration) error {
	if err := l.check(); err != nil {
		return err
	}
	cmdCtx := cell.Context()
	if ctx != nil {
		cmdCtx = context.WithoutCancel(ctx)
	}
	start := time.Now()
	// Fast path: nobody in this process holds it and the server says it
	// is free. No timer, no context of our own.
	select {
	case l.sem <- struct{}{}:
		ok, busy, err := l.try(cmdCtx)
		if ok || err != nil {
			if err != nil {
				<-l.sem
			}
			return err
		}
		<-l.sem // wait below like everyone else
		if timeout <= 0 && ctx == nil {
			return busy.timeout(l.key, time.Since(start))
		}
	default:
		if timeout <= 0 && ctx == nil {
			return &TimeoutError{Key: l.key}
		}
	}

	// Slow path: the wait is bounded by timeout and by the running cell.
	var cancel context.CancelFunc
	if ctx == nil {
		ctx, cancel = context.WithTimeout(cell.Context(), timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return l.waitError(ctx, start, holder{})
	}
	backoff := minBackoff
	for {
		ok, busy, err := l.try(cmdCtx)
		if ok {
			return nil
		}
		if err != nil {
			<-l.sem
			return err
		}
		sleep := backoff/2 + rand.N(backoff/2+1)
		// No point sleeping past the holder's expiry.
		if busy.ttl > 0 && busy.ttl < sleep {
			sleep = busy.ttl
		}
		t := time.NewTimer(sleep)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			<-l.sem
			return l.waitError(ctx, start, busy)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// holder is who held the lock at a failed try.
type holder struct {
	owner string
	ttl   time.Duration
}

func (h holder) timeout(key string, waited time.Duration) *TimeoutError {
	return &TimeoutError{Key: key, Waited: waited, Holder: h.owner, TTL: h.ttl}
}

// try runs the acquire script once. The caller holds sem; on success it
// keeps it until Unlock.
func (l *Lock) try(ctx context.Context) (ok bool, busy holder, err error) {
	l.mu.Lock()
	l.holds++
	owner := l.id + "." + strconv.FormatUint(l.holds, 36)
	l.mu.Unlock()
	res, err := acquire.Run(ctx, l.client, []string{l.key, l.fenceKey}, owner, l.ttl().Milliseconds()).Slice()
	if err != nil {
		// The script may have run before the connection failed: if the
		// lock is ours after all, let it go rather than leave it taken
		// for a whole TTL by nobody.
		release.Run(context.Background(), l.client, []string{l.key}, owner)
		if ctx.Err() != nil { // an interrupted cell: say so
			err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		return false, holder{}, fmt.Errorf("lock %s%s: %w", l.key, on(l.server, err), err)
	}
	if len(res) == 2 && res[0] == int64(1) {
		token, _ := res[1].(int64)
		l.mu.Lock()
		l.owner, l.token = owner, token
		l.mu.Unlock()
		return true, holder{}, nil
	}
	if len(res) == 3 && res[0] == int64(0) {
		who, _ := res[1].(string)
		ms, _ := res[2].(int64)
		return false, holder{owner: who, ttl: time.Duration(max(ms, 0)) * time.Millisecond}, nil
	}
	return false, holder{}, fmt.Errorf("lock %s: unexpected reply %v", l.key, res)
}

// waitError is the error for a wait that ended because ctx is done: a
// *TimeoutError for a deadline, the cause otherwise (an interrupted cell).
func (l *Lock) waitError(ctx context.Context, start time.Time, busy holder) error {
	cause := context.Cause(ctx)
	if errors.Is(cause, context.DeadlineExceeded) {
		return busy.timeout(l.key, time.Since(start))
	}
	return fmt.Errorf("lock %s: gave up after %v: %w", l.key, round(time.Since(start)), cause)
}

// held returns the current hold's owner value, or ErrNotLocked.
func (l *Lock) held(op string) (string, error) {
	if err := l.check(); err != nil {
		return "", err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.owner == "" {
		return "", fmt.Errorf("%s %s: %w", op, l.key, ErrNotLocked)
	}
	return l.owner, nil
}

// clear forgets the current hold and lets the next goroutine in.
func (l *Lock) clear() {
	l.mu.Lock()
	held := l.owner != ""
	l.owner, l.token = "", 0
	l.mu.Unlock()
	if held {
		<-l.sem
	}
}

func (l *Lock) check() error {
	if l == nil || l.sem == nil {
		return errors.New("redislock: use New to make a Lock")
	}
	if l.client == nil {
		return fmt.Errorf("lock %s: nil client", l.key)
	}
	return nil
}

func (l *Lock) ttl() time.Duration {
	if l.TTL > 0 {
		return l.TTL
	}
	return DefaultTTL
}

func (l *Lock) timeout() time.Duration {
	if l.Timeout > 0 {
		return l.Timeout
	}
	return DefaultTimeout
}

// serverName is the address of a client that tells it (a *redis.Client
// does), or "".
func serverName(client redis.Scripter) string {
	if c, ok := client.(interface{ Options() *redis.Options }); ok {
		if o := c.Options(); o != nil {
			return o.Addr
		}
	}
	return ""
}

// on is " on <server>" for an error that does not name the server yet, so
// that "EOF" from a server that went away says which server; most network
// errors already do ("read unix @->/tmp/…/redis.sock: …").
func on(server string, err error) string {
	if server == "" || strings.Contains(err.Error(), server) {
		return ""
	}
	return " on " + server
}
