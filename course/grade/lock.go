package grade

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/runtime/cell"
)

// The probe HoldsLock makes: how many increments it asks for, the number it
// answers the first read with, and how long it waits at most in all (the
// function's own Lock gives up sooner, after filelock.DefaultTimeout).
const (
	probeCount = 2
	probeFirst = 41
	probeWait  = 30 * time.Second
	probePoll  = time.Millisecond
)

// HoldsLock checks a counting function that must hold the file lock at
// lockPath whenever it reads its counter file, and let go before it
// returns: Exercise 4's lockedWork (work with the lock around each whole
// call, Go's @interprocess_locked) and Exercise 6's workLockedEach (the
// lock around each increment).
//
// It does not race anything to find out (a race that loses no update
// proves nothing). It calls work(2, pipe) once, in this process, with a
// named pipe (a FIFO) in a private folder standing in for the counter file.
// Reading a named pipe waits until someone opens it to write: so each time
// work reads the file it waits for HoldsLock, which looks at the lock at
// that very moment (a lock held by work cannot be taken by another handle,
// even in this process), then answers: 41 to the first read, what work
// wrote to the next. So a function that takes no lock, locks another file,
// lets go before work reads, or takes the lock for the write alone fails
// every time, with a message that says which; so does one that never lets
// go, passes other arguments on, or fails. (A function that lets go
// between its read and its write passes this check; the count it leaves in
// a real run, which loses updates, gives it away.)
//
// The function's name in messages is the notebook's (lockedWork) when a
// notebook kernel runs the check. Every wait is bounded, by 30 s at most,
// and ends when the notebook cell is interrupted; the pipe and its folder
// are removed afterwards, and the function never touches a real counter.
func HoldsLock(work func(maxCount int, filename string) error, lockPath string) error {
	return probeLock(work, lockPath, true)
}

// ReadsUnlocked is HoldsLock's opposite, for the wrong placement that
// takes the lock for the write alone (lockWriteOnly): it checks that work
// reads its counter file while the lock at lockPath is free, and that it
// otherwise counts as work does (reads, writes one more, returns nil, lets
// go). It looks the same way as HoldsLock: at the moment of each read.
func ReadsUnlocked(work func(maxCount int, filename string) error, lockPath string) error {
	return probeLock(work, lockPath, false)
}

// probeLock runs the probe HoldsLock describes; heldAtRead is what the lock
// must be at every read.
func probeLock(work func(maxCount int, filename string) error, lockPath string, heldAtRead bool) error {
	if work == nil {
		return errors.New("the function to check is nil: define it first (run its cell)")
	}
	name := "the function"
	if f, ok := cell.Lookup(work); ok {
		name = f.Name
	}
	if held, err := isHeld(lockPath); err != nil {
		return err
	} else if held {
		return fmt.Errorf("%s is held before the test starts: a lock taken earlier was never let go (restart the kernel, then run the notebook again)", lockPath)
	}
	dir, err := os.MkdirTemp("", "golocks-grade-")
	if err != nil {
		return fmt.Errorf("cannot check the lock: %w", err)
	}
	defer os.RemoveAll(dir)
	p := &probe{name: name, lockPath: lockPath, heldAtRead: heldAtRead, pipe: filepath.Join(dir, "counter.txt"), done: make(chan error, 1)}
	if err := mkfifo(p.pipe); err != nil {
		return fmt.Errorf("cannot check the lock: %w", err)
	}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				p.done <- fmt.Errorf("%s panicked: %v", name, r)
			}
		}()
		p.done <- work(probeCount, p.pipe)
	}()
	return p.run()
}

// A probe is one HoldsLock call: the function running in its goroutine,
// the pipe it reads and writes, and what was found.
type probe struct {
	name, lockPath, pipe string
	heldAtRead           bool       // what the lock must be at each read
	done                 chan error // the function's result, once it returns
	ended                bool       // done was received: result holds it
	result               error
	failure              error // the first thing found wrong
	reads                int   // reads answered
}

// fail keeps the first failure: the protocol goes on to its end, so that
// the function returns as it would in a real run.
func (p *probe) fail(err error) {
	if p.failure == nil {
		p.failure = err
	}
}

