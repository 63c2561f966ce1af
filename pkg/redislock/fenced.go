package redislock

import (
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/pkg/cell"
)

// Fenced is a value in Redis that refuses late writes: each write carries
// the writer's fencing token (Lock.Token), and a write whose token is older
// than one the value has already accepted is rejected with a
// *StaleTokenError. Use it for whatever a Lock protects when a holder that
// lost its lock (it paused past the TTL) must not overwrite the work of the
// holder after it.
//
// The value and the newest token it accepted are kept together in a Redis
// hash under the key (fields "value" and "token"), and checked and written
// in one script: no other write can come between the check and the write.
type Fenced struct {
	client redis.Scripter
	server string // where the client connects, for errors
	key    string
}

// NewFenced returns the fenced value under key on the server client talks
// to. Nothing is sent yet; a key never written reads as "" with token 0.
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

// Write stores value if token is not older than the newest token the value
// has accepted; otherwise it changes nothing and returns a
// *StaleTokenError (errors.Is(err, ErrStale)). Write under the lock whose
// Token you pass.
func (f *Fenced) Write(token int64, value string) error {
	if err := f.check(); err != nil {
		return err
	}
	res, err := fencedWrite.Run(cell.Context(), f.client, []string{f.key}, token, value).Int64Slice()
	if err != nil {
		return fmt.Errorf("fenced %s%s: write: %w", f.key, f.server, err)
	}
	switch {
	case len(res) == 1 && res[0] == 1:
		return nil
	case len(res) == 2 && res[0] == 0:
		return &StaleTokenError{Key: f.key, Token: token, Seen: res[1]}
	}
	return fmt.Errorf("fenced %s: unexpected reply %v", f.key, res)
}

// Read returns the value and the token of the write that stored it ("" and
// 0 if it was never written).
func (f *Fenced) Read() (value string, token int64, err error) {
	if err := f.check(); err != nil {
		return "", 0, err
	}
	res, err := fencedRead.Run(cell.Context(), f.client, []string{f.key}).Slice()
	if err != nil {
		return "", 0, fmt.Errorf("fenced %s%s: read: %w", f.key, f.server, err)
	}
	if len(res) != 2 {
		return "", 0, fmt.Errorf("fenced %s: unexpected reply %v", f.key, res)
	}
	value, _ = res[0].(string)
	if s, ok := res[1].(string); ok {
		if token, err = strconv.ParseInt(s, 10, 64); err != nil {
			return "", 0, fmt.Errorf("fenced %s: token %q: %w", f.key, s, err)
		}
	}
	return value, token, nil
}

func (f *Fenced) check() error {
	if f == nil || f.client == nil {
		return fmt.Errorf("redislock: use NewFenced with a client to make a Fenced")
	}
	return nil
}
