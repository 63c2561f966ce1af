package pool

// The task protocol: how a pool and one worker process talk. It is all
// here; process.go is the pool's side, serve.go the worker's.
//
// The pool starts the worker as `<binary> worker`, with no other argument,
// its standard input empty and its standard output and error copied into
// the caller's, line by line. The call itself travels on more pipes, never
// on stdout (the call's own output goes there, and an interpreter may print
// warnings there): the worker reads the pool's messages on file descriptor
// 3, writes its own on 4, and waits to start on 5 and 6 (below); the
// environment variable GOLOCKS_POOL_CHANNEL=3,4,5,6 tells it so. Each
// message is one line of JSON:
//
//	pool   -> worker   request    {"Call": {...}, "StartWithin": ns, "Barrier": true}
//	worker -> pool     report     {"Ready": true}, or {"Err": "..."} if it cannot make the call
//	pool   -> worker   start      {"Start": true}
//	worker -> pool     report     {"Done": true}, with "Err" or "Panic" if the call failed
//
// A gated call (Start) goes on differently after its Start: the worker
// installs the gate (package gate) on itself and reports the listener's
// descriptor number, {"Gate": fd}; the pool copies it (pidfd_getfd), starts
// its side of the gate and sends a second {"Start": true}; the worker closes
// its own copy and makes the call. A worker that cannot install the gate
// reports {"Err": "..."} instead, and exits without making the call.
//
// A gated call the pool may make again (StartRepeatable: the request says
// Again) does not end the worker when it returns: it reports Done (with
// "Left", below) and waits for the pool's next message:
//
//	pool   -> worker   again      {"Again": true}
//
// at which it makes the call again, in the same process, the same way as
// the first time: it asks its find for the function and rebuilds the
// arguments anew, then calls it, and reports Done again; the gate stays
// installed, and holds the new call's file calls as it held the first's.
// A find must give a function that behaves as the first call's did in a
// fresh process: the kernel's interprets the notebook's declarations again
// in a new interpreter when they declare a package-level variable (which
// then starts from its declared value), and keeps the function it found
// when they declare none (functions, types and constants alone, which no
// call can change); a compiled function is the same function.
// When the pool ends the run instead (its request pipe ends) or says
// nothing for StartWithin, the worker exits with its last call's status.
// This is what GatedRun.Again is for: a run of the same calls costs no
// process start, most of a short gated call's cost (a stepper running
// every schedule runs the same calls hundreds of times).
//
// A run again is only the same as a run in fresh processes if the call
// left nothing behind in its process that the next call could meet. What
// the worker can see, it reports in its Done as "Left": goroutines the
// call started that still run (they could touch the files during the next
// call). What the pool can see, it checks before an Again: a descriptor
// still open on a watched file (a file the call did not close, a lock it
// still holds through one). Either refuses the Again (ErrNotAgain), and
// the caller starts fresh processes. What neither sees stays: a change
// the call made to its process (its working directory, environment
// variables, a compiled package's variables); the workbook's functions
// make none, and a notebook function's own variables are declared anew.
//
// The first round of a run (its first Procs calls) starts at the same
// moment, once every one of its workers is ready: the start barrier,
// descriptor 6, a word of memory the pool shares with its workers (a memfd
// on Linux). The pool sets it to the number of first-round calls and says
// in each first-round request that the worker is to cross it (Barrier).
// A ready worker reports Ready and waits for its Start, which the pool
// sends once it has handled that Ready; then it takes one off the word and
// goes when the word reaches 0, the last to take one off at once. So the
// release is done by the last worker to get ready, on its own processor,
// and the others see it within a memory access; the pool, which has done
// its part before, takes no part in it. (When the pool itself opened the
// start line for them once all were ready, it needed a processor at that
// moment: on a machine with as many cores as workers, one of them was then
// not running when the line opened, and crossed it well after the other:
// time enough for the other to write the counter file. docs/benchmarks.md,
// "Speed work", has what was measured.)
//
// A waiting worker watches the word without sleeping for a bounded time
// (spinWait), then sleeps on the start line, descriptor 5: the read end of
// a pipe that all the run's workers share and that stays empty, which the
// pool closes once the whole first round has reported Ready (or when it
// dies). Then it goes once the word is 0, or not at all if the pool is
// gone (its request pipe ends). A worker that never gets ready leaves the
// word above 0: the pool calls the run off and kills the others. A later
// call (a run with more calls than processes) does not cross the barrier:
// its worker reports Ready and goes at its Start, which the pool sends at
// once (the line being long open: a later call starts only when a
// first-round one has ended).
//
// If the pool goes away before the start, its ends of the pipes close: the
// line reads as ended, but no Start follows (or the barrier never opens),
// and the worker exits without making the call. The worker's exit status follows one rule (see Serve):
// 0 the call returned nil, 1 it failed, 2 it was never made.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"
)

