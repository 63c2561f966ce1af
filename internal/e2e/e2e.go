// Package e2e is the one switch between the tests a contributor runs with
// nothing but Go (`go test ./...`: the unit and cross-process tests) and
// the end-to-end tests that CI and `make test` add (`go test -tags e2e
// ./...`): the kernel build, Jupyter, Chromium, JupyterHub, root, the
// image's build stage, redis-server.
//
// Tests that need one of those tools throughout live in files that start
// with `//go:build e2e`. Tests that use a tool only in part (a package
// whose other tests need nothing) call Need: under -tags e2e a missing
// tool fails the test, as CI must have it; without the tag it skips it.
package e2e

import "testing"

// Need reports on a tool that t needs: err is why it is missing, nil if it
// is there. A missing tool fails t when Enabled (CI and `make test` install
// every tool: scripts/install-deps.sh) and skips t otherwise.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if Enabled {
		t.Fatalf("this test needs %s (scripts/install-deps.sh): %v", what, err)
	}
	t.Skipf("skipped: needs %s (%v); `go test -tags e2e` makes it a failure", what, err)
}
