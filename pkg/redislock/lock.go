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
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/pkg/lockerr"
	"github.com/golocks/golocks/runtime/cell"
)

const (
	// DefaultTTL is how long a hold lasts, unless extended, on a new Lock:
	// much longer than any critical section of the workbook, so that only
	// a holder that really stopped (or died) loses the lock.
	DefaultTTL = 10 * time.Second

	// DefaultTimeout is how long Lock waits on a new Lock, until
	// SetTimeout changes it for that Lock.
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
// the same server. Close it when done.
//
// Unlike sync.Mutex, locking never waits forever (the wait ends in a
// *TimeoutError) and unlocking an unlocked Lock is an error, not a crash.
type Lock struct {
	client   redis.Scripter
	server   string // the client's server address, for errors
	key      string
	fenceKey string
	host     string // this machine's name, as the owner values say it
	id       string // "host:pid:random", unique to this Lock

	timeout atomic.Int64 // Lock's bound, in nanoseconds (SetTimeout)
	ttl     atomic.Int64 // each hold's TTL, in nanoseconds (SetTTL)

	// sem holds a token while a goroutine of this process holds the lock
	// or is trying to take it: goroutines sharing the Lock queue here,
	// not at the server. A channel because the wait must honour a context.
	sem chan struct{}

	// closing is closed by Close: it ends the waits in progress.
	closing chan struct{}

	mu     sync.Mutex // guards the fields below; never held during a command
	closed bool
	holds  uint64 // holds so far, to make each hold's owner value unique
	owner  string // the current hold's owner value; "" = not held
	token  int64  // the current hold's fencing token
}

// New returns the lock under key on the server client talks to (a
// *redis.Client, e.g. from redisserver.Dial), holding it DefaultTTL at a
// time and waiting at most DefaultTimeout in Lock. Nothing is sent yet.
// The fencing tokens are counted under key + ":fence".
func New(client redis.Scripter, key string) *Lock {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	var b [6]byte
	_, _ = crand.Read(b[:]) // never fails (crypto/rand)
	l := &Lock{
		client:   client,
		server:   serverName(client),
		key:      key,
		fenceKey: key + ":fence",
		host:     host,
		id:       fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:])),
		sem:      make(chan struct{}, 1),
		closing:  make(chan struct{}),
	}
	l.timeout.Store(int64(DefaultTimeout))
	l.ttl.Store(int64(DefaultTTL))
	return l
}

// Key returns the lock's key as given to New.
func (l *Lock) Key() string {
	if l == nil {
		return ""
	}
	return l.key
}

// SetTimeout sets how long Lock waits, and LockContext with a context that
// has no deadline; d <= 0 makes them try once. It is safe to call at any
// time, from any goroutine: a wait already under way keeps its bound.
func (l *Lock) SetTimeout(d time.Duration) {
	if l != nil {
		l.timeout.Store(int64(d))
	}
}

// Timeout returns the bound that SetTimeout set (DefaultTimeout for a new
// Lock).
func (l *Lock) Timeout() time.Duration {
	if l == nil {
		return 0
	}
	return time.Duration(l.timeout.Load())
}

// SetTTL sets how long each later hold lasts unless it is extended
// (Extend); d < 1ms means DefaultTTL. A holder still working after its TTL
// has lost the lock without knowing it: keep the TTL well above the
// longest critical section, and fence what the lock protects (Fenced).
func (l *Lock) SetTTL(d time.Duration) {
	if l == nil {
		return
	}
	if d < time.Millisecond {
		d = DefaultTTL
	}
	l.ttl.Store(int64(d))
}

// TTL returns how long each hold lasts (DefaultTTL for a new Lock).
func (l *Lock) TTL() time.Duration {
	if l == nil {
		return 0
	}
	return time.Duration(l.ttl.Load())
}

// Lock takes the lock, waiting at most l.Timeout(). Use it for the
// ordinary "take turns" case; pair it with Unlock. In a notebook the wait
// also ends when the cell is interrupted.
func (l *Lock) Lock() error {
	return l.lock(nil, l.Timeout())
}

// LockTimeout takes the lock, waiting at most d. With d <= 0 it tries once
// and reports a busy lock as a *TimeoutError (TryLock reports it as false).
func (l *Lock) LockTimeout(d time.Duration) error {
	return l.lock(nil, d)
}

