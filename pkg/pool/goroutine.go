package pool

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// MapFunc is Map with goroutines instead of processes: it calls f(n) once
// per count, at most p.Procs at a time, and waits for all, at most the
// pool's timeout. f can be any Go function, a notebook cell's included. A
// panic in f is recovered and returned as that task's error, never allowed
// to crash the program (in a notebook, a goroutine's panic would kill the
// kernel). A call still running at the timeout is reported and left behind:
// a goroutine cannot be killed, so make f return.
func (p *Pool) MapFunc(f func(n int) error, counts []int) error {
	_, err := p.RunFuncContext(context.Background(), f, counts)
	return err
}

// RunFuncContext is MapFunc with a context and the per-call results.
func (p *Pool) RunFuncContext(ctx context.Context, f func(n int) error, counts []int) ([]Result, error) {
	if err := p.check(len(counts)); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("pool: nil function")
	}
	ctx, cancel, timeout := p.context(ctx)
	defer cancel()

	// mu guards results and finished: a call still running at the timeout
	// may finish after we have returned.
	var mu sync.Mutex
	results := make([]Result, len(counts))
	finished := make([]bool, len(counts))
	for i, n := range counts {
		results[i] = Result{Task: Task{Name: "func", Args: []string{strconv.Itoa(n)}}}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		forEach(len(counts), p.Procs, func(i int) {
			if ctx.Err() != nil {
				return // timed out before it started; reported below
			}
			r := callFunc(f, counts[i])
			mu.Lock()
			results[i].Elapsed = r.Elapsed
			if r.Err != nil {
				results[i].Err = &TaskError{Task: results[i].Task, Err: r.Err}
			}
			finished[i] = true
			mu.Unlock()
		})
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}

	mu.Lock()
	defer mu.Unlock()
	out := make([]Result, len(results))
	copy(out, results)
	for i := range out {
		if finished[i] {
			continue
		}
		out[i].Err = &TaskError{Task: out[i].Task, Err: fmt.Errorf("still running after the pool's %v timeout (%w)", timeout, ctx.Err())}
	}
	return out, joinErrors(out)
}

// callFunc calls f(n), turning a panic into an error.
func callFunc(f func(int) error, n int) (r Result) {
	start := time.Now()
	defer func() {
		r.Elapsed = time.Since(start)
		if v := recover(); v != nil {
			r.Err = fmt.Errorf("panic: %v", v)
		}
	}()
	r.Err = f(n)
	return r
}
