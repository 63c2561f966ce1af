package grade

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/runtime/pool"
)

// The test binary is also the worker the stepper's processes run in (as
// `golocks worker` is from a terminal): it serves the workbook's functions
// and this file's.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		funcs := workbook.Funcs()
		for _, f := range []any{lockedEach, lockedWrite, idle} {
			name, err := pool.FuncName(f)
			if err != nil {
				panic(err)
			}
			funcs[name] = f
		}
		os.Exit(pool.Serve(pool.FindIn(funcs)))
	}
	os.Setenv("GOLOCKS_WORKER", os.Args[0])
	os.Exit(m.Run())
}

// lockedEach holds counter.lock, beside the counter, around each increment.
func lockedEach(maxCount int, filename string) error {
	lock := filelock.New(filepath.Join(filepath.Dir(filename), "counter.lock"))
	defer lock.Close()
	for range maxCount {
		if err := lock.Lock(); err != nil {
			return err
		}
		err := workbook.Work(1, filename)
		if uerr := lock.Unlock(); err == nil {
			err = uerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// lockedWrite holds counter.lock for the write alone: it reads unlocked.
func lockedWrite(maxCount int, filename string) error {
	lock := filelock.New(filepath.Join(filepath.Dir(filename), "counter.lock"))
	defer lock.Close()
	for range maxCount {
		n, err := workbook.ReadCount(filename)
		if err != nil {
			n = 0
		}
		if err := lock.Lock(); err != nil {
			return err
		}
		err = os.WriteFile(filename, []byte(strconv.Itoa(n+1)+"\n"), 0o644)
		if uerr := lock.Unlock(); err == nil {
			err = uerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// idle never touches its file: a blank exercise.
func idle(maxCount int, filename string) error { return nil }

// TestLowest: the stepper's lowest count over every schedule, for the
// racy work, the lock around the write alone, and the lock around each
// increment; a wrong prediction is told what the stepper saw, a missing one
// is not.
func TestLowest(t *testing.T) {
	counter := filepath.Join(t.TempDir(), "counter.txt")
	for _, c := range []struct {
		name   string
		work   func(int, string) error
		lowest int64
	}{
		{"work", workbook.Work, 1},
		{"lock around the write", lockedWrite, 1},
		{"lock around each increment", lockedEach, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := Lowest("p", c.lowest, c.work, counter); err != nil {
				t.Fatalf("Lowest(%d): %v", c.lowest, err)
			}
			err := Lowest("p", c.lowest+1, c.work, counter)
			if err == nil || !strings.Contains(err.Error(), "p is ") || !strings.Contains(err.Error(), "the lowest is ") {
				t.Errorf("Lowest(%d): %v, want what the stepper saw", c.lowest+1, err)
			}
			err = Lowest("p", 0, c.work, counter)
			if err == nil || strings.Contains(err.Error(), "lowest") {
				t.Errorf("Lowest(0): %v, want a request for a prediction, not the answer", err)
			}
		})
	}
	wantErr(t, Lowest("p", 1, idle, counter), "ended without touching")
	wantErr(t, Lowest("p", 1, nil, counter), "is nil")
}