// LockContext takes the lock, waiting until ctx is done, and at most
// l.Timeout() if ctx has no deadline: every wait is bounded. A deadline
// that passes gives a *TimeoutError that also matches
// context.DeadlineExceeded; a cancelled ctx gives an error wrapping its
// cause and context.Canceled.
func (l *Lock) LockContext(ctx context.Context) error {
	if ctx == nil {
		return fmt.Errorf("lock %s: nil context", l.Key())
	}
	return l.lock(ctx, l.Timeout())
}

// TryLock takes the lock if it is free right now and reports whether it
// did. The error is for a server that cannot be reached, never for a busy
// lock.
func (l *Lock) TryLock() (bool, error) {
	if err := l.check("lock"); err != nil {
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
// than that of every earlier hold of this key. Pass it with each read and
// write of a Fenced value. It is 0 when the lock is not held.
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
// The error wraps ErrNotLocked if this Lock did not hold it, ErrExpired if
// it had expired (what was done under it since may have overlapped another
// holder), or is the server's. After any of them the Lock is unlocked and
// can be locked again.
func (l *Lock) Unlock() error {
	owner, err := l.held("unlock")
	if err != nil {
		return err
	}
	defer l.clear()
	return l.release("unlock", owner)
}

// release deletes the hold owner on the server, if it is still there. Not
// under the cell's context: an interrupted cell must still let go of the
// lock (typically in a defer), or everyone else waits for its TTL. The
// client's own timeouts bound this one round trip.
func (l *Lock) release(op, owner string) error {
	n, err := release.Run(context.Background(), l.client, []string{l.key}, owner).Int()
	if err != nil {
		return fmt.Errorf("%s %s%s: %w", op, l.key, on(l.server, err), err)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", op, l.key, ErrExpired)
	}
	return nil
}

// Extend gives the current hold a fresh TTL of d (d <= 0: l.TTL()), only
// if this Lock still holds it. Use it in a long critical section, before
// the TTL runs out. ErrExpired means it was too late: the lock is lost,
// and this Lock is unlocked.
func (l *Lock) Extend(d time.Duration) error {
	owner, err := l.held("extend")
	if err != nil {
		return err
	}
	if d <= 0 {
		d = l.TTL()
	}
	n, err := extend.Run(cell.Context(), l.client, []string{l.key}, owner, max(d.Milliseconds(), 1)).Int()
	if err != nil {
		return fmt.Errorf("extend %s%s: %w", l.key, on(l.server, err), err)
	}
	if n == 0 {
		l.clear()
		return fmt.Errorf("extend %s: %w", l.key, ErrExpired)
	}
	return nil
}

// Close releases the lock if this Lock holds it, and ends the waits in
// progress; after it every method returns an error wrapping ErrClosed. It
// does not close the client, which the caller may still use. The error is
// the release's (see Unlock).
func (l *Lock) Close() error {
	if err := l.check("close"); err != nil {
		return err
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("close %s: %w", l.key, ErrClosed)
	}
	l.closed = true
	close(l.closing)
	owner := l.owner
	l.owner, l.token = "", 0
	l.mu.Unlock()
	if owner == "" {
		return nil
	}
	<-l.sem
	return l.release("close", owner)
}

// lock waits until the lock is taken, ctx is done, or d has passed (when
// ctx has no deadline), whichever comes first.
//
// The wait's bound ends the sleeps between tries, never a command in
// flight: a script cut off by a deadline may still have run on the server,
// taking a lock nobody knows it holds. Each command is bounded by the
// client's own timeouts instead (redisserver.Dial: a few seconds).
func (l *Lock) lock(ctx context.Context, d time.Duration) error {
	if err := l.check("lock"); err != nil {
		return err
	}
	cmdCtx := cell.Context()
	if ctx != nil {
		cmdCtx = context.WithoutCancel(ctx)
	}
	start := time.Now()
	// Fast path: nobody in this process holds it and the server says it
	// is free. No timer, no context of our own.
	var busy holder
	select {
	case l.sem <- struct{}{}:
		ok, h, err := l.try(cmdCtx)
		if ok || err != nil {
			if err != nil {
				<-l.sem
			}
			return err
		}
		<-l.sem // wait below like everyone else
		busy = h
	default:
	}
	_, hasDeadline := ctxDeadline(ctx)
	if d <= 0 && !hasDeadline {
		return l.timeoutError(d, busy)
	}

	// Slow path: bounded by d or ctx's deadline, and by the running cell.
	var cancel context.CancelFunc
	if ctx == nil {
		ctx = cell.Context()
	}
	if hasDeadline {
		ctx, cancel = context.WithCancel(ctx)
	} else {
		ctx, cancel = context.WithTimeoutCause(ctx, d, errOwnBound)
	}
	defer cancel()
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return l.waitError(ctx, start, d, busy)
	case <-l.closing:
		return fmt.Errorf("lock %s: %w", l.key, ErrClosed)
	}
	backoff := minBackoff
	for {
		ok, h, err := l.try(cmdCtx)
		if ok {
			return nil
		}
		if err != nil {
			<-l.sem
			return err
		}
		busy = h
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
			return l.waitError(ctx, start, d, busy)
		case <-l.closing:
			t.Stop()
			<-l.sem
			return fmt.Errorf("lock %s: %w", l.key, ErrClosed)
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// errOwnBound is the cause of a wait's context when the wait's own bound
// (Timeout, LockTimeout's d) ended it, as opposed to a caller's deadline.
var errOwnBound = errors.New("the lock's own bound")

// ctxDeadline is ctx.Deadline for a ctx that may be nil.
func ctxDeadline(ctx context.Context) (time.Time, bool) {
	if ctx == nil {
		return time.Time{}, false
	}
	return ctx.Deadline()
}

// holder is who held the lock at a failed try.
type holder struct {
	owner string
	ttl   time.Duration
}

// try runs the acquire script once. The caller holds sem; on success it
// keeps it until Unlock.
func (l *Lock) try(ctx context.Context) (ok bool, busy holder, err error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false, holder{}, fmt.Errorf("lock %s: %w", l.key, ErrClosed)
	}
	l.holds++
	owner := l.id + "." + strconv.FormatUint(l.holds, 36)
	l.mu.Unlock()
	res, err := acquire.Run(ctx, l.client, []string{l.key, l.fenceKey}, owner, l.TTL().Milliseconds()).Slice()
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

// waitError is the error of a wait that ctx ended: a *TimeoutError when
// its own bound d or the caller's deadline passed (then it also wraps the
// cause), lockerr.Canceled's error when it was cancelled (an interrupted
// cell).
func (l *Lock) waitError(ctx context.Context, start time.Time, d time.Duration, busy holder) error {
	if errors.Is(context.Cause(ctx), errOwnBound) {
		return l.timeoutError(d, busy)
	}
	waited := time.Since(start)
	if dl, ok := ctx.Deadline(); ok && dl.After(start) && dl.Sub(start) < waited {
		waited = dl.Sub(start) // the bound the caller chose, not the timer's lateness
	}
	err := lockerr.FromContext(l.key, waited, ctx)
	if te, ok := err.(*TimeoutError); ok {
		l.describe(te, busy)
	}
	return err
}

// timeoutError is the error of a wait that reached its own bound d.
func (l *Lock) timeoutError(d time.Duration, busy holder) *TimeoutError {
	te := &TimeoutError{Lock: l.key, Waited: max(d, 0)}
	l.describe(te, busy)
	return te
}

// describe fills in who held the lock when the wait ended. An owner value
// made by this package, "host:pid:random", names a process: on this
// machine its pid is HolderPID; elsewhere the host goes in HolderName with
// the pid. The time the hold had left comes last: "expires in 2.5s".
func (l *Lock) describe(te *TimeoutError, busy holder) {
	if busy.owner == "" {
		return
	}
	var name string
	f := strings.Split(busy.owner, ":")
	pid, err := 0, error(nil)
	if len(f) == 3 {
		pid, err = strconv.Atoi(f[1])
	}
	switch {
	case len(f) == 3 && err == nil && pid > 0 && f[0] == l.host:
		te.HolderPID = pid
		name = "on this machine"
		if pid == os.Getpid() {
			name = "this process"
		}
	case len(f) == 3 && err == nil && pid > 0:
		name = fmt.Sprintf("pid %d on %s", pid, f[0])
	default:
		name = strconv.Quote(busy.owner)
	}
	if busy.ttl > 0 {
		name += fmt.Sprintf(", expires in %v", busy.ttl.Round(time.Millisecond))
	}
	te.HolderName = name
}

// held returns the current hold's owner value, or an ErrNotLocked error.
func (l *Lock) held(op string) (string, error) {
	if err := l.check(op); err != nil {
		return "", err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return "", fmt.Errorf("%s %s: %w", op, l.key, ErrClosed)
	}
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

// check turns misuse into errors: the library must not panic in a kernel.
func (l *Lock) check(op string) error {
	if l == nil || l.sem == nil {
		return errors.New("lock: use of a redislock.Lock not made by redislock.New")
	}
	if l.client == nil {
		return fmt.Errorf("%s %s: nil client", op, l.key)
	}
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return fmt.Errorf("%s %s: %w", op, l.key, ErrClosed)
	}
	return nil
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
