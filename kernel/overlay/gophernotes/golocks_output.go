//go:build golocks_kernel

package main

// A cell's output, and the end of a cell, never kill or hang the kernel.
//
// gophernotes rendered a cell's result (calling the student's HTML(),
// String()... methods) outside any recover, so a method that panics took
// the kernel down; it waited without bound for the cell's stdout and
// stderr pipes to drain, so a process the cell started with the cell's
// os.Stdout (exec.Command with cmd.Stdout = os.Stdout) and left running
// hung the kernel until that process ended; and when it could not make
// those pipes (no descriptor left: a cell opened files it never closed) it
// ended the kernel, later left the request unanswered.

import (
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/cosmos72/gomacro/xreflect"
)

// A cellOutput sends what a running cell writes to os.Stdout and
// os.Stderr to the front-end, through a pipe each.
type cellOutput struct {
	outerr               OutErr // gophernotes' own writes to the cell's streams
	receipt              *msgReceipt
	oldStdout, oldStderr *os.File
	wOut, wErr           *os.File  // nil: no pipes, the cell's output is lost
	streams              []*stream // the pipes' forwarders, flushed before other outputs (golocks_order.go)
	writers              sync.WaitGroup
}

// captureOutput points os.Stdout and os.Stderr at pipes forwarded to the
// cell's streams. If the kernel cannot make them (too many open files),
// the cell still runs, so that a cell closing the files can: its output
// goes to the kernel's own log, and the cell's stderr says so first.
func captureOutput(receipt *msgReceipt) *cellOutput {
	jout := &JupyterStreamWriter{StreamStdout, receipt}
	jerr := &JupyterStreamWriter{StreamStderr, receipt}
	c := &cellOutput{receipt: receipt}
	c.outerr = OutErr{flushingWriter{c, jout}, flushingWriter{c, jerr}}
	rOut, wOut, err := os.Pipe()
	if err == nil {
		var rErr, wErr *os.File
		if rErr, wErr, err = os.Pipe(); err != nil {
			rOut.Close()
			wOut.Close()
		} else {
			c.forward(jout, rOut)
			c.forward(jerr, rErr)
			c.oldStdout, c.oldStderr = os.Stdout, os.Stderr
			c.wOut, c.wErr = wOut, wErr
			os.Stdout, os.Stderr = wOut, wErr
			return c
		}
	}
	log.Printf("golocks: no pipes for the cell's output: %v", err)
	fmt.Fprintf(jerr, "The kernel cannot show this cell's output: %v.\n"+
		"The cell runs, but what it prints is lost. Did a cell open files (or locks, pipes)\n"+
		"without closing them? Close them, or restart the kernel.\n", err)
	return c
}

// forward copies what the cell writes to r to the front-end, until every
// writer closed its end (the cell's, and any process it gave it to).
func (c *cellOutput) forward(w io.Writer, r *os.File) {
	c.writers.Add(1)
	s, err := newStream(w, r)
	if err != nil { // cannot happen with a pipe: forward it, unflushed
		log.Printf("golocks: the cell's output may be out of order: %v", err)
		go func() {
			defer c.writers.Done()
			io.Copy(w, r)
			r.Close()
		}()
		return
	}
	c.streams = append(c.streams, s)
	go func() {
		defer c.writers.Done()
		s.forward()
	}()
}

// restore closes the cell's ends of the pipes, puts the kernel's own
// os.Stdout and os.Stderr back, and waits, for a bounded time, for what the
// cell wrote to reach the front-end.
func (c *cellOutput) restore() {
	if c.wOut == nil {
		return
	}
	c.wOut.Close()
	os.Stdout = c.oldStdout
	c.wErr.Close()
	os.Stderr = c.oldStderr
	waitOutput(&c.writers)
}

// outputDrain bounds the wait for a cell's output after it ended. Output
// that comes later still reaches the cell: the copying goroutines keep
// forwarding it until every writer is gone.
const outputDrain = 2 * time.Second

// waitOutput waits for the goroutines forwarding a cell's stdout and stderr
// to finish, for at most outputDrain.
func waitOutput(writers *sync.WaitGroup) {
	done := make(chan struct{})
	go func() {
		writers.Wait()
		close(done)
	}()
	t := time.NewTimer(outputDrain)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		log.Print("golocks: the cell's output is still open (a process it started?): not waiting for it")
	}
}

// renderResults is autoRenderResults, with a panic in the student's
// rendering methods returned as the cell's error, and an image held in
// bytes shown as that image.
func (kernel *Kernel) renderResults(vals []any, types []xreflect.Type) (data Data, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = newCellError(stageRun, r)
		}
	}()
	if d, ok := renderImageBytes(vals); ok { // a chart's PNG: golocks_results.go
		return d, nil
	}
	return kernel.autoRenderResults(vals, types), nil
}
