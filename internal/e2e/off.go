//go:build !e2e

package e2e

// Enabled is false in a plain `go test`: the end-to-end tests are out, and
// a test that needs a missing tool skips.
const Enabled = false
