package workbook_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/pkg/filelock"
)

// Goroutines running their own locked Counter (each with its own *Lock,
// as processes would) count exactly.
func TestGoroutinesLockedExact(t *testing.T) {
	for _, c := range []workbook.Counter{
		{Around: workbook.AroundIncrement},
		{Around: workbook.AroundCall},
		{Around: workbook.AroundIncrement, CrashSafe: true},
	} {
		file, lock := files(t)
		c.File, c.LockFile = file, lock
		const g, n = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, g)
		out := captureStdout(t, func() {
			for range g {
				wg.Go(func() {
					if err := c.Run(n); err != nil {
						errs <- err
					}
				})
			}
			wg.Wait()
		})
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if got, err := workbook.ReadCount(file); got != g*n || err != nil {
			t.Errorf("%+v: count %d, %v; want %d", c, got, err, g*n)
		}
		if out != msgMissing {
			t.Errorf("%+v: printed %q, want one %q", c, out, msgMissing)
		}
	}
}

// filelock.Wrap around Work is WorkLocked built the decorator way.
func TestWrapIsLocked(t *testing.T) {
	file, lock := files(t)
	locked := func(n int, file string) error {
		return filelock.Wrap(lock, func() error { return workbook.Work(n, file) })()
	}
	var wg sync.WaitGroup
	captureStdout(t, func() {
		for range 4 {
			wg.Go(func() {
				if err := locked(250, file); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	})
	if n, _ := workbook.ReadCount(file); n != 1000 {
		t.Errorf("count %d, want 1000", n)
	}
}

// A held lock ends a Run in a timeout, before the counter is touched.
func TestRunTimeout(t *testing.T) {
	file, lock := files(t)
	l := filelock.New(lock)
	if err := l.Lock(); err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	for _, around := range []string{workbook.AroundCall, workbook.AroundIncrement} {
		err := workbook.Counter{File: file, LockFile: lock, Around: around, Timeout: 100 * time.Millisecond}.Run(5)
		if !errors.Is(err, filelock.ErrTimeout) || !strings.Contains(err.Error(), lock) {
			t.Errorf("Around %s: %v, want a timeout naming %s", around, err, lock)
		}
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("counter written without the lock")
	}
}

func TestTrace(t *testing.T) {
	dir := t.TempDir()
	file, lock, trace := filepath.Join(dir, "c.txt"), filepath.Join(dir, "l"), filepath.Join(dir, "trace.txt")
	pid := os.Getpid()
	captureStdout(t, func() {
		// Unlocked: one span per increment.
		if err := (workbook.Counter{File: file, Trace: trace}).Run(10); err != nil {
			t.Fatal(err)
		}
		// Locked per call: one span for the whole call.
		if err := (workbook.Counter{File: file, LockFile: lock, Trace: trace}).Run(10); err != nil {
			t.Fatal(err)
		}
		// Per increment from goroutines: one span per increment, no overlap.
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if err := (workbook.Counter{File: file, LockFile: lock, Around: workbook.AroundIncrement, Trace: trace}).Run(25); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	})
	spans, err := workbook.ReadTrace(trace)
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 10+1+100 {
		t.Fatalf("%d spans, want 111", len(spans))
	}
	for _, s := range spans {
		if s.PID != pid || s.End.Before(s.Start) || s.Start.IsZero() {
			t.Errorf("bad span %+v", s)
		}
	}
	checkNoOverlap(t, spans[11:])
	if n, _ := workbook.ReadCount(file); n != 120 {
		t.Errorf("count %d, want 120", n)
	}

	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("1 2 3\n1 2\n"), 0o644)
	if _, err := workbook.ReadTrace(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("malformed trace: %v, want an error at line 2", err)
	}
	if _, err := workbook.ReadTrace(filepath.Join(dir, "none")); err == nil {
		t.Error("missing trace: no error")
	}
}

// checkNoOverlap: lock holds, sorted by start, follow one another.
func checkNoOverlap(t *testing.T, spans []workbook.Span) {
	t.Helper()
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b workbook.Span) int { return a.Start.Compare(b.Start) })
	for i := 1; i < len(s); i++ {
		if s[i].Start.Before(s[i-1].End) {
			t.Fatalf("spans overlap: %+v and %+v", s[i-1], s[i])
		}
	}
}

// The counting loop adds no allocations of its own: per increment, a
// locked Run allocates what Work's in-place rewrite does plus what opening
// the lock file's handle needs (gofrs reopens it on every Lock), and a
// trace line allocates nothing.
func TestIncrementAllocs(t *testing.T) {
	file, lock := files(t)
	trace := filepath.Join(filepath.Dir(file), "trace.txt")
	const n = 50
	perIncrement := func(f func()) float64 { return testing.AllocsPerRun(3, f) / n }
	var work, locked, traced, open float64
	captureStdout(t, func() {
		work = perIncrement(func() { workbook.Work(n, file) })
		locked = perIncrement(func() { workbook.Counter{File: file, LockFile: lock, Around: workbook.AroundIncrement}.Run(n) })
		traced = perIncrement(func() {
			workbook.Counter{File: file, LockFile: lock, Around: workbook.AroundIncrement, Trace: trace}.Run(n)
		})
		open = testing.AllocsPerRun(20, func() {
			if f, err := os.Open(lock); err == nil {
				f.Close()
			}
		})
	})
	t.Logf("allocations per increment: Work %.2f, locked %.2f, locked+trace %.2f; opening a file %.0f", work, locked, traced, open)
	if locked > work+open+1 {
		t.Errorf("locked increment allocates %.2f, want at most %.2f (Work) + %.0f (open) + 1", locked, work, open)
	}
	if traced > locked+0.5 { // per Run: opening the trace file
		t.Errorf("tracing allocates %.2f per increment", traced-locked)
	}
}
