package shared

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/golocks/golocks/internal/regular"
)

// The layout of a shared file. It starts with a header so that a path that
// names someone else's file (a typo, a text file) is refused rather than
// overwritten:
//
//	offset 0   magic    "golocks\x00"
//	offset 8   version  uint32, little-endian (2)
//	offset 12  kind     uint32, little-endian (1 value, 2 raw value, 3 mutex)
//	offset 16  payload, 8-byte aligned:
//	  value:     int64 value at 16, uint64 lock word at 24:  32 bytes
//	  raw value: int64 value at 16:                          24 bytes
//	  mutex:     uint64 lock word at 16:                     24 bytes
//
// The payload is in the machine's own byte order, because processes read it
// with atomic instructions; a shared file is meant for processes of one
// machine, never for another architecture.
//
// Version 2 (this one) holds the lock holder's start time beside its pid in
// the lock word (see lock.go). Version 1 had the pid alone in a 32-bit word;
// a version-1 process would neither write nor check the start time, so the
// two must never share a file, and an old file is refused with a message
// that says how to start over.
const (
	fileMagic   = "golocks\x00"
	fileVersion = 2
	headerSize  = 16
	valueOffset = 16 // value and raw value
	vlockOffset = 24 // the lock word of a value
	mlockOffset = 16 // the lock word of a mutex
)

// fileKind says which of the three layouts a file has.
type fileKind uint32

const (
	kindValue fileKind = 1
	kindRaw   fileKind = 2
	kindMutex fileKind = 3
)

func (k fileKind) String() string {
	switch k {
	case kindValue:
		return "value"
	case kindRaw:
		return "raw value"
	case kindMutex:
		return "mutex"
	}
	return "kind " + strconv.Itoa(int(k))
}

func (k fileKind) size() int {
	if k == kindValue {
		return 32
	}
	return 24
}

// mapping is one process's view of a shared file, and its Close.
type mapping struct {
	path   string
	data   []byte      // the mapped file; after Close, a private copy at the same address
	closed atomic.Bool // set by Close, before the mapping is replaced
	mu     sync.Mutex  // serialises Close
}

// int64At and uint64At point into the mapping. The offsets above are
// multiples of the word size and mmap returns page-aligned memory, so the
// words are aligned, as sync/atomic requires.
func (m *mapping) int64At(off int) *int64 { return (*int64)(unsafe.Pointer(&m.data[off])) }

func (m *mapping) uint64At(off int) *uint64 { return (*uint64)(unsafe.Pointer(&m.data[off])) }

// close marks the mapping closed and puts a private copy of it in its place
// (retire). It never unmaps: a goroutine may still hold a pointer into it
// (a Get that loaded the address, a Lock asleep on the word), and touching
// unmapped memory is a fault that no recover catches, the end of a
// notebook kernel. A reference count would make Get, Set, Add and a free
// Lock pay two atomic read-modify-writes each, several times their own
// cost (BenchmarkCloseDesign; figures in docs/benchmarks.md, "Speed
// work"); a private copy costs them nothing, and costs
// one page of memory per Close for the life of the process. before, if not
// nil, runs between the two steps (Value and Mutex close their lock there).
func (m *mapping) close(before func()) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed.Load() {
		return fmt.Errorf("close %s: %w", m.path, ErrClosed)
	}
	m.closed.Store(true)
	if before != nil {
		before()
	}
	if err := retire(m.data); err != nil {
		return fmt.Errorf("close %s: %w", m.path, err)
	}
	return nil
}

