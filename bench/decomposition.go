package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/pkg/filelock"
	"golang.org/x/sys/unix"
)

// The decomposition: what one locked increment of the file counter costs,
// piece by piece, by one process with no contention, and then the cheapest
// locked increment again with 2 and 8 processes contending. Each step does
// n times what its name says, with the system calls made directly
// (golang.org/x/sys/unix) except where a library is named.
type step struct {
	name, what string
	run        func(d string, n int) error // in this process
	procs      int                         // > 0: lockedChild raw in that many processes instead
}

var steps = []step{
	{name: "flock", what: "flock(LOCK_EX) + flock(LOCK_UN) on a lock file kept open", run: stepFlock},
	{name: "reopen", what: "open + close of the lock file", run: stepReopen},
	{name: "gofrs", what: "gofrs/flock New + Lock + Unlock: Go's os.OpenFile (openat, 4 fcntl, epoll_ctl), flock ×2, close", run: stepGofrs},
	{name: "filelock", what: "filelock.Lock + Unlock on one *Lock (flock on a descriptor it keeps open)", run: stepFilelock},
	{name: "rw", what: "the counter's read and rewrite as the workbook does it: open/read/close, open(O_TRUNC)/write/close", run: stepRW},
	{name: "rw-in-place", what: "rw, but rewritten in place: open/pwrite/ftruncate(len)/close, never truncated to 0", run: stepRWInPlace},
	{name: "go-rw", what: "rw with Go's os package as course/workbook does it: os.Stat, os.ReadFile, os.WriteFile", run: stepGoRW},
	{name: "rw+flock", what: "rw under flock on a lock file kept open: the cheapest locked increment", run: stepRWFlock},
	{name: "rw+flock ×2", what: "the same, 2 processes contending (per increment)", procs: 2},
	{name: "rw+flock ×8", what: "the same, 8 processes contending (per increment)", procs: 8},
	{name: "counter", what: "workbook.Counter, lock per increment, one process: the library, in the bench process", run: stepCounter},
}

func stepFlock(d string, n int) error {
	fd, err := unix.Open(filepath.Join(d, "lock"), unix.O_CREAT|unix.O_RDONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	for range n {
		if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
			return err
		}
		if err := unix.Flock(fd, unix.LOCK_UN); err != nil {
			return err
		}
	}
	return nil
}

func stepReopen(d string, n int) error {
	path := filepath.Join(d, "lock")
	for range n {
		fd, err := unix.Open(path, unix.O_CREAT|unix.O_RDONLY|unix.O_CLOEXEC, 0o644)
		if err != nil {
			return err
		}
		unix.Close(fd)
	}
	return nil
}

func stepGofrs(d string, n int) error {
	path := filepath.Join(d, "lock")
	for range n {
		fl := flock.New(path)
		if err := fl.Lock(); err != nil {
			return err
		}
		if err := fl.Unlock(); err != nil {
			return err
		}
	}
	return nil
}

func stepFilelock(d string, n int) error {
	l := filelock.New(filepath.Join(d, "lock"))
	defer l.Close()
	for range n {
		if err := l.Lock(); err != nil {
			return err
		}
		if err := l.Unlock(); err != nil {
			return err
		}
	}
	return nil
}

// rawIncrement reads the number in path and writes it back plus one, the
// way the workbook does (read it all, then truncate and rewrite), with one
// system call per step.
func rawIncrement(path string, buf []byte) error {
	nbr := 0
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	switch {
	case err == nil:
		m, err := unix.Read(fd, buf)
		unix.Close(fd)
		if err != nil {
			return err
		}
		if m > 0 && buf[m-1] == '\n' {
			m--
		}
		nbr, _ = strconv.Atoi(string(buf[:m]))
	case !errors.Is(err, unix.ENOENT):
		return err
	}
	fd, err = unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	out := strconv.AppendInt(buf[:0], int64(nbr+1), 10)
	out = append(out, '\n')
	_, err = unix.Write(fd, out)
	unix.Close(fd)
	return err
}

