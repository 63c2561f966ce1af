package workbook

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golocks/golocks/internal/regular"
	"github.com/golocks/golocks/pkg/filelock"
)

// Counter is the general form of the workbook's counter: which file, which
// lock, how fine the locking, how the file is rewritten. Use it when the
// Work* functions do not say what you want, e.g. to trace lock holds for a
// timeline:
//
//	c := workbook.Counter{File: "parallel.txt", LockFile: "counter.lock",
//		PerIncrement: true, Trace: "trace.txt"}
//	err := c.Run(1000)
type Counter struct {
	File string // the counter file

	// LockFile is the lock every process must name; "" = no lock, which
	// races like Work.
	LockFile string

	// PerIncrement takes the lock around each read-increment-write rather
	// than around the whole Run: other processes get turns in between.
	PerIncrement bool

	// CrashSafe writes a temp file and renames it over File, so killing a
	// writer never leaves File empty or half written. Without a lock it
	// still loses updates, but never reads a partial file.
	CrashSafe bool

	// Trace, if set, names a file to which each lock hold (each increment
	// when unlocked) appends "pid startUnixNano endUnixNano\n"; see
	// ReadTrace.
	Trace string

	// Timeout bounds each wait for the lock; 0 = filelock.DefaultTimeout.
	Timeout time.Duration
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
	}
	err := c.run(maxCount, tr)
	return errors.Join(err, tr.close())
}

// run is Run after the checks, tracing to tr (nil = no trace).
func (c Counter) run(maxCount int, tr *tracer) (err error) {
	write := overwrite
	if c.CrashSafe {
		write = replace
	}
	read := readOrZero
	if c.LockFile != "" {
		read = readHeld
	}
	// One increment, made once: the loops below allocate nothing of their
	// own, so an increment costs the lock and the file I/O only.
	increment := func() error { return write(c.File, read(c.File)+1) }

	if c.LockFile == "" {
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
	h := holder{lock: lock, timeout: timeout, tr: tr, file: c.File}
	if !c.PerIncrement {
		return h.hold(func() error {
			for range maxCount {
				if err := increment(); err != nil {
					return err
				}
			}
			return nil
		})
	}
	for range maxCount {
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
	file    string
}

// hold runs f with the lock held; the span covers exactly the hold.
func (h holder) hold(f func() error) (err error) {
	if err := h.lock.LockTimeout(h.timeout); err != nil {
		return fmt.Errorf("counter %s: %w", h.file, err)
	}
	start := h.tr.now()
	defer func() {
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

// readHeld is readOrZero for a counter that holds the lock: nobody else can
// remove or rewrite the file between a stat and a read, so one read
// answers both, and a locked increment makes no system call beyond the
// lock's and the read and rewrite's (issue #12). On an error it asks
// readOrZero, which says why in Work's words.
func readHeld(filename string) int {
	data, err := regular.ReadFile(filename)
	if err != nil {
		return readOrZero(filename)
	}
	nbr, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return readOrZero(filename)
	}
	return nbr
}
