package pool

import (
	"context"
	"fmt"
	"time"

	"github.com/golocks/golocks/runtime/cell"
)

// context returns ctx also ended by the running notebook cell's interrupt
// (cell.Context, with its cause, cell.ErrInterrupted) and by the pool's
// timeout (cause a *timeoutError). Outside a kernel cell.Context is never
// done and costs nothing.
func (s settings) context(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	cellCtx := cell.Context()
	stop := context.AfterFunc(cellCtx, func() { cancel(context.Cause(cellCtx)) })
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, s.timeout, &timeoutError{s.timeout})
	return ctx, func() {
		cancelTimeout()
		stop()
		cancel(nil)
	}
}

// A timeoutError is why a run that outlived its pool's timeout ended. It
// matches context.DeadlineExceeded, as any expired deadline does.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string { return fmt.Sprintf("the pool's %v timeout expired", e.d) }

func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
