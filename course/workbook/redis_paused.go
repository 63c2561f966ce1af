package workbook

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/pkg/redislock"
	"github.com/golocks/golocks/runtime/cell"
)

// The paused-holder experiment's timing. Only their order matters to the
// outcome: A's pause always lasts until B has finished, however slow the
// machine is.
// Only A's first hold is meant to expire: B's holds and A's second try get
// pausedSafe, a TTL no load stretches a pausedWork hold to: with pausedTTL
// for them too, a loaded class server let B's holds expire under it
// (docs/benchmarks.md, "Figures behind the code").
const (
	pausedTTL   = 200 * time.Millisecond // A's first hold
	pausedWork  = 50 * time.Millisecond  // B's work in each of its holds
	pausedBRuns = 3                      // B's increments while A is paused
	pausedSafe  = 30 * time.Second       // the TTL of every other hold
)

// An Event is one bar of the paused-holder experiment's timeline: who held
// the lock when, A's pause, and each write and whether it landed.
type Event struct {
	Who        string    // "A" (the holder that pauses) or "B"
	What       string    // EventHold, EventPause, EventWrite or EventRejected
	Start, End time.Time // a write's bar spans its round trip
	Label      string    // what to write on the bar: "token 2: 0→1", "paused"...
}

// The kinds of Event.
const (
	EventHold     = "hold"     // the lock was this client's (to its release or expiry)
	EventPause    = "pause"    // A stopped: a GC pause, a slow network, a laptop lid
	EventWrite    = "write"    // a write that landed
	EventRejected = "rejected" // a write the fenced counter refused
)

// PausedRun is what one PausedHolder run did.
type PausedRun struct {
	Fenced   bool
	Expected int64   // the increments made: A's one and B's
	Got      int64   // the counter afterwards
	Events   []Event // in the order they ended; draw them with chart.Events
}

// Lost is how many increments the counter lost.
func (r PausedRun) Lost() int64 { return r.Expected - r.Got }

// PausedHolder is Kleppmann's failure of a lock with an expiry, on the
// Redis server at url (the keys key, key+":lock" and its fencing counter
// are deleted first):
//
//  1. client A takes the lock (TTL 200 ms) and reads the counter, 0;
//  2. A pauses, longer than its TTL: the lock expires without A knowing;
//  3. client B takes the lock and increments the counter three times;
//  4. A wakes up and writes what it read plus one.
//
// Without fencing, A's late write lands: the counter says 1 after four
// increments, B's three are lost, and A only learns that its lock had
// expired when it unlocks. With fencing (fenced true) the counter is a
// redislock.Fenced: B's reads recorded newer tokens, A's write with its
// old token is rejected, and A, told so, takes the lock again and redoes
// its increment: 4, nothing lost. Every run ends the same way; only the
// times differ.
func PausedHolder(url, key string, fenced bool) (PausedRun, error) {
	return runPaused(url, key, fenced, nil, nil)
}

// A Paused is the paused-holder experiment (PausedHolder) with the parts a
// student writes: A's pause and the storage's fencing check. Use it when
// the notebook's own functions are to decide; PausedHolder has both built
// in.
type Paused struct {
	URL, Key string // the server, and the counter's key (its lock and tokens are named after it)

	// Pause is A's pause, between its read and its write, given its
	// lock's TTL: a garbage-collector pause, a closed laptop lid. If A's
	// lock has expired when Pause returns, the world goes on without A
	// until B is done (so every run stages the same story); if A wakes in
	// time, it writes at once, under its lock. nil pauses past the TTL.
	Pause func(ttl time.Duration)

	// Accept is the storage's fencing check: may a read or write with
	// token go ahead, given newest, the newest token the storage has let
	// through so far (0 at first)? The storage remembers the token of each
	// operation it accepts, and refuses the others with a
	// *redislock.StaleTokenError. nil means no fencing: every operation
	// goes ahead. (The storage runs the check and the operation with no
	// other operation in between, as a Redis script would: in this
	// experiment A and B never touch it at the same moment.)
	Accept func(token, newest int64) bool
}

// Run runs the experiment once, with the notebook's Pause and Accept.
func (x Paused) Run() (PausedRun, error) {
	return runPaused(x.URL, x.Key, x.Accept != nil, x.Pause, x.Accept)
}

