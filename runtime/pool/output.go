package pool

import (
	"bytes"
	"io"
	"sync"
)

// An output is where one run's workers write: whole lines, one worker's line
// at a time, so that two workers' lines never mix inside one line whatever
// the destination.
type output struct {
	mu             sync.Mutex
	stdout, stderr func() io.Writer
}

func newOutput(s settings) *output {
	return &output{stdout: s.stdout, stderr: s.stderr}
}

// A lineWriter passes whole lines to its destination as soon as each line is
// complete, and keeps a partial last line until Flush.
//
// dst is called at each write, not once: the notebook kernel gives every
// cell fresh streams, and output sent to a stale one is lost.
type lineWriter struct {
	mu  *sync.Mutex
	dst func() io.Writer
	buf []byte
}

func (o *output) lines(dst func() io.Writer) *lineWriter {
	return &lineWriter{mu: &o.mu, dst: dst}
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

func (w *lineWriter) emit(lines []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dst().Write(lines)
}
