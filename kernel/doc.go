// Package kernel holds the build of the golocks Jupyter kernel: gophernotes
// with the golocks packages compiled in (see README.md in this folder).
// The Go code here is the binding generator (genbind), the version pin
// (tools.go) and the end-to-end test that drives the kernel through
// Jupyter's own client (kernel_test.go).
package kernel
