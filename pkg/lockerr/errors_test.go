package lockerr

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestTimeoutErrorMessage(t *testing.T) {
	cases := []struct {
		e    TimeoutError
		want string
	}{
		{TimeoutError{Lock: "/tmp/tmp_lock", Waited: 10*time.Second + 213*time.Microsecond},
			"lock /tmp/tmp_lock: timed out after 10s"},
		{TimeoutError{Lock: "/tmp/tmp_lock", Waited: 200 * time.Millisecond, HolderPID: 1234, HolderName: "golocks"},
			"lock /tmp/tmp_lock: timed out after 200ms; held by pid 1234 (golocks)"},
		{TimeoutError{Lock: "v", Waited: 1500 * time.Nanosecond, HolderPID: 7},
			"lock v: timed out after 2µs; held by pid 7"},
		{TimeoutError{Lock: "counter", Waited: time.Second, HolderName: "token 5f2a"},
			"lock counter: timed out after 1s; held by token 5f2a"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
	}
}

func TestIs(t *testing.T) {
	own := error(&TimeoutError{Lock: "l", Waited: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	byCtx := FromContext("l", time.Second, ctx)
	custom := errors.New("the bell rang")
	ctx2, cancel2 := context.WithDeadlineCause(context.Background(), time.Now().Add(-time.Second), custom)
	defer cancel2()
	byCause := FromContext("l", time.Second, ctx2)

	interrupted := errors.New("interrupted")
	cctx, ccancel := context.WithCancelCause(context.Background())
	ccancel(interrupted)
	stopped := FromContext("l", time.Second, cctx)
	pctx, pcancel := context.WithCancel(context.Background())
	pcancel()
	plain := FromContext("l", time.Second, pctx)

	cases := []struct {
		name                                   string
		err                                    error
		timeout, deadline, canceled, interrupt bool
	}{
		{"own bound", own, true, false, false, false},
		{"context deadline", byCtx, true, true, false, false},
		{"deadline with a cause", byCause, true, false, false, false},
		{"cancelled with a cause", stopped, false, false, true, true},
		{"cancelled", plain, false, false, true, false},
	}
	for _, c := range cases {
		if got := errors.Is(c.err, ErrTimeout); got != c.timeout {
			t.Errorf("%s: Is ErrTimeout = %v", c.name, got)
		}
		if got := errors.Is(c.err, context.DeadlineExceeded); got != c.deadline {
			t.Errorf("%s: Is DeadlineExceeded = %v", c.name, got)
		}
		if got := errors.Is(c.err, context.Canceled); got != c.canceled {
			t.Errorf("%s: Is Canceled = %v", c.name, got)
		}
		if got := errors.Is(c.err, interrupted); got != c.interrupt {
			t.Errorf("%s: Is the cause = %v", c.name, got)
		}
	}
	if !errors.Is(byCause, custom) {
		t.Errorf("a deadline's own cause is not wrapped: %v", byCause)
	}
	if got, want := stopped.Error(), "lock l: interrupted after 1s (context canceled)"; got != want {
		t.Errorf("Canceled message %q, want %q", got, want)
	}
	if got, want := plain.Error(), "lock l: context canceled after 1s"; got != want {
		t.Errorf("Canceled message %q, want %q", got, want)
	}
	var te *TimeoutError
	if !errors.As(byCtx, &te) || !te.Timeout() || te.Waited != time.Second {
		t.Errorf("FromContext of a deadline: %#v", byCtx)
	}
}
