package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/pkg/shared"
	"golang.org/x/sys/unix"
)

// The floors: the same increments done without the library's lock, as
// cheaply as the machine allows. Each returns the same result a golocks or
// Python run does, so its lost updates are checked like theirs.
//
// The one-process floors run in this (the bench) process: no contention and
// no process start. The contended floor runs the F-incr loop in as many
// processes as the row has, started by this one (children, see child.go):
// what contention alone costs, with nothing of golocks in the way.

// floorCounter is the file counter's one-process floor with the given lock
// granularity:
//
//	none       workbook.Counter{File}: the workbook's own racy work (os.Stat,
//	           os.ReadFile, os.WriteFile), the code a golocks worker runs
//	call       flock(2) once, on a descriptor kept open, around the whole loop
//	           of the read and rewrite that a locked golocks worker makes
//	           (os.ReadFile, os.WriteFile: no os.Stat, nobody else can remove
//	           the file)
//	increment  the same, flock(2) and its unlock around each increment:
//	           the file lock's floor (F-incr)
func floorCounter(dir, granularity string, n int) (result, error) {
	d, err := os.MkdirTemp(dir, "floor-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(d)
	file := filepath.Join(d, "parallel.txt")
	start := time.Now()
	switch granularity {
	case "none":
		// Counter prints "File doesn't exist, starting to count from 0."
		// once: that is the workbook's message, not an error, and it goes
		// to our stdout in the middle of the progress lines. Silence it.
		restore := silenceStdout()
		err = workbook.Counter{File: file}.Run(n)
		restore()
	case "call", "increment":
		err = flockLoop(d, granularity == "increment", n)
	default:
		return result{}, fmt.Errorf("floor: unknown granularity %q", granularity)
	}
	elapsed := time.Since(start)
	if err != nil {
		return result{}, err
	}
	got, err := workbook.ReadCount(file)
	if err != nil {
		return result{}, err
	}
	return newResult(int64(n), int64(got), elapsed), nil
}

// flockLoop does n increments of d/parallel.txt under flock(2) on d/tmp_lock,
// kept open: around each increment, or once around them all. Several
// processes may run it at once on the same d.
func flockLoop(d string, perIncrement bool, n int) error {
	fd, err := unix.Open(filepath.Join(d, "tmp_lock"), unix.O_CREAT|unix.O_RDONLY|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	file := filepath.Join(d, "parallel.txt")
	if !perIncrement {
		if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
			return err
		}
	}
	for range n {
		if perIncrement {
			if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
				return err
			}
		}
		if err := goIncrement(file); err != nil {
			return err
		}
		if perIncrement {
			if err := unix.Flock(fd, unix.LOCK_UN); err != nil {
				return err
			}
		}
	}
	return nil
}

// goIncrement is the locked workbook counter's read and rewrite, minus its
// messages: os.ReadFile, +1, os.WriteFile.
func goIncrement(file string) error {
	nbr := 0
	if data, err := os.ReadFile(file); err == nil {
		nbr, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.WriteFile(file, []byte(strconv.Itoa(nbr+1)+"\n"), 0o644)
}

// contendedFloor is the F-incr loop run by procs processes at once on one
// counter, each doing its share of n: raw flock(2) on a held descriptor,
// taken in turns. Process start is inside the time, as it is in golocks'
// and Python's elapsed_s.
func contendedFloor(dir string, procs, n int) (result, error) {
	d, err := os.MkdirTemp(dir, "contended-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(d)
	each := n / procs
	start := time.Now()
	if err := runChildren(procs, lockedChild, "go", d, strconv.Itoa(each)); err != nil {
		return result{}, err
	}
	elapsed := time.Since(start)
	got, err := workbook.ReadCount(filepath.Join(d, "parallel.txt"))
	if err != nil {
		return result{}, err
	}
	return newResult(int64(each*procs), int64(got), elapsed), nil
}

// runChildren runs procs copies of this program with args, at once, and
// waits for them all.
func runChildren(procs int, args ...string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmds := make([]*exec.Cmd, procs)
	var errs []error
	for i := range cmds {
		cmds[i] = exec.Command(self, args...)
		cmds[i].Stderr = os.Stderr
		if err := cmds[i].Start(); err != nil {
			errs = append(errs, err)
			cmds[i] = nil
		}
	}
	for _, c := range cmds {
		if c != nil {
			errs = append(errs, c.Wait())
		}
	}
	return errors.Join(errs...)
}

// floorAtomic is the shared value's floor: n bare atomic adds by one
// process on a value mapped from a file in dir (workbook.IncrementShared
// "atomic", the loop each `golocks shared` worker process runs).
func floorAtomic(dir string, n int) (result, error) {
	d, err := os.MkdirTemp(dir, "floor-")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(d)
	path := filepath.Join(d, "value")
	start := time.Now()
	if err := workbook.IncrementShared(n, workbook.SharedAtomic, path, ""); err != nil {
		return result{}, err
	}
	elapsed := time.Since(start)
	v, err := shared.OpenValue(path)
	if err != nil {
		return result{}, err
	}
	defer v.Close()
	return newResult(int64(n), v.Get(), elapsed), nil
}

// silenceStdout points os.Stdout at /dev/null until the returned function
// is called.
func silenceStdout() (restore func()) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return func() {}
	}
	old := os.Stdout
	os.Stdout = null
	return func() { os.Stdout = old; null.Close() }
}
