package redislock

import (
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/runtime/cell"
)

// Fenced is a value in Redis that refuses late holders of a lock: every
// Read and Write carries the caller's fencing token (Lock.Token), and one
// whose token is older than a token the value has already seen is refused
// with a *StaleTokenError. Use it for whatever a Lock protects when a
// holder that lost its lock (it paused past the TTL) must not overwrite
// the work of the holders after it.
//
// Reads are fenced too, not only writes: an increment reads, then writes
// what it read plus one. If only writes were checked, a paused holder
// could read, lose the lock, and write after the next holder read but
// before it wrote, and one of the two increments would vanish. A fenced
// Read records its token, so the paused holder's write is refused instead.
//
// The value and the newest token seen are kept together in a Redis hash
// under the key (fields "value" and "token"), checked and changed in one
// script each: nothing can come between the check and the change.
type Fenced struct {
	client redis.Scripter
	server string // the client's server address, for errors
	key    string
}

// NewFenced returns the fenced value under key on the server client talks
// to. Nothing is sent yet; a key never written reads as "".
func NewFenced(client redis.Scripter, key string) *Fenced {
	return &Fenced{client: client, server: serverName(client), key: key}
}

// Key returns the value's key as given to NewFenced.
func (f *Fenced) Key() string {
	if f == nil {
		return ""
	}
	return f.key
}

// Read returns the value ("" if never written) to a holder of token, and
// from then on refuses writes with older tokens. A token older than one
// already seen gets a *StaleTokenError (errors.Is(err, ErrStale)).
func (f *Fenced) Read(token int64) (string, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	res, err := fencedRead.Run(cell.Context(), f.client, []string{f.key}, token).Slice()
	if err != nil {
		return "", fmt.Errorf("fenced %s%s: read: %w", f.key, on(f.server, err), err)
	}
	if len(res) == 2 && res[0] == int64(1) {
		value, _ := res[1].(string) // nil: never written
		return value, nil
	}
	if len(res) == 2 && res[0] == int64(0) {
		seen, _ := res[1].(int64)
		return "", &StaleTokenError{Key: f.key, Op: "read", Token: token, Seen: seen}
	}
	return "", fmt.Errorf("fenced %s: unexpected reply %v", f.key, res)
}

// Write stores value for a holder of token, unless a newer token has been
// seen: then it changes nothing and returns a *StaleTokenError
// (errors.Is(err, ErrStale)).
func (f *Fenced) Write(token int64, value string) error {
	if err := f.check(); err != nil {
		return err
	}
	res, err := fencedWrite.Run(cell.Context(), f.client, []string{f.key}, token, value).Int64Slice()
	if err != nil {
		return fmt.Errorf("fenced %s%s: write: %w", f.key, on(f.server, err), err)
	}
	switch {
	case len(res) == 1 && res[0] == 1:
		return nil
	case len(res) == 2 && res[0] == 0:
		return &StaleTokenError{Key: f.key, Op: "write", Token: token, Seen: res[1]}
	}
	return fmt.Errorf("fenced %s: unexpected reply %v", f.key, res)
}

// Value returns the value and the newest token seen, checking nothing and
// recording nothing: for reports once the work is done, not for a
// read-modify-write (use Read).
func (f *Fenced) Value() (value string, seen int64, err error) {
	if err := f.check(); err != nil {
		return "", 0, err
	}
	res, err := fencedValue.Run(cell.Context(), f.client, []string{f.key}).Slice()
	if err != nil {
		return "", 0, fmt.Errorf("fenced %s%s: %w", f.key, on(f.server, err), err)
	}
	if len(res) != 2 {
		return "", 0, fmt.Errorf("fenced %s: unexpected reply %v", f.key, res)
	}
	value, _ = res[0].(string)
	if s, ok := res[1].(string); ok {
		if seen, err = strconv.ParseInt(s, 10, 64); err != nil {
			return "", 0, fmt.Errorf("fenced %s: token %q: %w", f.key, s, err)
		}
	}
	return value, seen, nil
}

func (f *Fenced) check() error {
	if f == nil || f.client == nil {
		return fmt.Errorf("lock: use of a redislock.Fenced not made by redislock.NewFenced with a client")
	}
	return nil
}