func stepRW(d string, n int) error {
	path, buf := filepath.Join(d, "parallel.txt"), make([]byte, 64)
	for range n {
		if err := rawIncrement(path, buf); err != nil {
			return err
		}
	}
	return checkCount(path, n)
}

// rwInPlace is rawIncrement without the truncation to zero: the new number
// is written over the old one, then the file cut to its length. ext4 does
// not flush such a file on close (it does one truncated to 0 and rewritten:
// its auto_da_alloc heuristic).
func rwInPlace(path string, buf []byte) error {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	m, err := unix.Pread(fd, buf, 0)
	if err != nil {
		return err
	}
	if m > 0 && buf[m-1] == '\n' {
		m--
	}
	nbr, _ := strconv.Atoi(string(buf[:m]))
	out := strconv.AppendInt(buf[:0], int64(nbr+1), 10)
	out = append(out, '\n')
	if _, err := unix.Pwrite(fd, out, 0); err != nil {
		return err
	}
	return unix.Ftruncate(fd, int64(len(out)))
}

func stepRWInPlace(d string, n int) error {
	path, buf := filepath.Join(d, "parallel.txt"), make([]byte, 64)
	for range n {
		if err := rwInPlace(path, buf); err != nil {
			return err
		}
	}
	return checkCount(path, n)
}

// stepGoRW is the unlocked increment of course/workbook (readOrZero and
// overwrite in work.go), minus its messages.
func stepGoRW(d string, n int) error {
	path := filepath.Join(d, "parallel.txt")
	for range n {
		nbr := 0
		if _, err := os.Stat(path); err == nil {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			nbr, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		}
		if err := os.WriteFile(path, []byte(strconv.Itoa(nbr+1)+"\n"), 0o644); err != nil {
			return err
		}
	}
	return checkCount(path, n)
}

func stepRWFlock(d string, n int) error {
	if err := rawLocked(d, n); err != nil {
		return err
	}
	return checkCount(filepath.Join(d, "parallel.txt"), n)
}

// rawLocked does n cheapest locked increments of d/parallel.txt under
// d/lock; several processes may run it at once on the same d.
func rawLocked(d string, n int) error {
	fd, err := unix.Open(filepath.Join(d, "lock"), unix.O_CREAT|unix.O_RDONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	path, buf := filepath.Join(d, "parallel.txt"), make([]byte, 64)
	for range n {
		if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
			return err
		}
		if err := rawIncrement(path, buf); err != nil {
			return err
		}
		if err := unix.Flock(fd, unix.LOCK_UN); err != nil {
			return err
		}
	}
	return nil
}

func stepCounter(d string, n int) error {
	c := workbook.Counter{File: filepath.Join(d, "parallel.txt"), LockFile: filepath.Join(d, "lock"), Around: workbook.AroundIncrement}
	restore := silenceStdout()
	err := c.Run(n)
	restore()
	if err != nil {
		return err
	}
	return checkCount(c.File, n)
}

func checkCount(path string, n int) error {
	got, err := workbook.ReadCount(path)
	if err != nil {
		return err
	}
	if got != n {
		return fmt.Errorf("%s: counted %d, want %d", path, got, n)
	}
	return nil
}

// timeStep runs one step of the decomposition in a fresh folder under dir
// and returns its cost per operation (per increment, for several
// processes: their wall time divided by all their increments).
func timeStep(dir string, s step, n int) (time.Duration, error) {
	d, err := os.MkdirTemp(dir, "step-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(d)
	if s.procs == 0 {
		start := time.Now()
		if err := s.run(d, n); err != nil {
			return 0, err
		}
		return time.Since(start) / time.Duration(n), nil
	}
	each := max(n/s.procs, 1)
	start := time.Now()
	if err := runChildren(s.procs, lockedChild, "raw", d, strconv.Itoa(each)); err != nil {
		return 0, fmt.Errorf("%s: %w", s.name, err)
	}
	elapsed := time.Since(start)
	if err := checkCount(filepath.Join(d, "parallel.txt"), each*s.procs); err != nil {
		return 0, err
	}
	return elapsed / time.Duration(each*s.procs), nil
}
