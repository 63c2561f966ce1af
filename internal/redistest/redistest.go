// Package redistest gives a test a Redis server of its own: a private
// redis-server (package redisserver) on a Unix socket in a private folder,
// never a fixed port or an outside address, stopped when the test ends,
// passed or failed.
package redistest

import (
	"testing"

	"github.com/golocks/golocks/course/redisserver"
)

// Server starts a private redis-server for t and stops it at t's end. A
// machine without redis-server fails the test, never skips it:
// scripts/install-deps.sh installs it.
func Server(t testing.TB) *redisserver.Server {
	t.Helper()
	s, err := redisserver.Start()
	if err != nil {
		t.Fatalf("this test needs redis-server (scripts/install-deps.sh): %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}
