package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/pool"
)

// redisResult is result plus what the watch and fenced modes count.
type redisResult struct {
	result
	Retries  *int64 `json:"retries,omitempty"`
	Rejected *int64 `json:"rejected,omitempty"`
}

func (r redisResult) Print(w io.Writer, asJSON bool) {
	if !asJSON {
		line := fmt.Sprintf("expected %d got %d lost %d in %.3fs", r.Expected, r.Got, r.Lost, r.Elapsed)
		if r.Retries != nil {
			line += fmt.Sprintf(" retries %d", *r.Retries)
		}
		if r.Rejected != nil {
			line += fmt.Sprintf(" rejected %d", *r.Rejected)
		}
		fmt.Fprintln(w, line)
		return
	}
	b, _ := json.Marshal(r) // numbers only: cannot fail
	fmt.Fprintf(w, "%s\n", b)
}

// redisCmd runs the workbook's Redis counter: procs worker processes each
// add 1 count times to one counter in a Redis server, in one of the modes.
func redisCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("redis", flag.ContinueOnError)
	procs := fs.Int("procs", 4, "how many worker processes")
	countFlag := fs.String("count", "10000", "increments per process")
	mode := fs.String("mode", workbook.RedisRacy, strings.Join(workbook.RedisModes(), ", "))
	url := fs.String("redis", "", "the server's `URL`, redis://[:password@]host:port or unix://[:password@]/path (default: a private redis-server, stopped at the end)")
	key := fs.String("key", workbook.RedisKey("counter"), "the counter's key (reset first; the lock and tallies are named after it; the default is yours alone on a shared server)")
	ttl := fs.Duration("ttl", 0, "lock and fenced: each lock hold's time to live (default 10s)")
	asJSON := fs.Bool("json", false, "print one JSON object {expected, got, lost, elapsed_s} (+ retries for watch, rejected for fenced)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := checkProcs(*procs); err != nil {
		return err
	}
	count, err := positive("--count", *countFlag)
	if err != nil {
		return err
	}
	if err := checkCount("--count", count, redisIncrementsPerSecond); err != nil {
		return err
	}
	counts := make([]int, *procs)
	for i := range counts {
		counts[i] = count
	}
	if err := checkTotal("--procs × --count", counts, redisIncrementsPerSecond); err != nil {
		return err
	}
	if err := oneOf("--mode", *mode, workbook.RedisModes()...); err != nil {
		return err
	}
	if *ttl < 0 || (*ttl > 0 && *ttl < time.Millisecond) {
		return usagef("--ttl: %v is not a duration of at least 1ms", *ttl)
	}
	if strings.TrimSpace(*key) == "" {
		return usagef("--key: empty")
	}

	ctx, stop := onSignal()
	defer stop()
	var srv *redisserver.Server
	if *url == "" {
		if srv, err = redisserver.Start(); err != nil {
			return err
		}
		defer srv.Stop()
		*url = srv.URL()
	} else {
		// A server that is not there, or refuses the password, is bad
		// input like an unwritable lock file: found before anything runs.
		rdb, err := redisserver.Dial(*url)
		if err != nil {
			return usagef("--redis: %v", err)
		}
		rdb.Close()
	}
	c := workbook.RedisCounter{URL: *url, Key: *key, Mode: *mode, TTL: *ttl}
	res, err := runRedis(ctx, c, counts, stderr)

	var se *signalError
	if ctx.Err() != nil && errors.As(context.Cause(ctx), &se) {
		se.done = "the workers were stopped"
		if srv != nil {
			if serr := srv.Stop(); serr == nil {
				se.done += ", the private redis-server too"
			}
		}
		se.done += "; no result"
		return se
	}
	if err != nil {
		return err
	}
	res.Print(stdout, *asJSON)
	return nil
}

// redisIncrementsPerSecond is faster than any process can count in Redis:
// every increment is at least one round trip to the server, well over a
// microsecond even on a Unix socket (see limits.go).
const redisIncrementsPerSecond = 1e6

// runRedis resets the counter, runs the workers and reads the totals. Any
// error means no result: a worker that failed, a server that went away.
func runRedis(ctx context.Context, c workbook.RedisCounter, counts []int, out io.Writer) (redisResult, error) {
	if err := c.Reset(); err != nil {
		return redisResult{}, err
	}
	p := pool.New(len(counts))
	p.Stdout, p.Stderr = out, out
	// The counter, its server's URL and password included, travels to
	// each worker on the pool's own channel: never on a command line,
	// which every user of the machine can read.
	tasks := make([]pool.Task, len(counts))
	expected := int64(0)
	for i, n := range counts {
		tasks[i] = pool.Task{Func: workbook.RunRedisCounter, Args: []any{n, c}}
		expected += int64(n)
	}
	start := time.Now()
	_, err := p.RunContext(ctx, tasks...)
	elapsed := time.Since(start)
	if err != nil {
		return redisResult{}, err
	}
	tot, err := c.Read()
	if err != nil {
		return redisResult{}, err
	}
	r := redisResult{result: newResult(expected, tot.Count, elapsed)}
	switch c.Mode {
	case workbook.RedisWatch:
		r.Retries = &tot.Retries
	case workbook.RedisFenced:
		r.Rejected = &tot.Rejected
	}
	return r, nil
}
