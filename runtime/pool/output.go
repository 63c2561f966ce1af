package pool

import (
	"bytes"
	"fmt"
	"io"
	"sync"
)

// keptRepeats is how many copies of a line repeated back to back are
// written as they come; the rest are tallied (see output).
const keptRepeats = 2

// An output is where one run's workers write: whole lines, one worker's line
// at a time, so that two workers' lines never mix inside one line whatever
// the destination.
//
// On the caller's own streams (a Pool whose Stdout or Stderr is nil: in a
// notebook, the cell's output, read by a person), a line that comes again
// and again back to back (two racing workers print the same "File read
// error" hundreds of times) is written twice as it comes; the further
// copies are counted, and when another line comes or the run ends, one line
// says how many there were: "[the line above, 217 more times]". Nothing a
// worker prints is dropped without being counted, and lines that differ
// are never merged. A writer the caller gave (Pool.Stdout) gets every line
// as it is: a program may count them.
type output struct {
	mu             sync.Mutex
	stdout, stderr func() io.Writer
	tallyOut       bool                         // tally repeated lines on stdout
	tallyErr       bool                         // and on stderr
	tallies        map[*func() io.Writer]*tally // by destination, under mu
	ended          bool                         // the run ended: write every line as it comes
}

// A tally is the last line written to one destination and how many more
// copies of it came since.
type tally struct {
	last    []byte
	copies  int // copies of last written or counted, the first included
	pending int // copies counted, not written
}

func newOutput(s settings) *output {
	return &output{stdout: s.stdout, stderr: s.stderr, tallyOut: s.tallyOut, tallyErr: s.tallyErr,
		tallies: map[*func() io.Writer]*tally{}}
}

// end writes what is still counted, at the end of the run; lines that come
// later (a worker's last words after a timeout) are written as they come.
func (o *output) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	for dst, t := range o.tallies {
		t.flush(*dst)
	}
	o.ended = true
}

// flush writes the line that says how many copies were counted.
func (t *tally) flush(dst func() io.Writer) {
	if t.pending == 0 {
		return
	}
	times := "times"
	if t.pending == 1 {
		times = "time"
	}
	fmt.Fprintf(dst(), "[the line above, %d more %s]\n", t.pending, times)
	t.pending = 0
}

// A lineWriter passes whole lines to its destination as soon as each line is
// complete, and keeps a partial last line until Flush.
//
// dst is called at each write, not once: the notebook kernel gives every
// cell fresh streams, and output sent to a stale one is lost.
type lineWriter struct {
	out   *output
	dst   *func() io.Writer // the run's stdout or stderr: its tally's key
	tally bool              // repeated lines are tallied
	buf   []byte
}

// lines returns a writer to the run's stdout, or its stderr.
func (o *output) lines(stderr bool) *lineWriter {
	if stderr {
		return &lineWriter{out: o, dst: &o.stderr, tally: o.tallyErr}
	}
	return &lineWriter{out: o, dst: &o.stdout, tally: o.tallyOut}
}

// Write is called by os/exec's copying goroutine only, so buf needs no lock.
func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if i := bytes.LastIndexByte(w.buf, '\n'); i >= 0 {
		w.emit(w.buf[:i+1])
		w.buf = append(w.buf[:0], w.buf[i+1:]...)
	}
	// Report success even if the destination failed: a closed notebook
	// stream must not kill the worker with a broken pipe.
	return len(p), nil
}

// Flush writes a last line that had no newline.
func (w *lineWriter) Flush() {
	if len(w.buf) > 0 {
		w.emit(append(w.buf, '\n'))
		w.buf = w.buf[:0]
	}
}

// emit writes whole lines, tallying a line that repeats back to back.
func (w *lineWriter) emit(lines []byte) {
	o := w.out
	o.mu.Lock()
	defer o.mu.Unlock()
	dst := *w.dst
	if o.ended || !w.tally {
		dst().Write(lines)
		return
	}
	t := o.tallies[w.dst]
	if t == nil {
		t = &tally{}
		o.tallies[w.dst] = t
	}
	var plain []byte // lines to write as they are, in one write
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		line := lines[:i+1]
		lines = lines[i+1:]
		if t.copies > 0 && bytes.Equal(line, t.last) {
			t.copies++
			if t.copies > keptRepeats {
				t.pending++
				continue
			}
		} else {
			if t.pending > 0 {
				if len(plain) > 0 {
					dst().Write(plain)
					plain = plain[:0]
				}
				t.flush(dst)
			}
			t.last = append(t.last[:0], line...)
			t.copies = 1
		}
		plain = append(plain, line...)
	}
	if len(plain) > 0 {
		dst().Write(plain)
	}
}
