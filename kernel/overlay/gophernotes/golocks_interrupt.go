//go:build golocks_kernel

package main

// Interrupt that keeps the kernel and its state.
//
// Jupyter interrupts a kernel one of two ways: an interrupt_request on the
// control socket (kernel.json's "interrupt_mode": "message", which we
// declare) or SIGINT to the kernel's process group (the default "signal"
// mode, and jupyter console). Both end in interrupt(), which stops the
// running cell by every means there is:
//
//   - it cancels the cell's context with cause cell.ErrInterrupted: every
//     wait in the golocks library (locks, pools, whose worker processes are
//     killed) ends, and so does a `$ command` the cell runs;
//   - it calls gomacro's Interrupt: interpreted statements stop at the next
//     check of the statement loop (loops, also inside called functions);
//   - channel operations (gomacro patch 02) and time.Sleep (rebound below)
//     of the evaluating goroutine wait on the context too, so a lone
//     time.Sleep(time.Hour), `<-ch` or `select {}` stops.
//
// What none of these reach (a native sync.Mutex.Lock nobody unlocks,
// WaitGroup.Wait, a long computation in compiled code) is reported within
// two seconds on the cell's stderr, with the call the cell is stuck in
// (from the evaluating goroutine's stack) and what to do; a second
// interrupt then restarts the kernel (the process exits, Jupyter starts a
// new one) rather than leave a hung kernel. Goroutines a cell started are
// not stopped, as ipykernel does not stop a cell's threads.

import (
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"reflect"
	"runtime"
	"strings"
	"time"

	"github.com/cosmos72/gomacro/base"
	"github.com/cosmos72/gomacro/gls"
	"github.com/cosmos72/gomacro/imports"

	"github.com/golocks/golocks/runtime/cell"
)

// stuckAfter is how long an interrupted cell may take to stop before the
// kernel says it is stuck and shows where.
const stuckAfter = 1500 * time.Millisecond

// errInterrupted is the error an interrupted cell ends with.
var errInterrupted = errors.New("the cell was interrupted")

// interrupt stops the running cell, if any (see the top of this file). An
// interrupt between cells does nothing, as in ipykernel.
func (g *golocks) interrupt() {
	c := g.cells.running.Load()
	if c == nil {
		return
	}
	c.mu.Lock()
	c.interrupts++
	first, stuck := c.interrupts == 1, c.stuck
	c.mu.Unlock()
	switch {
	case first:
		c.cancel(cell.ErrInterrupted)
		g.kernel.ir.Interrupt(os.Interrupt)
		go g.watchInterrupted(c)
	case stuck:
		g.restart(c)
	default:
		g.kernel.ir.Interrupt(os.Interrupt)
	}
}

// handleSignals turns SIGINT into an interrupt instead of the end of the
// process (Go's default).
func (g *golocks) handleSignals() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	go func() {
		for range sigs {
			g.interrupt()
		}
	}()
}

// stopChannel is gomacro's StopBlocking: a blocking channel operation of
// the evaluating goroutine also waits for the running cell's context.
// Other goroutines block as in Go.
func (g *golocks) stopChannel() <-chan struct{} {
	if gls.GoID() != g.evaluator {
		return nil
	}
	if c := g.cells.running.Load(); c != nil {
		return c.ctx.Done()
	}
	return nil
}

// rebindStoppable replaces, for interpreted code, the standard functions
// that would otherwise wait or end the process behind the interrupt's back:
// time.Sleep stops at an interrupt (a lone sleep never reaches gomacro's
// statement loop); os.Exit and log.Fatal end the cell, not the kernel.
func rebindStoppable(g *golocks) {
	bind := rebind
	bind("time", "Sleep", g.sleep)
	bind("os", "Exit", func(code int) { panic(exitError{code}) })
	fatal := func(msg string) {
		fmt.Fprint(os.Stderr, msg)
		if !strings.HasSuffix(msg, "\n") {
			fmt.Fprintln(os.Stderr)
		}
		panic(exitError{1})
	}
	bind("log", "Fatal", func(v ...any) { fatal(fmt.Sprint(v...)) })
	bind("log", "Fatalf", func(format string, v ...any) { fatal(fmt.Sprintf(format, v...)) })
	bind("log", "Fatalln", func(v ...any) { fatal(fmt.Sprintln(v...)) })
}

// rebind replaces, for interpreted code, the function name of the bound
// package pkg with f. Call it before any cell imports pkg.
func rebind(pkg, name string, f any) {
	if p, ok := imports.Packages[pkg]; ok {
		p.Binds[name] = reflect.ValueOf(f)
	}
}

