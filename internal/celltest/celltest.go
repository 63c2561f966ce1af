// Package celltest stands in for the notebook kernel in tests of library
// code that waits: it installs a cell.Host whose running cell's context a
// test chooses, to check that a wait ends when the cell is interrupted.
//
// In the test package:
//
//	func TestMain(m *testing.M) {
//		if err := celltest.Install(); err != nil { ... }
//		os.Exit(m.Run())
//	}
//
// and in a test, celltest.Run(t, ctx) makes ctx the running cell's context
// until the test ends (cancel it with cause cell.ErrInterrupted).
package celltest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/golocks/golocks/pkg/cell"
)

// host is the one fake kernel of the test process: cell.Install takes one
// host per process, for the life of the process.
var host = &fakeHost{}

type fakeHost struct {
	ctx atomic.Pointer[context.Context]
}

func (h *fakeHost) Context() context.Context {
	if p := h.ctx.Load(); p != nil {
		return *p
	}
	return context.Background()
}

func (h *fakeHost) Lookup(any) (cell.Func, bool) { return cell.Func{}, false }

// Install installs the fake kernel. Call it once, from TestMain: between
// tests the running cell's context is context.Background().
func Install() error { return cell.Install(host) }

// Run makes ctx the running cell's context until t ends.
func Run(t testing.TB, ctx context.Context) {
	host.ctx.Store(&ctx)
	t.Cleanup(func() { host.ctx.Store(nil) })
}
