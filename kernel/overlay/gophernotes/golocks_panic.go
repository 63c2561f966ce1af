//go:build golocks_kernel

package main

// A panic in a goroutine a cell started.
//
// In Go a panic nothing recovers ends the program; in a notebook that is
// the kernel and every variable the student built, for a mistake in one
// goroutine. gomacro patch 01 lets us catch such a panic in a goroutine
// started by an interpreted `go` statement: it is shown on the stderr of
// the cell that runs now (or ran last), and the goroutine ends. The
// standard functions that run a cell's function on a goroutine of their
// own, time.AfterFunc and context.AfterFunc, are rebound to do the same.

import (
	"context"
	"fmt"
	"log"
	"time"
)

// rebindCallbacks makes time.AfterFunc and context.AfterFunc, for
// interpreted code, catch a panic of the function they run later on a
// goroutine of their own (nothing can recover it there): it is reported
// as goroutinePanic reports one.
func rebindCallbacks(g *golocks) {
	rebind("time", "AfterFunc", func(d time.Duration, f func()) *time.Timer {
		return time.AfterFunc(d, g.guarded(f))
	})
	rebind("context", "AfterFunc", func(ctx context.Context, f func()) func() bool {
		return context.AfterFunc(ctx, g.guarded(f))
	})
}

// guarded is f, reporting a panic instead of ending the kernel.
func (g *golocks) guarded(f func()) func() {
	return func() {
		defer func() {
			if p := recover(); p != nil {
				g.goroutinePanic(p)
			}
		}()
		f()
	}
}

// goroutinePanic is gomacro's GoPanic: it reports the panic of a goroutine
// a cell started, which then ends; the kernel lives on.
func (g *golocks) goroutinePanic(value any) {
	msg := fmt.Sprintf("panic in a goroutine: %v\n"+
		"(that goroutine stopped; the kernel and your variables are fine)\n", value)
	log.Print("golocks: " + msg)
	r := g.cells.last.Load()
	if c := g.cells.running.Load(); c != nil {
		c.output.flush() // what the goroutine printed before it panicked comes first
		r = &c.receipt
	}
	if r == nil {
		return // no cell ran yet: nobody to show it to
	}
	if err := r.PublishWriteStream(StreamStderr, msg); err != nil {
		log.Printf("golocks: %v", err)
	}
}