// A Call is one function call that a pool sends to a worker process.
type Call struct {
	Func  string            // a notebook function's name ("work"), or a compiled function's qualified name (FuncName)
	Decls []string          // for a notebook function: cell.Func.Decls, to interpret first
	Args  []json.RawMessage // the arguments, JSON, in order (the count first)
}

// channelEnv names the worker's descriptors: "3,4,5,6", the pool's
// messages, the worker's reports, the start line, the start barrier.
const (
	channelEnv     = "GOLOCKS_POOL_CHANNEL"
	channelFDs     = "3,4,5,6"
	requestFD      = 3
	reportFD       = 4
	lineFD         = 5
	barrierFD      = 6
	workerArg      = "worker"
	requestTimeout = DefaultTimeout // how long a worker waits for its request
)

// A request is the pool's first message: the call, and how long the worker
// may wait at the start line (the time left of the pool's run).
type request struct {
	Call        Call
	StartWithin time.Duration
	Barrier     bool `json:",omitempty"` // a first-round call: after the Start, cross the start barrier
	Gate        bool `json:",omitempty"` // a gated call (Start): after the Start, install the gate first
	Again       bool `json:",omitempty"` // a gated call that may be made again (StartRepeatable): after Done, wait for Again
}

// A start is the pool's second message: go (a first-round call: to the
// start barrier).
type start struct {
	Start bool
}

// An again is the pool's message to a gated worker whose call has ended:
// make it again (see above).
type again struct {
	Again bool
}

// spinWait is how long a ready worker watches the start barrier without
// sleeping; then it sleeps until the start line opens. Workers of one run
// are ready within a few milliseconds of each other, unless the machine is
// too busy for them to start together anyway.
const spinWait = 50 * time.Millisecond

// A report is a worker's message: Ready or Done, or neither with Err set
// when the call cannot be made.
type report struct {
	Ready bool   `json:",omitempty"` // found the function, rebuilt the arguments: waiting to start
	Done  bool   `json:",omitempty"` // the call ended; Err or Panic if it failed
	Err   string `json:",omitempty"` // the error the call returned, or why it cannot be made
	Panic string `json:",omitempty"` // what the call panicked with
	Gate  int    `json:",omitempty"` // a gated call: the gate's listener descriptor (never 0, stdin's)
	Left  string `json:",omitempty"` // with Done, of a gated call: what it left running (see "Again" above)
}

// The worker's exit statuses (see Serve).
const (
	exitReturned = 0 // the call returned nil
	exitFailed   = 1 // the call returned an error or panicked
	exitNotMade  = 2 // the call was never made
)

// encodeArg is an argument for a parameter of type t as it travels,
// checked here, before any process starts, to arrive as it is: t can be
// rebuilt by a worker, and what the worker will decode encodes back to the
// same JSON.
func encodeArg(v reflect.Value, t reflect.Type) (json.RawMessage, error) {
	if err := travels(t, map[reflect.Type]bool{}); err != nil {
		return nil, err
	}
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return nil, err
	}
	back, err := decodeArg(data, t)
	if err != nil {
		return nil, err
	}
	again, err := json.Marshal(back.Interface())
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(data, again) {
		return nil, fmt.Errorf("it would arrive as %s, not %s", again, data)
	}
	return data, nil
}

// decodeArg rebuilds an argument of type t: strictly, so that a field the
// type lacks or anything after the value is an error rather than dropped.
func decodeArg(data []byte, t reflect.Type) (reflect.Value, error) {
	p := reflect.New(t)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p.Interface()); err != nil {
		return reflect.Value{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return reflect.Value{}, errors.New("more than one JSON value")
	}
	return p.Elem(), nil
}

var (
	marshalerType   = reflect.TypeFor[json.Marshaler]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// travels says why a value of type t could not be rebuilt in another
// process, if it could not: only values, no references to this process's
// memory (pointers, channels, functions) and nothing JSON would drop or
// cannot spell (unexported fields, interfaces, complex numbers).
func travels(t reflect.Type, seen map[reflect.Type]bool) error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	if t.Implements(marshalerType) && reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil // it says itself how it travels (time.Time)
	}
	switch t.Kind() {
	case reflect.Bool, reflect.String, reflect.Float32, reflect.Float64,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return nil
	case reflect.Slice, reflect.Array:
		return travels(t.Elem(), seen)
	case reflect.Map:
		switch t.Key().Kind() {
		case reflect.String, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return fmt.Errorf("a map keyed by %s", t.Key())
		}
		return travels(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				return fmt.Errorf("%s has an unexported field, %s", t, f.Name)
			}
			if f.Tag.Get("json") == "-" {
				return fmt.Errorf("%s's field %s is not encoded (json:\"-\")", t, f.Name)
			}
			if err := travels(f.Type, seen); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("a %s (%s) refers to this process or has no JSON form", t, t.Kind())
}