func runPaused(url, key string, fenced bool, pause func(time.Duration), accept func(token, newest int64) bool) (PausedRun, error) {
	run := PausedRun{Fenced: fenced, Expected: 1 + pausedBRuns}
	p, err := newPaused(url, key, fenced)
	if err != nil {
		return run, err
	}
	defer p.close()
	p.pause, p.accept = pause, accept

	aRead := make(chan struct{})
	bDone := make(chan error, 1)
	go func() {
		select {
		case <-aRead:
			bDone <- p.clientB()
		case <-time.After(time.Minute): // A failed before its read
			bDone <- nil
		}
	}()
	err = p.clientA(aRead, bDone)
	if err != nil {
		return run, fmt.Errorf("paused holder on %s: %w", p.server, err)
	}
	if run.Got, err = p.value(); err != nil {
		return run, fmt.Errorf("paused holder on %s: %w", p.server, err)
	}
	run.Events = p.events
	return run, nil
}

// paused is one PausedHolder run: one client and lock each for A and B.
type paused struct {
	fenced     bool
	pause      func(ttl time.Duration)        // A's pause; nil: until B is done, past the TTL
	accept     func(token, newest int64) bool // the storage's check; nil: redislock.Fenced's when fenced
	key        string
	server     string
	rdbA, rdbB *redis.Client
	lockA      *redislock.Lock
	lockB      *redislock.Lock

	mu     sync.Mutex
	events []Event
}

func newPaused(url, key string, fenced bool) (*paused, error) {
	p := &paused{fenced: fenced, key: key}
	var err error
	if p.rdbA, err = redisserver.Dial(url); err != nil {
		return nil, err
	}
	if p.rdbB, err = redisserver.Dial(url); err != nil {
		p.rdbA.Close()
		return nil, err
	}
	p.server = p.rdbA.Options().Addr
	if err := p.rdbA.Del(cell.Context(), key, key+":lock", key+":lock:fence", key+":newest").Err(); err != nil {
		p.close()
		return nil, fmt.Errorf("paused holder on %s: reset: %w", p.server, err)
	}
	p.lockA, p.lockB = redislock.New(p.rdbA, key+":lock"), redislock.New(p.rdbB, key+":lock")
	p.lockA.SetTTL(pausedTTL)
	p.lockB.SetTTL(pausedSafe)
	return p, nil
}

func (p *paused) close() {
	if p.lockA != nil {
		p.lockA.Close()
		p.lockB.Close()
	}
	p.rdbA.Close()
	p.rdbB.Close()
}

func (p *paused) add(e Event) {
	p.mu.Lock()
	p.events = append(p.events, e)
	p.mu.Unlock()
}

// clientA: lock, read, signal B, pause until B is done and the TTL long
// gone, write, unlock; if fenced and refused, do the increment again.
func (p *paused) clientA(aRead chan<- struct{}, bDone <-chan error) error {
	rdb, l := p.rdbA, p.lockA
	if err := l.Lock(); err != nil {
		close(aRead)
		return err
	}
	locked, token := time.Now(), l.Token()
	v, err := p.read(rdb, token)
	close(aRead)
	if err != nil {
		l.Unlock()
		return err
	}
	// The lock expires TTL after it was taken, whatever A is doing.
	p.add(Event{Who: "A", What: EventHold, Start: locked, End: locked.Add(pausedTTL),
		Label: fmt.Sprintf("token %d: read %d; then its TTL runs out", token, v)})

	pauseStart := time.Now()
	waitB := func() error {
		if bDone == nil {
			return nil
		}
		err := <-bDone
		bDone = nil
		if err != nil {
			return fmt.Errorf("client B: %w", err)
		}
		return nil
	}
	// If A returns early below, B still runs to its end before the run does.
	defer waitB()
	past := "past its TTL"
	if p.pause == nil {
		if err := waitB(); err != nil {
			return err
		}
		if wake := locked.Add(2 * pausedTTL); time.Now().Before(wake) {
			time.Sleep(time.Until(wake))
		}
	} else {
		if err := callPause(p.pause); err != nil {
			l.Unlock()
			return err
		}
		expired, err := p.expired(l)
		if err != nil {
			l.Unlock()
			return err
		}
		if expired {
			if err := waitB(); err != nil {
				return err
			}
		} else {
			past = "within its TTL"
		}
	}
	p.add(Event{Who: "A", What: EventPause, Start: pauseStart, End: time.Now(),
		Label: fmt.Sprintf("paused %v, %s", time.Since(pauseStart).Round(10*time.Millisecond), past)})

	before, err := p.value()
	if err != nil {
		return err
	}
	start := time.Now()
	werr := p.write(rdb, token, v+1)
	switch {
	case werr == nil:
		p.add(Event{Who: "A", What: EventWrite, Start: start, End: time.Now(),
			Label: fmt.Sprintf("token %d: wrote %d over %d", token, v+1, before)})
	case errors.Is(werr, redislock.ErrStale):
		var se *redislock.StaleTokenError
		errors.As(werr, &se)
		p.add(Event{Who: "A", What: EventRejected, Start: start, End: time.Now(),
			Label: fmt.Sprintf("token %d: write %d rejected (token %d seen)", token, v+1, se.Seen)})
	default:
		return werr
	}
	// Unlock says ErrExpired: A learns only now that it had lost the lock.
	if err := l.Unlock(); err != nil && !errors.Is(err, redislock.ErrExpired) {
		return err
	}
	if past == "within its TTL" {
		// A let go in time: its hold ended now, not at the TTL.
		p.mu.Lock()
		p.events[0].End = time.Now()
		p.events[0].Label = fmt.Sprintf("token %d: read %d, wrote %d in time", token, v, v+1)
		p.mu.Unlock()
	}
	if werr == nil {
		return waitB()
	}
	// Refused: A knows its increment did not happen, and does it again,
	// with a hold that is not meant to expire.
	l.SetTTL(pausedSafe)
	if err := p.increment("A", rdb, l); err != nil {
		return err
	}
	return waitB()
}

