package pool

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/golocks/golocks/runtime/gate"
)

// Serve is the whole worker side of one call: main calls it when started as
// `<binary> worker` by a pool. It reads the Call the pool sent (never over
// stdout: the call's own output goes there), finds the function with find,
// decodes the arguments into its parameter types, waits at the pool's start
// line, calls it, reports its error or panic to the pool, and returns the
// process's exit status:
//
//	0  the call returned nil (or nothing)
//	1  the call returned an error or panicked (reported to the pool)
//	2  the call was never made: not started by a pool, a malformed request,
//	   a function find does not know, arguments that do not fit it, or a
//	   pool that went away or gave up before the start line
//
// A gated call that may be made again (Pool.StartRepeatable) does not end
// the process when it returns: the worker reports it Done and waits for the pool's Again, to make the call
// once more (protocol.go), or for the end of the run; its exit status is
// then its last call's.
//
// Started by hand, with no pool, it prints one line to stderr and returns 2.
// (The Go runtime itself also exits with 2 when a goroutine the call started
// panics; the pool tells that apart because the call never reported.)
//
// find returns the function to call, as a reflect.Value of kind Func, or an
// error saying why there is none; a panic in find is an error too. See
// FindIn for a find over compiled functions.
func Serve(find func(Call) (reflect.Value, error)) int {
	ch, err := openChannel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s %s: %v\n", filepath.Base(os.Args[0]), workerArg, err)
		return exitNotMade
	}
	defer ch.close()

	var req request
	if err := ch.receive(&req, requestTimeout); err != nil {
		ch.send(report{Err: fmt.Sprintf("no call from the pool: %v", err)})
		return exitNotMade
	}
	fn, args, err := prepare(find, req.Call)
	if err != nil {
		ch.send(report{Err: err.Error()})
		return exitNotMade
	}
	if !ch.start(req) {
		return exitNotMade
	}
	if req.Gate {
		if err := ch.gate(req); err != nil {
			ch.send(report{Err: fmt.Sprintf("the gate: %v", err)})
			return exitNotMade
		}
	}

	if !req.Again {
		return ch.done(invoke(fn, args), "")
	}
	// A gated call can be made again in this process (protocol.go, "Again").
	for {
		before := goroutineIDs()
		err := invoke(fn, args)
		status := ch.done(err, leftBehind(before))
		if !ch.again(req) {
			return status
		}
		// As a fresh worker would: the function found and the arguments
		// rebuilt anew (a notebook function's declarations interpreted
		// again, its package-level variables as declared).
		if fn, args, err = prepare(find, req.Call); err != nil {
			ch.send(report{Err: err.Error()})
			return exitNotMade
		}
	}
}

// done reports the end of a call that returned err, with what it left
// behind, and returns the exit status it makes.
func (c *channel) done(err error, left string) int {
	var pe *PanicError
	switch {
	case err == nil:
		c.send(report{Done: true, Left: left})
		return exitReturned
	case errors.As(err, &pe):
		c.send(report{Done: true, Panic: fmt.Sprint(pe.Value), Left: left})
	default:
		c.send(report{Done: true, Err: err.Error(), Left: left})
	}
	return exitFailed
}

// again waits for the pool's next message after a gated call's Done: true
// for an Again, false when the pool ends the run (its request pipe ends)
// or says nothing within req.StartWithin.
func (c *channel) again(req request) bool {
	var m again
	return c.receive(&m, req.StartWithin) == nil && m.Again
}

// prepare finds call's function and rebuilds its arguments.
func prepare(find func(Call) (reflect.Value, error), c Call) (fn reflect.Value, args []reflect.Value, err error) {
	if find == nil {
		return fn, nil, errors.New("this worker has no way to find functions (Serve(nil))")
	}
	func() {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("finding %s: panic: %v", c.Func, v)
			}
		}()
		fn, err = find(c)
	}()
	if err != nil {
		return fn, nil, err
	}
	// The caller checked its function with runnable, and encoded each
	// argument as decodeArg decodes it here; the same checks again, as the
	// request may not come from a pool, or find return another function.
	if err := runnable(fn, c.Func, len(c.Args)); err != nil {
		return fn, nil, err
	}
	args = make([]reflect.Value, len(c.Args))
	for i, data := range c.Args {
		if args[i], err = decodeArg(data, paramType(fn.Type(), i)); err != nil {
			return fn, nil, fmt.Errorf("%s: argument %d (%s): %w", c.Func, i+1, data, err)
		}
	}
	return fn, args, nil
}

