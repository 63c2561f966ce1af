//go:build golocks_kernel

package main

// A cell's outputs reach the front-end in the order the cell made them.
//
// What a cell writes to os.Stdout and os.Stderr goes through a pipe each
// (golocks_output.go) and a goroutine per pipe publishes it as stream
// messages, while Display, ClearOutput, the cell's result and its error
// are published by the evaluating goroutine: a picture shown after a print
// overtook the print, and a cell's printed lines were split around its
// chart. ipykernel flushes a cell's streams before each display_data; this
// kernel does too, before every display_data, clear_output,
// execute_result and error it sends for the cell.
//
// Invariant: a stream's pipe is read only while holding its mu, and what
// is read is published before mu is released. So once flush holds mu and
// has read the pipe empty, every byte written to the pipe before flush
// began is on the wire.

import (
	"io"
	"log"
	"os"
	"sync"
	"syscall"
)

// flushLimit bounds what one flush forwards, so that a process writing
// without pause cannot hold the cell's next output back for ever.
const flushLimit = 1 << 20

// A stream forwards what is written to one of a cell's pipes to the
// front-end, and can be flushed.
type stream struct {
	w  io.Writer // publishes stream messages
	r  *os.File  // the pipe's read end; Go keeps it non-blocking
	rc syscall.RawConn
	fd int // r's descriptor, valid while !closed

	mu     sync.Mutex // held to read the pipe and publish what was read
	closed bool       // every writer is gone, r is closed
	buf    []byte
}

// newStream prepares forwarding r to w.
func newStream(w io.Writer, r *os.File) (*stream, error) {
	rc, err := r.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &stream{w: w, r: r, rc: rc, buf: make([]byte, 32*1024)}
	if err := rc.Control(func(fd uintptr) { s.fd = int(fd) }); err != nil {
		return nil, err
	}
	return s, nil
}

// forward publishes what arrives on the pipe until every writer closed its
// end, then closes the read end.
func (s *stream) forward() {
	for {
		eof := false
		err := s.rc.Read(func(fd uintptr) bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			n, err := s.readLocked()
			if err == syscall.EAGAIN {
				return false // wait for the pipe to be readable
			}
			eof = n == 0
			return true
		})
		if err != nil {
			log.Printf("golocks: reading the cell's output: %v", err)
		}
		if err != nil || eof {
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.r.Close()
}

// readLocked reads the pipe once, without waiting, and publishes what it
// read. It returns 0 and a nil error at the end of the stream (or when the
// pipe cannot be read: the forwarding is over), syscall.EAGAIN when nothing
// is there yet. s.mu is held.
func (s *stream) readLocked() (int, error) {
	for {
		n, err := syscall.Read(s.fd, s.buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, err
		case err != nil:
			log.Printf("golocks: reading the cell's output: %v", err)
			return 0, nil
		case n > 0:
			if _, err := s.w.Write(s.buf[:n]); err != nil {
				log.Printf("golocks: sending the cell's output: %v", err)
			}
		}
		return n, nil
	}
}

// flush publishes what the pipe holds now (up to flushLimit), before the
// caller sends anything else for the cell.
func (s *stream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sent := 0; !s.closed && sent < flushLimit; {
		n, err := s.readLocked()
		if err != nil || n == 0 {
			return
		}
		sent += n
	}
}

// flushingWriter flushes the cell's pipes before each write of its own:
// gophernotes' own writes to a cell's streams come after what the cell
// wrote before them.
type flushingWriter struct {
	c *cellOutput
	w io.Writer
}

func (f flushingWriter) Write(p []byte) (int, error) {
	f.c.flush()
	return f.w.Write(p)
}

// flush publishes what the cell wrote to its stdout and stderr so far.
func (c *cellOutput) flush() {
	for _, s := range c.streams {
		s.flush()
	}
}

// display is the cell's Display: its streams first, then the picture.
func (c *cellOutput) display(d Data) error {
	c.flush()
	return c.receipt.PublishDisplayData(d)
}
