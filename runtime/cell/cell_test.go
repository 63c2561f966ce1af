package cell

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// These tests install a host, which a kernel does once per process; the
// test takes it out again when it ends, so that -count=N runs them anew.

func TestWithoutHost(t *testing.T) {
	if err := Context().Err(); err != nil {
		t.Fatalf("Context() without a host is done: %v", err)
	}
	if _, ok := Lookup(TestWithoutHost); ok {
		t.Fatal("Lookup found a notebook function without a host")
	}
}

// fakeHost is a kernel whose running cell's context the test sets.
type fakeHost struct {
	ctx *atomic.Pointer[context.Context]
}

func newFakeHost(ctx context.Context) fakeHost {
	h := fakeHost{new(atomic.Pointer[context.Context])}
	h.ctx.Store(&ctx)
	return h
}

func (h fakeHost) Context() context.Context { return *h.ctx.Load() }
func (h fakeHost) Lookup(f any) (Func, bool) {
	return Func{Name: "work", Decls: []string{"func work() {}"}, Worker: "/kernel"}, true
}

func TestInstall(t *testing.T) {
	if err := Install(nil); err == nil {
		t.Fatal("Install(nil) succeeded")
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	h := newFakeHost(ctx)
	if err := Install(h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { host.Store(nil) })
	if err := Install(newFakeHost(context.Background())); err == nil {
		t.Fatal("a second Install succeeded")
	}
	if fn, ok := Lookup(1); !ok || fn.Name != "work" {
		t.Fatalf("Lookup = %+v, %v; want the host's answer", fn, ok)
	}
	if _, ok := Lookup(nil); ok {
		t.Fatal("Lookup(nil) found a function")
	}
	cancel(ErrInterrupted)
	if !errors.Is(context.Cause(Context()), ErrInterrupted) {
		t.Fatalf("cause %v, want ErrInterrupted", context.Cause(Context()))
	}
}
