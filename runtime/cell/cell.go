package cell

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrInterrupted is the cause of a cell context the kernel cancelled because
// the student interrupted the cell: errors.Is(err, cell.ErrInterrupted)
// tells an interrupted wait from one that timed out or failed.
var ErrInterrupted = errors.New("interrupted")

// A Host is the notebook kernel, as the library sees it. Its methods are
// called from any goroutine, at any time, and must be safe for that.
type Host interface {
	// Context returns the context of the cell running now, cancelled
	// (cause ErrInterrupted) when that cell is interrupted. Between cells
	// it returns a context that is not done.
	Context() context.Context

	// Lookup reports which top-level function of the notebook f is, and
	// what a worker process needs to define it. ok is false for anything
	// else: a compiled function, a closure, a method value, nil.
	Lookup(f any) (fn Func, ok bool)
}

// A Func is a function declared at the top level of a notebook, as a worker
// process needs it to make the same call.
type Func struct {
	// Name is the function's top-level name, e.g. "work".
	Name string

	// Decls are the notebook's declarations as they stand when Lookup is
	// called: imports, constants, types, variables and functions, one
	// string of Go source per cell that declared something, in the order
	// the cells ran. Interpreted in order, they define Name as it is now.
	Decls []string

	// Worker is the program that can interpret Decls and call Name: the
	// kernel's own binary, started as `Worker worker`.
	Worker string
}

// host is the installed Host, if any.
//
// It is package state because it stands for the process itself: there is
// at most one kernel in a process, it installs itself once before any cell
// runs, and compiled code called from a cell has no other way to reach it.
// It is set once and read atomically. (golocks keeps process state in
// three places, each for something a process has one of: this, the
// private Redis server of course/redisserver, and the blocking wait on
// each lock file of pkg/filelock.)
var host atomic.Pointer[Host]

// Install makes h the kernel the library talks to. The kernel calls it once,
// at start, before it runs any cell; a second call is an error and changes
// nothing.
func Install(h Host) error {
	if h == nil {
		return errors.New("cell: Install(nil)")
	}
	if !host.CompareAndSwap(nil, &h) {
		return errors.New("cell: a host is already installed")
	}
	return nil
}

// Context returns the running cell's context: cancelled, with cause
// ErrInterrupted, when the student interrupts the cell. Outside a kernel it
// is context.Background(). Library code that waits takes it when it starts
// waiting and stops when it is done, as well as at its own bound; a
// goroutine that a previous cell left running takes the context of the cell
// running when it starts to wait.
func Context() context.Context {
	if h := host.Load(); h != nil {
		if ctx := (*h).Context(); ctx != nil {
			return ctx
		}
	}
	return context.Background()
}

// Lookup reports which top-level notebook function f is (see Host.Lookup).
// Outside a kernel it always reports false.
func Lookup(f any) (Func, bool) {
	if f == nil {
		return Func{}, false
	}
	if h := host.Load(); h != nil {
		return (*h).Lookup(f)
	}
	return Func{}, false
}
