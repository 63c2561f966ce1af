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
	"github.com/golocks/golocks/pkg/redislock"
	"github.com/golocks/golocks/runtime/pool"
)

// redisResult is result plus what the watch and fenced modes count.
type redisResult struct {
	result
	Retries  *int64 `json:"retries,omitempty"`
	Rejected *int64 `json:"rejected,omitempty"`
	// --join: the session's runs, and this run's part of expected.
	Runs    *int   `json:"runs,omitempty"`
	ThisRun *int64 `json:"this_run,omitempty"`
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
		if r.Runs != nil {
			line += fmt.Sprintf(" (%d runs; this run's part %d)", *r.Runs, *r.ThisRun)
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
	asJSON := fs.Bool("json", false, "print one JSON object {expected, got, lost, elapsed_s} (+ retries for watch, rejected for fenced, runs and this_run for --join)")
	reset := fs.Bool("reset", false, "only reset --key on --redis (the counter, its lock, tallies and --join session), for runs that --join it next")
	joinRuns := fs.Int("join", 0, "be one of `N` runs (machines, containers) counting on --key together: no reset (--reset it once first); start when all N have joined, print the total over all N when all have finished")
	wait := fs.Duration("wait", defaultJoinWait, "--join: how long to wait for the other runs, at the start and at the end")
	hold := fs.Duration("hold", 0, "lock and fenced: keep the lock this long between each read and write, saying so (pause the process then, e.g. podman pause, to stall it past --ttl)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if (*reset || set["join"]) && *url == "" {
		return usagef("--reset and --join need --redis URL: the server the runs share")
	}
	if *reset {
		for _, f := range []string{"join", "wait", "hold", "procs", "count", "mode", "ttl"} {
			if set[f] {
				return usagef("--reset with --%s: --reset only resets the key (reset once, then run with --join)", f)
			}
		}
	}
	if set["join"] && (*joinRuns < 1 || *joinRuns > maxJoinRuns) {
		return usagef("--join: %d is not a number of runs from 1 to %d", *joinRuns, maxJoinRuns)
	}
	if set["wait"] && !set["join"] {
		return usagef("--wait needs --join")
	}
	if *wait < time.Millisecond || *wait > maxJoinWait {
		return usagef("--wait: %v is not a duration from 1ms to %v", *wait, maxJoinWait)
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
	if *hold < 0 {
		return usagef("--hold: %v is negative", *hold)
	}
	if *hold > 0 && *mode != workbook.RedisLock && *mode != workbook.RedisFenced {
		return usagef("--hold: mode %s takes no lock (lock and fenced do)", *mode)
	}
	// The holds of every process of every run follow one another on the
	// one lock: they must leave the run's bound room for a pause.
	runs := max(*joinRuns, 1)
	if *hold > 0 && float64(*hold)*float64(count)*float64(*procs)*float64(runs) > float64(maxHolds) {
		return usagef("--hold %v × --count %d × --procs %d × %d run(s): the holds alone would outlast %v", *hold, count, *procs, runs, maxHolds)
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
	c := workbook.RedisCounter{URL: *url, Key: *key, Mode: *mode, TTL: *ttl, Hold: *hold}
	if *hold > 0 {
		// A lock wait outlasts a holder paused past its TTL and the holds
		// queued before this one.
		c.Timeout = redislock.DefaultTimeout + max(*ttl, redislock.DefaultTTL) + time.Duration(count**procs*runs)**hold
	}
	if *reset {
		if err := resetShared(c); err != nil {
			return err
		}
		if *asJSON {
			b, _ := json.Marshal(map[string]string{"reset": *key})
			fmt.Fprintf(stdout, "%s\n", b)
		} else {
			fmt.Fprintf(stdout, "reset %s\n", *key)
		}
		return nil
	}
	var res redisResult
	if set["join"] {
		j := &join{c: c, runs: *joinRuns, wait: *wait, log: stderr, url: *url}
		res, err = runJoined(ctx, j, counts, stderr)
	} else {
		res, err = runRedis(ctx, c, counts, stderr)
	}

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

// maxHolds bounds a run's holds (--hold) added up: half the pool's bound,
// the other half left for the pauses they are there to show.
const maxHolds = pool.DefaultTimeout / 2

// runRedis resets the counter, runs the workers and reads the totals. Any
// error means no result: a worker that failed, a server that went away.
func runRedis(ctx context.Context, c workbook.RedisCounter, counts []int, out io.Writer) (redisResult, error) {
	if err := c.Reset(); err != nil {
		return redisResult{}, err
	}
	expected, elapsed, err := countRedis(ctx, c, counts, out)
	if err != nil {
		return redisResult{}, err
	}
	tot, err := c.Read()
	if err != nil {
		return redisResult{}, err
	}
	return newRedisResult(c.Mode, expected, tot, elapsed), nil
}

// runJoined is runRedis for one run of a --join session: it joins, counts
// when every run has, and reads the totals when every run has finished.
func runJoined(ctx context.Context, j *join, counts []int, out io.Writer) (redisResult, error) {
	rdb, err := redisserver.Dial(j.c.URL)
	if err != nil {
		return redisResult{}, err
	}
	defer rdb.Close()
	j.rdb = rdb
	for _, n := range counts {
		j.mine += int64(n)
	}
	if err := j.enter(ctx); err != nil {
		return redisResult{}, err
	}
	_, elapsed, err := countRedis(ctx, j.c, counts, out)
	if err != nil {
		j.fail()
		return redisResult{}, err
	}
	tot, expected, err := j.finish(ctx)
	if err != nil {
		return redisResult{}, err
	}
	r := newRedisResult(j.c.Mode, expected, tot, elapsed)
	r.Runs, r.ThisRun = &j.runs, &j.mine
	return r, nil
}

func newRedisResult(mode string, expected int64, tot workbook.RedisTotals, elapsed time.Duration) redisResult {
	r := redisResult{result: newResult(expected, tot.Count, elapsed)}
	switch mode {
	case workbook.RedisWatch:
		r.Retries = &tot.Retries
	case workbook.RedisFenced:
		r.Rejected = &tot.Rejected
	}
	return r
}

// countRedis runs the workers on c, one per count, and returns how many
// increments they made and how long they took.
func countRedis(ctx context.Context, c workbook.RedisCounter, counts []int, out io.Writer) (int64, time.Duration, error) {
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
	return expected, time.Since(start), err
}
