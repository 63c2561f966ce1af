package redislock_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/pkg/redislock"
	"github.com/golocks/golocks/runtime/cell"
)

func TestLockUnlock(t *testing.T) {
	c := client(t)
	k := key(t)
	l := redislock.New(c, k)
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	if l.Token() < 1 || l.Owner() == "" {
		t.Errorf("held: token %d, owner %q; want a token ≥ 1 and an owner", l.Token(), l.Owner())
	}
	if got, _ := c.Get(context.Background(), k).Result(); got != l.Owner() {
		t.Errorf("the key holds %q, want the owner %q", got, l.Owner())
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(context.Background(), k).Result(); n != 0 {
		t.Error("the key is still there after Unlock")
	}
	if l.Token() != 0 || l.Owner() != "" {
		t.Errorf("after Unlock: token %d, owner %q; want none", l.Token(), l.Owner())
	}
	if err := l.Unlock(); !errors.Is(err, redislock.ErrNotLocked) {
		t.Errorf("second Unlock: %v, want ErrNotLocked", err)
	}
	if err := l.Extend(time.Second); !errors.Is(err, redislock.ErrNotLocked) {
		t.Errorf("Extend of an unlocked Lock: %v, want ErrNotLocked", err)
	}
}

// Tokens grow with every hold, whoever holds it.
func TestTokensGrow(t *testing.T) {
	c := client(t)
	k := key(t)
	a, b := redislock.New(c, k), redislock.New(c, k)
	var last int64
	for i := range 6 {
		l := a
		if i%2 == 1 {
			l = b
		}
		if err := l.Lock(); err != nil {
			t.Fatal(err)
		}
		if tok := l.Token(); tok <= last {
			t.Errorf("hold %d: token %d, not above the previous %d", i, tok, last)
		} else {
			last = tok
		}
		if err := l.Unlock(); err != nil {
			t.Fatal(err)
		}
	}
}

// A busy lock: TryLock says no, a zero timeout says who holds it, a short
// wait times out naming the key and the holder.
func TestBusy(t *testing.T) {
	c := client(t)
	k := key(t)
	holder, other := redislock.New(c, k), redislock.New(c, k)
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	defer holder.Unlock()
	if ok, err := other.TryLock(); ok || err != nil {
		t.Fatalf("TryLock of a held lock = %v, %v; want false, nil", ok, err)
	}
	for _, d := range []time.Duration{0, 50 * time.Millisecond} {
		err := other.LockTimeout(d)
		var te *redislock.TimeoutError
		if !errors.As(err, &te) || !errors.Is(err, redislock.ErrTimeout) {
			t.Fatalf("LockTimeout(%v) of a held lock: %v, want a *TimeoutError", d, err)
		}
		if te.Lock != k || te.Waited != d || te.HolderPID != os.Getpid() || te.HolderName == "" {
			t.Errorf("TimeoutError %+v: want key %q, wait %v, holder pid %d", te, k, d, os.Getpid())
		}
		want := fmt.Sprintf("lock %s: timed out after %v; held by pid %d (this process, expires in ", k, d, os.Getpid())
		if msg := err.Error(); !strings.HasPrefix(msg, want) {
			t.Errorf("message %q: want %q…", msg, want)
		}
	}
}

// The holder named in a timeout: this process, another process of this
// machine, a process elsewhere, or a value some other client stored.
func TestTimeoutNamesHolder(t *testing.T) {
	c := client(t)
	k := key(t)
	host, _ := os.Hostname()
	for owner, want := range map[string]string{
		host + ":1:abc.1":        "held by pid 1 (on this machine, expires in ",
		"elsewhere:4242:abc.1":   "held by pid 4242 on elsewhere, expires in ",
		"a python client's lock": `held by "a python client's lock", expires in `,
	} {
		if err := c.Set(context.Background(), k, owner, time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
		err := redislock.New(c, k).LockTimeout(0)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("held by %q: %v, want %q…", owner, err, want)
		}
	}
}

// Close lets go of a held lock at once, and ends a wait in progress.
func TestClose(t *testing.T) {
	c := client(t)
	k := key(t)
	l := redislock.New(c, k)
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n, _ := c.Exists(context.Background(), k).Result(); n != 0 {
		t.Error("Close left the lock taken")
	}

	holder, waiter := redislock.New(c, k), redislock.New(c, k)
	defer holder.Close()
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	waiter.SetTimeout(time.Hour)
	errc := make(chan error, 1)
	go func() { errc <- waiter.Lock() }()
	time.Sleep(20 * time.Millisecond) // most likely waiting by now; either way it must end
	if err := waiter.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, redislock.ErrClosed) {
			t.Errorf("a wait ended by Close: %v, want ErrClosed", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Lock still waiting a minute after Close")
	}
}

// Interrupting the cell ends a wait for a busy lock at once, with the
// interruption as the cause; Unlock still lets go of the lock.
func TestInterruptedCell(t *testing.T) {
	c := client(t)
	k := key(t)
	holder, waiter := redislock.New(c, k), redislock.New(c, k)
	if err := holder.Lock(); err != nil {
		t.Fatal(err)
	}
	ctx, interrupt := context.WithCancelCause(context.Background())
	celltest.Run(t, ctx)
	waiter.SetTimeout(time.Hour)
	errc := make(chan error, 1)
	go func() { errc <- waiter.Lock() }()
	interrupt(cell.ErrInterrupted)
	select {
	case err := <-errc:
		if !errors.Is(err, cell.ErrInterrupted) || errors.Is(err, redislock.ErrTimeout) {
			t.Errorf("Lock in an interrupted cell: %v, want cell.ErrInterrupted", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Lock still waiting a minute after the interrupt")
	}
	if err := holder.Unlock(); err != nil {
		t.Errorf("Unlock in an interrupted cell: %v", err)
	}
}

// Unlock after the lock expired and was taken by someone else: an error,
// and the other holder keeps the lock.
func TestUnlockNeverDeletesAnothersLock(t *testing.T) {
	c := client(t)
	k := key(t)
	a, b := redislock.New(c, k), redislock.New(c, k)
	a.SetTTL(20 * time.Millisecond)
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	b.SetTimeout(time.Minute)
	if err := b.Lock(); err != nil { // succeeds once a's hold expires
		t.Fatal(err)
	}
	if err := a.Unlock(); !errors.Is(err, redislock.ErrExpired) {
		t.Errorf("Unlock of an expired lock: %v, want ErrExpired", err)
	}
	if err := a.Extend(0); !errors.Is(err, redislock.ErrNotLocked) {
		t.Errorf("Extend after that: %v, want ErrNotLocked", err)
	}
	if got, _ := c.Get(context.Background(), k).Result(); got != b.Owner() {
		t.Fatalf("the key holds %q, want b's owner %q: a deleted b's lock", got, b.Owner())
	}
	if err := b.Unlock(); err != nil {
		t.Fatal(err)
	}
}

// Extend gives a fresh TTL to one's own lock, and refuses an expired one.
func TestExtend(t *testing.T) {
	c := client(t)
	k := key(t)
	l := redislock.New(c, k)
	l.SetTTL(2 * time.Second)
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	if err := l.Extend(time.Hour); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := c.PTTL(context.Background(), k).Result(); ttl < 50*time.Minute {
		t.Errorf("TTL after Extend(1h) = %v", ttl)
	}
	c.Del(context.Background(), k) // as if it had expired
	if err := l.Extend(time.Hour); !errors.Is(err, redislock.ErrExpired) {
		t.Errorf("Extend of a lost lock: %v, want ErrExpired", err)
	}
	if ok, err := l.TryLock(); !ok || err != nil {
		t.Errorf("TryLock after a lost lock = %v, %v; want it locked again", ok, err)
	}
	l.Unlock()
}

// Goroutines sharing one Lock take turns; so do goroutines with a Lock
// each. The count is a plain int: with -race this also checks that Unlock
// happens before the next Lock in the memory model's sense.
func TestGoroutines(t *testing.T) {
	c := client(t)
	for _, shared := range []bool{true, false} {
		k := key(t)
		one := redislock.New(c, k)
		one.SetTimeout(time.Minute)
		const g, n = 8, 100
		count := 0
		var wg sync.WaitGroup
		errs := make(chan error, g)
		for range g {
			l := one
			if !shared {
				l = redislock.New(c, k)
				l.SetTimeout(time.Minute)
			}
			wg.Go(func() {
				for range n {
					if err := l.Lock(); err != nil {
						errs <- err
						return
					}
					count++
					if err := l.Unlock(); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if count != g*n {
			t.Errorf("shared Lock %v: count %d, want %d", shared, count, g*n)
		}
	}
}

func TestMisuse(t *testing.T) {
	var zero redislock.Lock
	if err := zero.Lock(); err == nil {
		t.Error("Lock of a zero Lock succeeded")
	}
	var nilLock *redislock.Lock
	if err := nilLock.Unlock(); err == nil {
		t.Error("Unlock of a nil Lock succeeded")
	}
	if err := redislock.New(nil, "k").Lock(); err == nil || !strings.Contains(err.Error(), "nil client") {
		t.Errorf("Lock with a nil client: %v", err)
	}
	if err := redislock.New(client(t), "k").LockContext(nil); err == nil {
		t.Error("LockContext(nil) succeeded")
	}
}
