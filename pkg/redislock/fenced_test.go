package redislock_test

import (
	"errors"
	"testing"

	"github.com/golocks/golocks/pkg/redislock"
)

func TestFenced(t *testing.T) {
	f := redislock.NewFenced(client(t), key(t))
	if v, tok, err := f.Read(); v != "" || tok != 0 || err != nil {
		t.Fatalf("a new Fenced reads %q, %d, %v; want \"\", 0", v, tok, err)
	}
	steps := []struct {
		token int64
		value string
		stale bool
	}{
		{5, "a", false},
		{5, "b", false}, // the same holder writes again
		{4, "c", true},  // a holder whose lock expired
		{7, "d", false},
		{6, "e", true},
		{1, "f", true},
	}
	want, wantTok := "", int64(0)
	for _, s := range steps {
		err := f.Write(s.token, s.value)
		if s.stale {
			var se *redislock.StaleTokenError
			if !errors.As(err, &se) || !errors.Is(err, redislock.ErrStale) || se.Token != s.token || se.Seen != wantTok {
				t.Errorf("Write(%d) after token %d: %v, want a *StaleTokenError", s.token, wantTok, err)
			}
		} else {
			if err != nil {
				t.Errorf("Write(%d) after token %d: %v", s.token, wantTok, err)
			}
			want, wantTok = s.value, s.token
		}
		if v, tok, err := f.Read(); v != want || tok != wantTok || err != nil {
			t.Errorf("after Write(%d, %q): Read = %q, %d, %v; want %q, %d", s.token, s.value, v, tok, err, want, wantTok)
		}
	}
	if got := (&redislock.StaleTokenError{Key: "counter", Token: 3, Seen: 4}).Error(); got != "fenced counter: write with token 3 rejected: token 4 already seen" {
		t.Errorf("message %q", got)
	}
}