// openMapping maps the shared file of the given kind at path, creating it if
// it does not exist. It never writes to a file that already exists: an
// existing file is only read (its size and header) and, if it is of the right
// kind, mapped as it is, so its current value is kept.
func openMapping(path string, kind fileKind) (*mapping, error) {
	if path == "" {
		return nil, fmt.Errorf("open shared %s: empty path", kind)
	}
	// Several processes may open a missing file at once. Each creates a
	// private, fully initialised temporary file and hard-links it to path;
	// link(2) fails if path exists, so exactly one wins and the others open
	// the winner's file. No process ever sees a half-initialised file. Only
	// a regular file is opened, never a FIFO, a device or a symbolic link
	// (package regular): a link, even a dangling one, is refused at once.
	// The loop is bounded all the same: something that removes path each
	// time it is created would make open say "does not exist" and link
	// say "exists" forever.
	for attempt := 0; attempt < 10; attempt++ {
		f, err := regular.Open(path, os.O_RDWR, 0)
		if err == nil {
			m, err := mapExisting(f, path, kind)
			f.Close() // the mapping outlives the descriptor
			return m, err
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open shared %s %s: %w", kind, path, err)
		}
		m, err := create(path, kind)
		if errors.Is(err, fs.ErrExist) {
			continue // another process created it first: open that one
		}
		return m, err
	}
	return nil, fmt.Errorf("open shared %s %s: path keeps vanishing between its creation and its open", kind, path)
}

// mapExisting checks that f is a shared file of the given kind, then maps it.
func mapExisting(f *os.File, path string, kind fileKind) (*mapping, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("open shared %s %s: %w", kind, path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("open shared %s %s: not a regular file (mode %v), left untouched: %w", kind, path, st.Mode(), ErrFormat)
	}
	if st.Size() != int64(kind.size()) {
		return nil, fmt.Errorf("open shared %s %s: %d bytes, a %s file has %d; not ours, left untouched: %w",
			kind, path, st.Size(), kind, kind.size(), ErrFormat)
	}
	var hdr [headerSize]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return nil, fmt.Errorf("open shared %s %s: read header: %w", kind, path, err)
	}
	if !bytes.Equal(hdr[:8], []byte(fileMagic)) {
		return nil, fmt.Errorf("open shared %s %s: no golocks header; not ours, left untouched: %w", kind, path, ErrFormat)
	}
	if v := binary.LittleEndian.Uint32(hdr[8:]); v != fileVersion {
		return nil, fmt.Errorf("open shared %s %s: format version %d, this library reads version %d%s; left untouched: %w",
			kind, path, v, fileVersion, oldVersionHint(v), ErrFormat)
	}
	if k := fileKind(binary.LittleEndian.Uint32(hdr[12:])); k != kind {
		return nil, fmt.Errorf("open shared %s %s: it holds a golocks %s, not a %s; left untouched: %w", kind, path, k, kind, ErrFormat)
	}
	data, err := mmap(f, kind.size())
	if err != nil {
		return nil, fmt.Errorf("open shared %s %s: map: %w", kind, path, err)
	}
	return &mapping{path: path, data: data}, nil
}

// oldVersionHint says what to do with a file of an older layout version.
func oldVersionHint(v uint32) string {
	if v < fileVersion {
		return " (written by an older golocks: delete the file to start over; every process must use the same golocks)"
	}
	return " (written by a newer golocks)"
}

// create makes a new, initialised shared file at path and maps it. It returns
// an error wrapping fs.ErrExist, untouched, if path appeared meanwhile.
func create(path string, kind fileKind) (*mapping, error) {
	dir, base := filepath.Dir(path), filepath.Base(path)
	tmpPath := filepath.Join(dir, "."+base+".tmp"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatUint(rand.Uint64(), 36))
	tmp, err := regular.Open(tmpPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("create shared %s %s: directory %s does not exist: %w", kind, path, dir, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("create shared %s %s: %w", kind, path, err)
	}
	defer tmp.Close()
	defer os.Remove(tmpPath) // after the link, path keeps the file

	buf := make([]byte, kind.size()) // payload zero: value 0, lock free
	copy(buf, fileMagic)
	binary.LittleEndian.PutUint32(buf[8:], fileVersion)
	binary.LittleEndian.PutUint32(buf[12:], uint32(kind))
	if _, err := tmp.Write(buf); err != nil {
		return nil, fmt.Errorf("create shared %s %s: %w", kind, path, err)
	}
	if err := os.Link(tmpPath, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		return nil, fmt.Errorf("create shared %s %s: %w", kind, path, err)
	}
	data, err := mmap(tmp, kind.size())
	if err != nil {
		return nil, fmt.Errorf("create shared %s %s: map: %w", kind, path, err)
	}
	return &mapping{path: path, data: data}, nil
}