// invoke calls fn, turning a panic into a *PanicError.
func invoke(fn reflect.Value, args []reflect.Value) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v}
		}
	}()
	out := fn.Call(args)
	if len(out) == 1 && !out[0].IsNil() {
		return out[0].Interface().(error)
	}
	return nil
}

// FindIn returns a find for Serve that serves the compiled functions in
// funcs, keyed by their FuncName (the golocks binary serves
// workbook.Funcs()). It refuses a notebook function (a Call with Decls): only
// a binary with an interpreter, the kernel's, can define those.
func FindIn(funcs map[string]any) func(Call) (reflect.Value, error) {
	return func(c Call) (reflect.Value, error) {
		if len(c.Decls) > 0 {
			return reflect.Value{}, fmt.Errorf("%s is a notebook function: this worker cannot interpret notebook code (the kernel's binary can)", c.Func)
		}
		if f, ok := funcs[c.Func]; ok {
			return reflect.ValueOf(f), nil
		}
		var known []string
		for name := range funcs {
			known = append(known, name[strings.LastIndexByte(name, '/')+1:])
		}
		slices.Sort(known)
		return reflect.Value{}, fmt.Errorf("no function %s in this worker (it has %s)", c.Func, strings.Join(known, ", "))
	}
}

// start reports Ready and waits until the call may be made (protocol.go):
// a first-round call once the start barrier opens, a later one when its
// Start comes. False says the call is not to be made: the pool went away
// or gave up. Every wait polls on this goroutine's own thread, so that the
// call starts the moment it may.
func (c *channel) start(req request) bool {
	if req.Barrier {
		b, err := openBarrier(barrierFD)
		if err != nil {
			c.send(report{Err: fmt.Sprintf("the start barrier: %v", err)})
			return false
		}
		defer b.close()
		if err := c.send(report{Ready: true}); err != nil {
			return false
		}
		return c.started(req) && (b.arrive() || b.await(lineFD, requestFD, req.StartWithin))
	}
	// A later call: the line is long open, and the Start comes at once.
	if err := c.send(report{Ready: true}); err != nil {
		return false
	}
	return c.started(req)
}

// started waits for the pool's Start, which comes at once or never: if the
// pool gives up it kills this process; if it dies the request pipe ends
// with no Start. Nothing came after the request before Ready, so the
// decoder holds no byte of the Start, and poll sees them all.
func (c *channel) started(req request) bool {
	if err := waitReadable(requestFD, req.StartWithin); err != nil {
		return false
	}
	var st start
	return c.dec.Decode(&st) == nil && st.Start
}

// gate installs the gate on this process and hands its listener to the
// pool (protocol.go), then closes this process's copy.
func (c *channel) gate(req request) error {
	fd, err := gate.Install()
	if err != nil {
		return err
	}
	if err := c.send(report{Gate: fd}); err != nil {
		return err
	}
	if !c.started(req) {
		return errors.New("the pool did not take the gate")
	}
	// A close the gate lets go at once: the pool holds its own copy.
	return os.NewFile(uintptr(fd), "gate listener").Close()
}

// A channel is the worker's end of the pipes to its pool.
type channel struct {
	in   *os.File
	dec  *json.Decoder
	out  *os.File
	line *os.File
}

// openChannel opens the pipes the pool passed, if it did.
func openChannel() (*channel, error) {
	if v, ok := os.LookupEnv(channelEnv); !ok || v != channelFDs {
		return nil, errors.New("not started by a pool: this command runs one call that a pool (package pool) sends it on its own channel; run golocks count or shared instead")
	}
	// The call's own child processes must not inherit the channel.
	os.Unsetenv(channelEnv)
	for _, fd := range []int{requestFD, reportFD, lineFD} {
		if err := claimPipe(fd); err != nil {
			return nil, fmt.Errorf("not started by a pool: file descriptor %d: %w", fd, err)
		}
	}
	if err := claimBarrier(barrierFD); err != nil {
		return nil, fmt.Errorf("not started by a pool: file descriptor %d: %w", barrierFD, err)
	}
	in, out := os.NewFile(requestFD, "pool requests"), os.NewFile(reportFD, "pool reports")
	return &channel{in: in, dec: json.NewDecoder(in), out: out, line: os.NewFile(lineFD, "start line")}, nil
}

func (c *channel) close() {
	c.in.Close()
	c.out.Close()
	c.line.Close()
}

// receive decodes the pool's next message into v, waiting at most d. A
// read left behind at the bound ends with the process.
func (c *channel) receive(v any, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- c.dec.Decode(v) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("nothing from the pool within %v", d)
	}
}

// send writes one report, in one write: the pool reads lines.
func (c *channel) send(r report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = c.out.Write(append(b, '\n'))
	return err
}
