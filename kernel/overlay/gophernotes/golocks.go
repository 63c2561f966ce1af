// This file and the other golocks_*.go files are the golocks kernel's own
// code, added to a copy of gophernotes by kernel/build.sh and reached through
// small hooks that kernel/patches/gophernotes/*.patch add to gophernotes'
// files; kernel/README.md says why each exists. build.sh builds the copy
// with -tags golocks_kernel: the tag keeps this repository's own
// `go build ./...` away from these files, which only compile there.

//go:build golocks_kernel

package main

import (
	"github.com/cosmos72/gomacro/gls"

	"github.com/golocks/golocks/runtime/cell"
)

// golocks is the state the golocks kernel adds to gophernotes' Kernel.
type golocks struct {
	kernel  *Kernel
	sockets SocketGroup

	// shell holds the shell requests not yet handled, in order.
	shell *requestQueue

	// evaluator is the goroutine that evaluates cells (gls.GoID): the one
	// that created the interpreter, whose Run gomacro's interrupt stops.
	evaluator uintptr

	// cells is the running cell, if any, and the last one that ran.
	cells cellTracker

	// decls are the notebook's declarations so far, for cell.Lookup.
	decls declarations

	// history is what ran, for history_request.
	history history
}

// newGolocks sets up what golocks adds, on the goroutine that evaluates
// cells, before any cell runs.
func newGolocks(kernel *Kernel, sockets SocketGroup) *golocks {
	g := &golocks{
		kernel:    kernel,
		sockets:   sockets,
		shell:     newRequestQueue(),
		evaluator: gls.GoID(),
	}
	g.decls.ir = kernel.ir
	ir := kernel.ir
	// Stop channel operations and sleeps of the evaluating goroutine at an
	// interrupt (golocks_interrupt.go); catch panics in goroutines a cell
	// starts (golocks_panic.go).
	ir.Comp.StopBlocking = g.stopChannel
	ir.Comp.GoPanic = g.goroutinePanic
	rebindStoppable(g)
	rebindCallbacks(g)
	// Clear the cell's output: golocks_display.go.
	ir.DeclFunc("ClearOutput", g.clearOutput)
	if err := cell.Install(host{g}); err != nil {
		panic(err) // one kernel per process: cannot happen
	}
	// Room for the notebook's variables, so that goroutines never race
	// with the next cell over them: golocks_toplevel.go.
	reserveTopLevel(ir)
	return g
}