// sleep is time.Sleep for interpreted code: on the evaluating goroutine,
// an interrupt ends it (with gomacro's interrupt panic); elsewhere it is
// time.Sleep.
func (g *golocks) sleep(d time.Duration) {
	stop := g.stopChannel()
	if stop == nil || d <= 0 {
		time.Sleep(d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-stop:
		panic(base.SigInterrupt)
	}
}

// An exitError is what os.Exit and log.Fatal do in a cell: end it.
type exitError struct{ code int }

func (e exitError) Error() string {
	return fmt.Sprintf("os.Exit(%d): the cell stops here; in a notebook, exiting would end the kernel and lose every variable", e.code)
}

// watchInterrupted waits for the interrupted cell to end; if it has not
// after stuckAfter, the interrupt did not reach it: say so on the cell's
// stderr, with where it is stuck and what to do. Meanwhile it repeats
// gomacro's interrupt, which the start of a cell's evaluation clears
// (PrepareEnv): one that arrived while the cell compiled would be lost.
func (g *golocks) watchInterrupted(c *runningCell) {
	stuck := time.NewTimer(stuckAfter)
	defer stuck.Stop()
	again := time.NewTicker(stuckAfter / 5)
	defer again.Stop()
	for waiting := true; waiting; {
		select {
		case <-c.done:
			return
		case <-again.C:
			g.kernel.ir.Interrupt(os.Interrupt)
		case <-stuck.C:
			waiting = false
		}
	}
	msg := stuckMessage(evaluatorStack())
	c.mu.Lock()
	c.stuck = true
	c.mu.Unlock()
	select {
	case <-c.done: // it ended after all: nothing to say
		return
	default:
	}
	log.Print("golocks: " + msg)
	if err := c.receipt.PublishWriteStream(StreamStderr, msg); err != nil {
		log.Printf("golocks: %v", err)
	}
}

// restart ends the kernel after a second interrupt of a stuck cell: the
// cell gets its error reply, and Jupyter starts a new kernel.
func (g *golocks) restart(c *runningCell) {
	const msg = "Restarting the kernel: the cell could not be stopped. Every variable is gone: run the cells you need again.\n"
	log.Print("golocks: " + msg)
	c.output.flush()
	c.receipt.PublishWriteStream(StreamStderr, msg)
	ename, evalue, traceback := "interrupt", "the cell could not be stopped: the kernel restarts", []string{"interrupt: the cell could not be stopped: the kernel restarts"}
	c.receipt.PublishExecutionError(ename, evalue, traceback)
	reply(c.receipt, "execute_reply", map[string]any{
		"status": "error", "ename": ename, "evalue": evalue, "traceback": traceback,
		"execution_count": c.count,
	})
	c.receipt.PublishKernelStatus(kernelIdle)
	exitSoon(1)
}

// exitSoon ends the process after giving the messages just sent time to
// leave: zmq4 sends on the iopub socket from a queue.
func exitSoon(code int) {
	time.Sleep(300 * time.Millisecond)
	os.Exit(code)
}

// evaluatorStack returns the stack of the goroutine that evaluates cells:
// the main goroutine, goroutine 1.
func evaluatorStack() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.HasPrefix(g, "goroutine 1 [") {
			return g
		}
	}
	return ""
}

// stuckMessage tells the student that the interrupted cell is still inside
// a call that cannot be interrupted, which call, and what to do.
func stuckMessage(stack string) string {
	called, waiting, state := stuckCall(stack)
	where := "in compiled code"
	switch {
	case called != "":
		where = "inside " + called
		if waiting != "" && waiting != called {
			where += " (waiting in " + waiting + ")"
		}
	case state != "":
		where += " (" + state + ")"
	}
	return fmt.Sprintf(`
Interrupt: the cell is still running %s, which an interrupt cannot stop.
Go cannot stop a goroutine that waits for a sync.Mutex nobody unlocks, a
WaitGroup nobody finishes, or a long computation in compiled code.
Your variables are all still here. If the call will return, wait for it;
if it never will (a deadlock), interrupt again to restart the kernel: you
lose your variables and must run the cells you need again. Next time, give
the wait a bound (LockTimeout, a context with a timeout) or use the
notebook's locks, which stop at an interrupt.
`, where)
}

// stuckCall reads a goroutine's stack (runtime.Stack's format): called is
// the compiled function that interpreted code called (the frame just above
// the interpreter's own), waiting the innermost frame that is not the
// runtime's, state the goroutine's wait reason ("sync.Mutex.Lock").
func stuckCall(stack string) (called, waiting, state string) {
	lines := strings.Split(stack, "\n")
	if len(lines) == 0 {
		return "", "", ""
	}
	if i, j := strings.Index(lines[0], "["), strings.LastIndex(lines[0], "]"); i >= 0 && j > i {
		state = lines[0][i+1 : j]
	}
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, "\t") || l == "" {
			continue // a file:line, not a function
		}
		fn := l
		if i := strings.LastIndex(fn, "("); i > 0 {
			fn = fn[:i]
		}
		switch {
		case strings.HasPrefix(fn, "github.com/cosmos72/gomacro/"), strings.HasPrefix(fn, "reflect."):
			return called, waiting, state // the interpreter: the call was the frame before
		case strings.HasPrefix(fn, "runtime."), strings.HasPrefix(fn, "internal/"), strings.Contains(fn, ".runtime_"):
			continue
		}
		if waiting == "" {
			waiting = fn
		}
		called = fn
	}
	return called, waiting, state
}
