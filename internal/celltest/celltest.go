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
// until the test ends (cancel it with cause cell.ErrInterrupted), and
// celltest.Define(t, f, fn) makes the compiled function f stand for the
// notebook function fn (what cell.Lookup(f) reports) until the test ends.
package celltest

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/golocks/golocks/runtime/cell"
)

// host is the one fake kernel of the test process: cell.Install takes one
// host per process, for the life of the process.
var host = &fakeHost{funcs: map[uintptr]cell.Func{}}

type fakeHost struct {
	ctx   atomic.Pointer[context.Context]
	mu    sync.Mutex
	funcs map[uintptr]cell.Func // by the stand-in's code pointer
}

func (h *fakeHost) Context() context.Context {
	if p := h.ctx.Load(); p != nil {
		return *p
	}
	return context.Background()
}

func (h *fakeHost) Lookup(f any) (cell.Func, bool) {
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Func || v.IsNil() {
		return cell.Func{}, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	fn, ok := h.funcs[v.Pointer()]
	return fn, ok
}

// Install installs the fake kernel. Call it once, from TestMain: between
// tests the running cell's context is context.Background().
func Install() error { return cell.Install(host) }

// Run makes ctx the running cell's context until t ends.
func Run(t testing.TB, ctx context.Context) {
	host.ctx.Store(&ctx)
	t.Cleanup(func() { host.ctx.Store(nil) })
}

// Define makes the compiled function f stand for the notebook function fn
// until t ends: cell.Lookup(f) reports fn, as a kernel reports a function
// a cell declared. f must be a top-level function (a stand-in per notebook
// function: functions are told apart by their code).
func Define(t testing.TB, f any, fn cell.Func) {
	p := reflect.ValueOf(f).Pointer()
	host.mu.Lock()
	defer host.mu.Unlock()
	host.funcs[p] = fn
	t.Cleanup(func() {
		host.mu.Lock()
		defer host.mu.Unlock()
		delete(host.funcs, p)
	})
}
