package stepper_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/internal/celltest"
	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/runtime/pool"
)

// The test binary is also the worker the stepper's processes run in, as
// `golocks worker` is for the terminal tool: it serves the workbook's
// functions and this file's.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		funcs := workbook.Funcs()
		for _, f := range []any{idle, sleepy, lockTwice, slowAfterRead, ownLock, leavesRunning} {
			name, err := pool.FuncName(f)
			if err != nil {
				panic(err)
			}
			funcs[name] = f
		}
		os.Exit(pool.Serve(pool.FindIn(funcs)))
	}
	// Examples name no worker: the pool finds this binary here.
	os.Setenv("GOLOCKS_WORKER", os.Args[0])
	// celltest stands in for the kernel: a cell's interrupt.
	if err := celltest.Install(); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// idle never touches its file.
func idle(maxCount int, filename string) error { return nil }

// sleepy never touches its file, and never returns.
func sleepy(maxCount int, filename string) error {
	time.Sleep(time.Hour)
	return nil
}

// slowAfterRead looks at its file, then takes an hour.
func slowAfterRead(maxCount int, filename string) error {
	os.Stat(filename)
	time.Sleep(time.Hour)
	return nil
}

// lockTwice takes the lock, then waits for it again on a second lock of
// the same file: it waits for itself.
func lockTwice(maxCount int, filename, lockPath string) error {
	a, b := filelock.New(lockPath), filelock.New(lockPath)
	if err := a.Lock(); err != nil {
		return err
	}
	defer a.Close()
	if err := b.Lock(); err != nil {
		return err
	}
	return b.Close()
}

// opts are every test's options: this binary as the worker, quiet.
func opts(more ...stepper.Option) []stepper.Option {
	return append([]stepper.Option{stepper.Worker(os.Args[0]), stepper.Output(discard{}, discard{}), stepper.Env("GORACE=atexit_sleep_ms=0")}, more...)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// children counts this process's child processes.
func children(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	me := strconv.Itoa(os.Getpid())
	n := 0
	for _, e := range entries {
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == me {
			n++
		}
	}
	return n
}

// noneLeft fails the test if a child process is still there.
func noneLeft(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for children(t) > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := children(t); n > 0 {
		t.Errorf("%d worker processes left behind", n)
	}
}

// ownLock is the notebook's workLockedEach: two arguments, and a lock of
// its own on "counter.lock" beside the counter, around each increment.
func ownLock(maxCount int, filename string) error {
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
