//go:build golocks_kernel

package main

// The running cell: its context (cell.Context() while it runs, cancelled by
// an interrupt: golocks_interrupt.go), its request (where its output and
// late messages go), and what it asks the front-end to page (%doc).

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/golocks/golocks/runtime/cell"
)

// cellTracker knows the running cell, if any, and the last one that ran.
type cellTracker struct {
	running atomic.Pointer[runningCell]
	last    atomic.Pointer[msgReceipt]
}

// A runningCell is one execute request being evaluated.
type runningCell struct {
	receipt msgReceipt
	output  *cellOutput // its streams, flushed before anything else is sent for it
	count   int         // its execution count (ExecCounter belongs to the evaluating goroutine)
	ctx     context.Context
	cancel  context.CancelCauseFunc
	done    chan struct{}

	mu         sync.Mutex
	interrupts int  // how many times it was interrupted
	stuck      bool // the kernel said it is stuck

	pages []string // what %doc asked to page, in order (evaluating goroutine only)
}

// startCell is called on the evaluating goroutine before a cell runs: the
// cell gets a fresh context, which cell.Context() returns while it runs.
func (g *golocks) startCell(r msgReceipt, output *cellOutput) *runningCell {
	ctx, cancel := context.WithCancelCause(context.Background())
	c := &runningCell{receipt: r, output: output, count: ExecCounter, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	g.cells.last.Store(&r)
	g.cells.running.Store(c)
	return c
}

// endCell is called when the cell's evaluation returned, with its error, and
// returns the error the cell ends with: an interrupted cell ends with
// errInterrupted whatever happened after the interrupt (the student may
// have recovered gomacro's interrupt panic, or a library call may have
// returned its own error wrapping cell.ErrInterrupted).
func (g *golocks) endCell(c *runningCell, err error) error {
	// The context is not cancelled: a goroutine the cell left waiting on
	// it goes on waiting, as a thread goes on in ipykernel; it now ends
	// only at the goroutine's own bound.
	g.cells.running.CompareAndSwap(c, nil)
	close(c.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.interrupts > 0 {
		return errInterrupted
	}
	return err
}

// stopAll cancels the running cell's context, if a cell runs, so that the
// library stops what it started (the kernel is about to exit).
func (t *cellTracker) stopAll() {
	if c := t.running.Load(); c != nil {
		c.cancel(cell.ErrInterrupted)
	}
}

// page asks the front-end to show text in its pager when the running cell
// ends (the %doc command).
func (t *cellTracker) page(text string) {
	if c := t.running.Load(); c != nil {
		c.pages = append(c.pages, text)
	}
}

// payload is the execute_reply payload of an ended cell: its pages.
func (c *runningCell) payload() []any {
	p := []any{}
	for _, text := range c.pages {
		p = append(p, map[string]any{
			"source": "page",
			"data":   map[string]any{"text/plain": text},
			"start":  0,
		})
	}
	return p
}