// clientB increments the counter pausedBRuns times under the lock, doing
// pausedWork of work in each hold.
func (p *paused) clientB() error {
	for range pausedBRuns {
		if err := p.increment("B", p.rdbB, p.lockB); err != nil {
			return err
		}
	}
	return nil
}

// increment is one locked read-increment-write by who, recorded as a hold.
func (p *paused) increment(who string, rdb *redis.Client, l *redislock.Lock) error {
	if err := l.Lock(); err != nil {
		return err
	}
	start, token := time.Now(), l.Token()
	v, err := p.read(rdb, token)
	if err == nil {
		time.Sleep(pausedWork)
		err = p.write(rdb, token, v+1)
	}
	end := time.Now()
	if uerr := l.Unlock(); err == nil {
		err = uerr
	}
	if err != nil {
		return err
	}
	p.add(Event{Who: who, What: EventHold, Start: start, End: end,
		Label: fmt.Sprintf("token %d: %d→%d", token, v, v+1)})
	return nil
}

// callPause calls the notebook's pause, a panic in it made an error.
func callPause(pause func(time.Duration)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("A's pause panicked: %v", r)
		}
	}()
	pause(pausedTTL)
	return nil
}

// expired says whether A's hold is gone from the server.
func (p *paused) expired(l *redislock.Lock) (bool, error) {
	owner, err := p.rdbA.Get(cell.Context(), p.key+":lock").Result()
	if errors.Is(err, redis.Nil) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("GET %s:lock: %w", p.key, err)
	}
	return owner != l.Owner(), nil
}

// check is the notebook's storage-side fencing check, for an operation op
// with token: it remembers the token when it lets it through.
func (p *paused) check(rdb *redis.Client, op string, token int64) (err error) {
	ctx := cell.Context()
	newest, err := getInt(ctx, rdb, p.key+":newest")
	if err != nil {
		return err
	}
	ok := false
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("the storage's check panicked: %v", r)
			}
		}()
		ok = p.accept(token, newest)
	}()
	if err != nil {
		return err
	}
	if !ok {
		return &redislock.StaleTokenError{Key: p.key, Op: op, Token: token, Seen: newest}
	}
	if token > newest {
		return rdb.Set(ctx, p.key+":newest", token, 0).Err()
	}
	return nil
}

// read and write the counter: through the notebook's check, or a Fenced,
// when fenced, else GET/SET.
func (p *paused) read(rdb *redis.Client, token int64) (int64, error) {
	if p.accept != nil {
		if err := p.check(rdb, "read", token); err != nil {
			return 0, err
		}
		return getInt(cell.Context(), rdb, p.key)
	}
	if p.fenced {
		s, err := redislock.NewFenced(rdb, p.key).Read(token)
		if err != nil {
			return 0, err
		}
		return parseCount(s)
	}
	return getInt(cell.Context(), rdb, p.key)
}

func (p *paused) write(rdb *redis.Client, token, v int64) error {
	if p.accept != nil {
		if err := p.check(rdb, "write", token); err != nil {
			return err
		}
		return rdb.Set(cell.Context(), p.key, v, 0).Err()
	}
	if p.fenced {
		return redislock.NewFenced(rdb, p.key).Write(token, strconv.FormatInt(v, 10))
	}
	return rdb.Set(cell.Context(), p.key, v, 0).Err()
}

// value is the counter now, read without a token.
func (p *paused) value() (int64, error) {
	if p.fenced && p.accept == nil {
		s, _, err := redislock.NewFenced(p.rdbA, p.key).Value()
		if err != nil {
			return 0, err
		}
		return parseCount(s)
	}
	return getInt(cell.Context(), p.rdbA, p.key)
}