// run answers the function's reads and takes its writes, then looks at
// how it ended.
func (p *probe) run() error {
	deadline := time.Now().Add(probeWait)
	value := probeFirst
	for i := 1; i <= probeCount; i++ {
		// The read: work waits for us inside its read; the lock must be held.
		held, err := p.answerRead(deadline, value)
		if err != nil {
			return p.giveUp(err, "read its counter file the "+ordinal(i)+" time")
		}
		if p.ended {
			break
		}
		p.reads++
		switch {
		case !held && p.heldAtRead:
			p.fail(fmt.Errorf("%s read the counter file while %s was free: take the lock before the file is read, and let go only after the new number is written", p.name, p.lockPath))
		case held && !p.heldAtRead:
			p.fail(fmt.Errorf("%s held %s while it read the counter file: this placement takes the lock for the write alone, so read first, then take the lock", p.name, p.lockPath))
		}
		// The write: take what work writes, which must be one more.
		data, err := p.takeWrite(deadline)
		if err != nil {
			return p.giveUp(err, "write its counter file the "+ordinal(i)+" time")
		}
		if p.ended {
			break
		}
		got := strings.TrimSpace(string(data))
		if got != strconv.Itoa(value+1) {
			p.fail(fmt.Errorf("%s read %d and wrote %q, not %d: does it pass maxCount and filename on to work unchanged?", p.name, value, got, value+1))
		}
		if n, err := strconv.Atoi(got); err == nil {
			value = n
		}
	}
	if !p.ended {
		if err := p.wait(deadline); err != nil {
			return p.giveUp(err, "return")
		}
	}
	switch {
	case p.result != nil:
		p.fail(fmt.Errorf("%s(%d, filename) returned an error: %w", p.name, probeCount, p.result))
	case p.reads == 0:
		p.fail(fmt.Errorf("%s(%d, filename) returned without reading filename: it must read and write the file it is given (pass filename on to work)", p.name, probeCount))
	case p.reads < probeCount:
		p.fail(fmt.Errorf("%s(%d, filename) read filename %d time(s), not %d: pass maxCount on to work unchanged", p.name, probeCount, p.reads, probeCount))
	}
	if held, err := isHeld(p.lockPath); err != nil {
		p.fail(err)
	} else if held {
		p.fail(fmt.Errorf("%s is still held after %s returned: let go of the lock when the work is done (defer lock.Unlock()), or every later caller waits for it", p.lockPath, p.name))
	}
	return p.failure
}

// answerRead waits until work opens the pipe to read it, looks at the lock,
// then sends value and lets work read to the end. If work returns first,
// p.ended is set and nothing is sent.
func (p *probe) answerRead(deadline time.Time, value int) (held bool, err error) {
	for {
		fd, ok, err := openWriter(p.pipe)
		if err != nil {
			return false, err
		}
		if ok {
			held, herr := isHeld(p.lockPath)
			werr := writeClose(fd, strconv.Itoa(value)+"\n")
			return held, errors.Join(herr, werr)
		}
		if err := p.pause(deadline); err != nil || p.ended {
			return false, err
		}
	}
}

// takeWrite waits until work opens the pipe to write it, and returns what
// it wrote. If work returns first, p.ended is set.
func (p *probe) takeWrite(deadline time.Time) ([]byte, error) {
	type read struct {
		data []byte
		err  error
	}
	got := make(chan read, 1)
	go func() {
		// Opening a pipe to read waits until a writer opens it too.
		f, err := os.OpenFile(p.pipe, os.O_RDONLY, 0)
		if err != nil {
			got <- read{err: err}
			return
		}
		data, err := readAll(f)
		got <- read{data, err}
	}()
	for {
		select {
		case r := <-got:
			return r.data, r.err
		default:
		}
		if err := p.pause(deadline); err != nil || p.ended {
			// Open the pipe's other end, so that our reader stops
			// waiting (again, if it had not started to wait yet).
			for range 1000 {
				unblock(p.pipe)
				select {
				case <-got:
					return nil, err
				case <-time.After(10 * time.Millisecond):
				}
			}
			return nil, errors.Join(err, errors.New("the test's own reader of the pipe is stuck"))
		}
	}
}

// pause waits one poll interval, or less if work returns, and says whether
// the probe must give up: out of time, or the cell was interrupted.
func (p *probe) pause(deadline time.Time) error {
	if time.Now().After(deadline) {
		return fmt.Errorf("waited %v", probeWait)
	}
	select {
	case p.result = <-p.done:
		p.ended = true
	case <-cell.Context().Done():
		return fmt.Errorf("interrupted: %w", context.Cause(cell.Context()))
	case <-time.After(probePoll):
	}
	return nil
}

// wait waits for work to return. A work that reads the pipe once more
// would wait for an answer forever: that is a failure, and the end.
func (p *probe) wait(deadline time.Time) error {
	for !p.ended {
		f, ok, err := openWriter(p.pipe)
		if err != nil {
			return err
		}
		if ok {
			f.Close()
			return fmt.Errorf("it read filename more than %d times, its maxCount: pass maxCount on to work unchanged", probeCount)
		}
		if err := p.pause(deadline); err != nil {
			return err
		}
	}
	return nil
}

// giveUp ends a probe that cannot go on: the pipe is opened both ways and
// removed, so that work, wherever it waits on it, reads nothing and fails
// to write; it is not waited for.
func (p *probe) giveUp(err error, what string) error {
	unblock(p.pipe)
	os.Remove(p.pipe)
	return errors.Join(p.failure, fmt.Errorf("%s did not %s: %w; is it waiting for a lock it already holds, or for one held elsewhere?", p.name, what, err))
}

func ordinal(i int) string {
	if i == 1 {
		return "first"
	}
	return "second"
}

// readAll reads what a writer puts in the pipe until it closes it: a
// number, a few bytes (at most 1 KiB are kept).
func readAll(f *os.File) ([]byte, error) {
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 1<<10))
}

// isHeld reports whether some handle holds the file lock at path, by trying
// to take it with a handle of our own (and letting go at once if we got it).
func isHeld(path string) (bool, error) {
	l := filelock.New(path)
	defer l.Close()
	got, err := l.TryLock()
	if err != nil {
		return false, fmt.Errorf("cannot check the lock: %w", err)
	}
	if !got {
		return true, nil
	}
	if err := l.Unlock(); err != nil {
		return false, fmt.Errorf("cannot check the lock: %w", err)
	}
	return false, nil
}
