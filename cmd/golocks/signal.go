package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// The signals that ask a run to stop: Ctrl-C (SIGINT), kill's default
// (SIGTERM) and a closed terminal (SIGHUP). The workers are in process
// groups of their own (runtime/pool), so Ctrl-C in a terminal reaches golocks
// alone; golocks then stops them, removes what the run created, says so in
// one line and exits 128 + the signal's number, as a shell reports a
// process a signal ended (130, 143, 129). SIGKILL cannot be caught: the
// workers die with golocks all the same (the pool's parent-death signal),
// but its temp folder stays.
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// A signalError is why a run stopped before its end.
type signalError struct {
	sig  syscall.Signal
	done string // what golocks did about it, for the message
}

func (e *signalError) Error() string {
	msg := fmt.Sprintf("stopped by %s", signalName(e.sig))
	if e.done != "" {
		msg += ": " + e.done
	}
	return msg
}

// status is the exit status for the signal: 128 + its number.
func (e *signalError) status() int { return 128 + int(e.sig) }

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT (Ctrl-C)"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return s.String()
}

// onSignal returns a context that is cancelled, with a *signalError as its
// cause, when one of stopSignals arrives, and the function that stops
// listening. Until then a second signal changes nothing: the run is
// already stopping, within its bounds.
func onSignal() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, stopSignals...)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			cancel(&signalError{sig: s.(syscall.Signal)})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}
