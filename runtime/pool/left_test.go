package pool

import (
	"testing"
)

// These tests run in the test binary, where goroutines of earlier tests
// (their runs' timers and reapers) may start another goroutine at any
// moment, as a worker process's own never do. So they assert what such a
// goroutine cannot change: that a goroutine left is seen, and that a call
// that leaves none is seen so at least once in a few tries.

// A goroutine a call started is seen as left behind even when another,
// older goroutine ends while the call runs: the worker's goroutine that
// read the pool's last message can end that late on a loaded machine, and
// a count before and after then came out even (CI saw it, under -race).
func TestLeftBehindWhileAnotherEnds(t *testing.T) {
	endOld, stop := make(chan struct{}), make(chan struct{})
	oldEnded := make(chan struct{})
	go func() { <-endOld; close(oldEnded) }()
	defer close(stop)

	before := goroutineIDs()
	close(endOld)
	<-oldEnded
	go func() { <-stop }() // the call's own, still running when it returns
	if left := leftBehind(before); left == "" {
		t.Error("leftBehind saw nothing; want the goroutine left running")
	}
}

// A call that starts no goroutine, or only ones that end, leaves nothing.
func TestLeftBehindNothing(t *testing.T) {
	var left string
	for range 5 {
		before := goroutineIDs()
		done := make(chan struct{})
		go func() { close(done) }()
		<-done
		if left = leftBehind(before); left == "" {
			return
		}
	}
	t.Errorf("leftBehind: %q in each of 5 tries, want nothing", left)
}
