//go:build e2e

package e2e

// Enabled is true in a build with -tags e2e: the end-to-end tests are in,
// and a missing tool is a failure.
const Enabled = true
