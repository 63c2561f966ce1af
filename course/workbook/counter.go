package workbook

import (
	"errors"
	"fmt"
	"time"

	"github.com/golocks/golocks/internal/regular"
	"github.com/golocks/golocks/pkg/filelock"
)

// Counter is the general form of the workbook's counter: which file, which
// lock, where the lock goes, how the file is rewritten, what is noted down.
// Use it when the Work* functions do not say what you want, e.g. to trace
// lock holds for a timeline:
//
//	c := workbook.Counter{File: "parallel.txt", LockFile: "/tmp/tmp_lock",
//		Around: workbook.AroundIncrement, Trace: "trace.txt"}
//	err := c.Run(1000)
type Counter struct {
	File string // the counter file

	// LockFile is the lock every process must name; "" = no lock, which
	// races like Work.
	LockFile string

	// Around says what the lock covers, when LockFile is set: the whole Run
	// (AroundCall, the default), each read-increment-write
	// (AroundIncrement: other processes get turns in between), or one
	// of the two placements that look locked and still lose updates
	// (AroundWrite, AroundStep), for the workbook's Exercise 6.
	Around string

	// CrashSafe writes a temp file and renames it over File, so killing a
	// writer never leaves File empty or half written. Without a lock it
	// still loses updates, but never reads a partial file.
	CrashSafe bool

	// Trace, if set, names a file to which each lock hold (each increment
	// when unlocked) appends "pid startUnixNano endUnixNano\n"; see
	// ReadTrace.
	Trace string

	// Steps, if set, names a file to which each read and each write of the
	// counter file is appended: what was read or written, when, in which
	// lock hold; see ReadSteps. A Run keeps its steps in memory and writes
	// them in large pieces, so noting them hardly changes the race.
	Steps string

	// Timeout bounds each wait for the lock; 0 = filelock.DefaultTimeout.
	Timeout time.Duration
}

// Where a Counter's lock goes (Counter.Around).
const (
	AroundCall      = "call"      // around the whole Run: the processes take turns, one whole call each
	AroundIncrement = "increment" // around each read and its write: exact, and the processes interleave
	AroundWrite     = "write"     // around each write only: reads race with writes, updates are lost
	AroundStep      = "step"      // around the read, then around the write, apart: updates are lost in between
)

// around is where the lock goes, "" for no lock.
func (c Counter) around() string {
	switch {
	case c.LockFile == "":
		return ""
	case c.Around != "":
		return c.Around
	}
	return AroundCall
}

// Run counts maxCount times. It prints the same messages as Work. It checks
// everything (count, paths) before touching any file, and returns the first
// error: a bad argument, a lock wait that timed out, a failed write.
func (c Counter) Run(maxCount int) error {
	if err := c.Check(maxCount); err != nil {
		return err
	}
	var tr *tracer
	if c.Trace != "" {
		var err error
		if tr, err = openTrace(c.Trace); err != nil {
			return err
		}
		tr.count = maxCount
	}
	var st *stepper
	if c.Steps != "" {
		var err error
		if st, err = openSteps(c.Steps); err != nil {
			return errors.Join(err, tr.close())
		}
	}
	err := c.run(maxCount, tr, st)
	return errors.Join(err, tr.close(), st.close())
}

// run is Run after the checks, tracing to tr and noting steps in st (nil =
// neither).
func (c Counter) run(maxCount int, tr *tracer, st *stepper) (err error) {
	write := overwrite
	if c.CrashSafe {
		write = replace
	}
	// One read and one write, made once: the loops below allocate nothing
	// of their own, so an increment costs the lock and the file I/O only.
	// held says whether the lock is held (one system call less: readHeld).
	var nbr int
	var clock func() time.Time
	if st != nil {
		clock = time.Now
	}
	read := func(held bool) error {
		var reset string
		var start, end time.Time
		if held {
			nbr, reset, start, end = readHeld(c.File, clock)
		} else {
			nbr, reset, start, end = readNote(c.File, clock)
		}
		return st.step(false, start, end, nbr, reset)
	}
	store := func() error {
		if st == nil {
			return write(c.File, nbr+1)
		}
		start, end := st.now(), time.Time{}
		var err error
		if c.CrashSafe {
			err = write(c.File, nbr+1)
			end = st.now()
		} else {
			end, err = overwriteAt(c.File, nbr+1, clock)
		}
		if err != nil {
			return err
		}
		return st.step(true, start, end, nbr+1, "")
	}
	increment := func() error {
		if err := read(c.LockFile != ""); err != nil {
			return err
		}
		return store()
	}

	around := c.around()
	if around == "" {
		for range maxCount {
			start := tr.now()
			if err := increment(); err != nil {
				return err
			}
			if err := tr.span(start, tr.now()); err != nil {
				return err
			}
		}
		return nil
	}

	timeout := c.Timeout
	if timeout == 0 {
		timeout = filelock.DefaultTimeout
	}
	// One *Lock per Run, reused for every increment.
	lock := filelock.New(c.LockFile)
	defer func() { err = errors.Join(err, lock.Close()) }()
	h := holder{lock: lock, timeout: timeout, tr: tr, st: st, file: c.File}
	switch around {
	case AroundCall:
		return h.hold(func() error {
			for range maxCount {
				if err := increment(); err != nil {
					return err
				}
			}
			return nil
		})
	case AroundWrite:
		for range maxCount {
			if err := read(false); err != nil {
				return err
			}
			if err := h.hold(store); err != nil {
				return err
			}
		}
		return nil
	case AroundStep:
		readHolding := func() error { return read(true) }
		for range maxCount {
			if err := h.hold(readHolding); err != nil {
				return err
			}
			if err := h.hold(store); err != nil {
				return err
			}
		}
		return nil
	}
	for range maxCount { // AroundIncrement
		if err := h.hold(increment); err != nil {
			return err
		}
	}
	return nil
}

// holder runs functions under the lock and traces each hold.
type holder struct {
	lock    *filelock.Lock
	timeout time.Duration
	tr      *tracer
	st      *stepper
	file    string
}

// hold runs f with the lock held; the span covers exactly the hold.
func (h holder) hold(f func() error) (err error) {
	if err := h.lock.LockTimeout(h.timeout); err != nil {
		return fmt.Errorf("counter %s: %w", h.file, err)
	}
	start := h.tr.now()
	h.st.held()
	defer func() {
		h.st.released()
		end := h.tr.now()
		if uerr := h.lock.Unlock(); uerr != nil && err == nil {
			err = fmt.Errorf("counter %s: %w", h.file, uerr)
		}
		if err == nil {
			err = h.tr.span(start, end)
		}
	}()
	return f()
}

// readHeld is readNote for a counter that holds the lock: nobody else can
// remove or rewrite the file between a stat and a read, so one read
// answers both, and a locked increment makes no system call beyond the
// lock's and the read and rewrite's. On an error it asks
// readNote, which says why in Work's words.
func readHeld(filename string, clock func() time.Time) (nbr int, reset string, start, end time.Time) {
	if clock != nil {
		start = clock()
	}
	data, err := regular.ReadFile(filename)
	if clock != nil {
		end = clock()
	}
	if err != nil {
		return readNote(filename, clock)
	}
	nbr, _, err = ParseCount(data)
	if err != nil {
		return readNote(filename, clock)
	}
	return nbr, "", start, end
}
