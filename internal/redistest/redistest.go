// Package redistest gives a test a Redis server of its own: a private
// redis-server (package redisserver) on a Unix socket in a private folder,
// never a fixed port or an outside address, stopped when the test ends,
// passed or failed.
package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/internal/e2e"
)

// Need skips t when redis-server is not installed, in a plain `go test`;
// under -tags e2e (make test, CI) it fails t instead: see package e2e.
func Need(t testing.TB) {
	t.Helper()
	_, err := exec.LookPath("redis-server")
	e2e.Need(t, "redis-server", err)
}

// Server starts a private redis-server for t and stops it at t's end. A
// machine without redis-server skips the test, or fails it under -tags
// e2e (Need).
func Server(t testing.TB) *redisserver.Server {
	t.Helper()
	Need(t)
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

// Main is for a TestMain whose every test needs redis-server: without it,
// in a plain `go test`, the package's tests are skipped (the process exits
// 0 saying so); under -tags e2e they fail (exit 1).
func Main() {
	_, err := exec.LookPath("redis-server")
	if err == nil {
		return
	}
	if e2e.Enabled {
		fmt.Fprintln(os.Stderr, "these tests need redis-server (scripts/install-deps.sh):", err)
		os.Exit(1)
	}
	fmt.Println("skipped: these tests need redis-server; `go test -tags e2e` makes it a failure:", err)
	os.Exit(0)
}
