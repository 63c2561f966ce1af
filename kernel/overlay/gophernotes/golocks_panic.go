//go:build golocks_kernel

package main

// A panic in a goroutine a cell started.
//
// In Go a panic nothing recovers ends the program; in a notebook that is
// the kernel and every variable the student built, for a mistake in one
// goroutine. gomacro patch 01 lets us catch such a panic in a goroutine
// started by an interpreted `go` statement: it is shown on the stderr of
// the cell that runs now (or ran last), and the goroutine ends.

import (
	"fmt"
	"log"
)

// goroutinePanic is gomacro's GoPanic: it reports the panic of a goroutine
// a cell started, which then ends; the kernel lives on.
func (g *golocks) goroutinePanic(value interface{}) {
	msg := fmt.Sprintf("panic in a goroutine: %v\n"+
		"(that goroutine stopped; the kernel and your variables are fine)\n", value)
	log.Print("golocks: " + msg)
	r := g.cells.last.Load()
	if c := g.cells.running.Load(); c != nil {
		r = &c.receipt
	}
	if r == nil {
		return // no cell ran yet: nobody to show it to
	}
	if err := r.PublishWriteStream(StreamStderr, msg); err != nil {
		log.Printf("golocks: %v", err)
	}
}
