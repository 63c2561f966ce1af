package workbook

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/golocks/golocks/internal/regular"
)

// tmpSeq makes temp names unique between goroutines of one process; the
// pid in the name separates processes.
var tmpSeq atomic.Uint64

// replace is overwrite made crash safe: write next to a new file in
// filename's directory, then rename it over filename. rename(2) swaps the
// name in one step, so a reader, or the next writer after this one is
// killed at any instant, finds the old number or the new one, never an
// empty or half-written file.
//
// The temp file lives in the same directory because rename cannot cross
// file systems. A writer killed between creating and renaming leaves a
// hidden ".<name>.<pid>.<n>.tmp" behind; it is harmless, and only whoever
// knows that its writer is dead can remove it (Counter.RemoveTemp).
//
// No fsync: it guards against power loss and kernel crashes, not a killed
// process (the page cache outlives the process), and it would wait for the
// disk on every increment (docs/benchmarks.md, "Figures behind the code",
// has what that cost). A counter that must
// survive a power cut needs f.Sync() before Close and a sync of the
// directory after the rename.
func replace(filename string, next int) error {
	prefix := tempPrefix(filename, os.Getpid())
	var (
		name string
		f    *os.File
		err  error
	)
	for range 100 { // O_EXCL: skip names left by a dead process with our pid
		name = prefix + strconv.FormatUint(tmpSeq.Add(1), 10) + ".tmp"
		f, err = regular.Open(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("counter %s: %w", filename, err)
	}
	_, err = f.Write([]byte(strconv.Itoa(next) + "\n"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, filename)
	}
	if err != nil {
		_ = os.Remove(name)
		return fmt.Errorf("counter %s: %w", filename, err)
	}
	return nil
}

// tempPrefix is how the names of the temp files that process pid writes
// beside filename begin.
func tempPrefix(filename string, pid int) string {
	dir, base := filepath.Split(filename)
	return filepath.Join(dir, "."+base+"."+strconv.Itoa(pid)+".")
}

// RemoveTemp removes the temp files that a CrashSafe writer, process pid,
// left beside c.File when it was killed between writing one and renaming
// it over the counter. Call it only once that process is known to have
// ended (a pool's Result for it), as golocks count does after a run whose
// workers were killed: a live writer's temp file is about to be renamed.
func (c Counter) RemoveTemp(pid int) error {
	prefix := tempPrefix(c.File, pid)
	dir := filepath.Dir(prefix)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("counter %s: remove temp files: %w", c.File, err)
	}
	var errs []error
	for _, e := range entries {
		name := filepath.Join(dir, e.Name())
		if e.Type().IsRegular() && strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ".tmp") {
			if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("counter %s: remove temp file: %w", c.File, err))
			}
		}
	}
	return errors.Join(errs...)
}
