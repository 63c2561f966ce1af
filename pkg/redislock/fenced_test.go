package redislock_test

import (
	"errors"
	"testing"

	"github.com/golocks/golocks/pkg/redislock"
)

// Writes and reads with a token older than one seen are refused; equal or
// newer ones go through, and a read records its token.
func TestFenced(t *testing.T) {
	f := redislock.NewFenced(client(t), key(t))
	if v, seen, err := f.Value(); v != "" || seen != 0 || err != nil {
		t.Fatalf("a new Fenced: Value = %q, %d, %v; want \"\", 0", v, seen, err)
	}
	steps := []struct {
		op    string
		token int64
		value string // written, or expected from a read
		stale bool
	}{
		{"write", 5, "a", false},
		{"write", 5, "b", false}, // the same holder writes again
		{"write", 4, "c", true},  // a holder whose lock expired
		{"read", 4, "", true},
		{"read", 5, "b", false},
		{"read", 7, "b", false}, // a newer holder reads: 5 is now stale
		{"write", 5, "x", true},
		{"write", 7, "d", false},
		{"write", 6, "e", true},
		{"read", 1, "", true},
	}
	value, seen := "", int64(0)
	for _, s := range steps {
		var err error
		switch s.op {
		case "write":
			err = f.Write(s.token, s.value)
		case "read":
			var got string
			got, err = f.Read(s.token)
			if err == nil && got != s.value {
				t.Errorf("Read(%d) = %q, want %q", s.token, got, s.value)
			}
		}
		if s.stale {
			var se *redislock.StaleTokenError
			if !errors.As(err, &se) || !errors.Is(err, redislock.ErrStale) || se.Token != s.token || se.Seen != seen || se.Op != s.op {
				t.Errorf("%s(%d) after token %d: %v, want a *StaleTokenError", s.op, s.token, seen, err)
			}
		} else {
			if err != nil {
				t.Errorf("%s(%d) after token %d: %v", s.op, s.token, seen, err)
			}
			seen = s.token
			if s.op == "write" {
				value = s.value
			}
		}
		if v, tok, err := f.Value(); v != value || tok != seen || err != nil {
			t.Errorf("after %s(%d): Value = %q, %d, %v; want %q, %d", s.op, s.token, v, tok, err, value, seen)
		}
	}
	if got := (&redislock.StaleTokenError{Key: "counter", Op: "write", Token: 3, Seen: 4}).Error(); got != "fenced counter: write with token 3 rejected: token 4 already seen" {
		t.Errorf("message %q", got)
	}
}
