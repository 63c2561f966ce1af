package lockerr_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/internal/redistest"
	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/pkg/lockerr"
	"github.com/golocks/golocks/pkg/redislock"
	"github.com/golocks/golocks/pkg/shared"
)

// The lock packages' errors match the same targets for the same situation:
// one table, every package.
func TestSameRulesInEveryPackage(t *testing.T) {
	type lock interface {
		LockTimeout(time.Duration) error
		LockContext(context.Context) error
		Unlock() error
		Close() error
		SetTimeout(time.Duration)
	}
	dir := t.TempDir()
	// Each package's lock, and a second handle that holds it.
	open := map[string]func(t *testing.T, name string) (l, holder lock){
		"filelock": func(t *testing.T, name string) (lock, lock) {
			p := filepath.Join(dir, name)
			return filelock.New(p), filelock.New(p)
		},
		"shared.Value": func(t *testing.T, name string) (lock, lock) {
			p := filepath.Join(dir, name)
			a, err := shared.OpenValue(p)
			if err != nil {
				t.Fatal(err)
			}
			b, err := shared.OpenValue(p)
			if err != nil {
				t.Fatal(err)
			}
			return a, b
		},
		"shared.Mutex": func(t *testing.T, name string) (lock, lock) {
			p := filepath.Join(dir, name)
			a, err := shared.OpenMutex(p)
			if err != nil {
				t.Fatal(err)
			}
			b, err := shared.OpenMutex(p)
			if err != nil {
				t.Fatal(err)
			}
			return a, b
		},
		"redislock": func(t *testing.T, name string) (lock, lock) {
			rdb, err := redisserver.Dial(redistest.Server(t).URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rdb.Close() })
			return redislock.New(rdb, name), redislock.New(rdb, name)
		},
	}
	type want struct{ timeout, deadline, canceled, notLocked, closed bool }
	type errCase struct {
		name string
		err  error
		want want
	}
	for pkg, open := range open {
		t.Run(pkg, func(t *testing.T) {
			l, holder := open(t, pkg)
			defer holder.Close()
			if err := l.Unlock(); !errors.Is(err, lockerr.ErrNotLocked) {
				t.Errorf("Unlock of a free lock: %v, want ErrNotLocked", err)
			}
			if err := holder.LockTimeout(time.Second); err != nil {
				t.Fatal(err)
			}
			deadline, cancel1 := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel1()
			canceled, cancel2 := context.WithCancel(context.Background())
			cancel2()
			l.SetTimeout(30 * time.Millisecond)
			cases := []errCase{
				{"LockTimeout", l.LockTimeout(30 * time.Millisecond), want{timeout: true}},
				{"LockTimeout(0)", l.LockTimeout(0), want{timeout: true}},
				{"LockContext, deadline", l.LockContext(deadline), want{timeout: true, deadline: true}},
				{"LockContext, no deadline", l.LockContext(context.Background()), want{timeout: true}},
				{"LockContext, cancelled", l.LockContext(canceled), want{canceled: true}},
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			cases = append(cases,
				errCase{"Unlock after Close", l.Unlock(), want{closed: true}},
				errCase{"LockTimeout after Close", l.LockTimeout(time.Second), want{closed: true}},
			)
			for _, c := range cases {
				got := want{
					timeout:   errors.Is(c.err, lockerr.ErrTimeout),
					deadline:  errors.Is(c.err, context.DeadlineExceeded),
					canceled:  errors.Is(c.err, context.Canceled),
					notLocked: errors.Is(c.err, lockerr.ErrNotLocked),
					closed:    errors.Is(c.err, lockerr.ErrClosed),
				}
				if got != c.want {
					t.Errorf("%s: %v matches %+v, want %+v", c.name, c.err, got, c.want)
				}
				var te *lockerr.TimeoutError
				if errors.As(c.err, &te) != c.want.timeout {
					t.Errorf("%s: %v: errors.As *TimeoutError = %v", c.name, c.err, !c.want.timeout)
				}
			}
			// The re-exported names are the same values.
			if filelock.ErrTimeout != lockerr.ErrTimeout || shared.ErrTimeout != lockerr.ErrTimeout || redislock.ErrTimeout != lockerr.ErrTimeout ||
				filelock.ErrClosed != shared.ErrClosed || filelock.ErrClosed != redislock.ErrClosed ||
				filelock.ErrNotLocked != shared.ErrNotLocked || filelock.ErrNotLocked != redislock.ErrNotLocked {
				t.Error("a lock package's errors are not lockerr's")
			}
		})
	}
}
