package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/course/workbook"
)

// Several runs of `golocks redis`, on one machine or several (containers on
// one network, a class's laptops), can count on one counter together:
//
//	golocks redis --redis URL --key class --reset               once
//	golocks redis --redis URL --key class --join 2 --mode racy  on each machine
//
// --join N: the run does not reset the counter; it joins the key's session
// and waits until N runs have joined (the start barrier), so that all
// count at the same time; counts; then waits until all N have finished
// (the end barrier) and prints the total over all N runs: expected is the
// sum of every run's increments, got the counter. Every run prints the
// same total; this_run is its own part. Both waits are bounded (--wait).
//
// The session is kept beside the counter (joinKeys): how many runs joined,
// their increments, how many finished or failed, and what they count with
// (mode and number of runs), which every run that joins must share.
// --reset deletes it with the counter.

// joinKeys are the session's keys, named after the counter's key.
func joinKeys(key string) []string {
	return []string{key + ":join", key + ":join:expected", key + ":join:done", key + ":join:failed", key + ":join:as"}
}

const (
	defaultJoinWait = 2 * time.Minute
	maxJoinWait     = time.Hour
	maxJoinRuns     = 100
	// joinPoll is how often a waiting run looks at the session.
	joinPoll = 20 * time.Millisecond
)

// joinEnter adds a run of ARGV[3] increments to the session, unless:
// -3: the counter holds a count no run of the session made (no reset);
// -2: the session has all its runs already (a finished session: reset);
// -1: the session counts with something else (ARGV[1]), returned.
// Else it returns this run's number, 1 to N.
var joinEnter = redis.NewScript(`
local joined = tonumber(redis.call('GET', KEYS[1]) or '0')
if joined == 0 and redis.call('EXISTS', KEYS[4]) == 1 then return {-3, ''} end
if joined >= tonumber(ARGV[2]) then return {-2, tostring(joined)} end
local as = redis.call('GET', KEYS[3])
if as and as ~= ARGV[1] then return {-1, as} end
redis.call('SET', KEYS[3], ARGV[1])
redis.call('INCRBY', KEYS[2], ARGV[3])
return {redis.call('INCR', KEYS[1]), ''}
`)

// joinLeave takes a run of ARGV[2] increments out of a session that has
// not started (fewer than ARGV[1] joined): 1 if it did, else 0 (the others
// may be counting already).
var joinLeave = redis.NewScript(`
local joined = tonumber(redis.call('GET', KEYS[1]) or '0')
if joined == 0 or joined >= tonumber(ARGV[1]) then return 0 end
redis.call('DECR', KEYS[1])
redis.call('DECRBY', KEYS[2], ARGV[2])
if joined == 1 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return 1
`)

// A join is one run's part in a session of runs counting on one key.
type join struct {
	rdb  *redis.Client
	c    workbook.RedisCounter
	runs int           // N, the session's runs
	wait time.Duration // bound of each barrier's wait
	mine int64         // this run's increments
	log  io.Writer     // where the waits are said
	url  string        // the server as given, for the reset advice (redacted)
}

func (j *join) keys() []string { return joinKeys(j.c.Key) }

// as is what every run of the session must agree on.
func (j *join) as() string { return fmt.Sprintf("mode %s, %d runs", j.c.Mode, j.runs) }

func (j *join) resetAdvice() string {
	return fmt.Sprintf("reset it first: golocks redis --redis %s --key %s --reset", redisserver.Redact(j.url), j.c.Key)
}

// enter joins the session and waits, at most j.wait, until all its runs
// have. An error before the start leaves the session as it was.
func (j *join) enter(ctx context.Context) error {
	k := j.keys()
	res, err := joinEnter.Run(ctx, j.rdb, []string{k[0], k[1], k[4], j.c.Key}, j.as(), j.runs, j.mine).Slice()
	if err != nil {
		return fmt.Errorf("join %s: %w", j.c.Key, err)
	}
	n, _ := res[0].(int64)
	said, _ := res[1].(string)
	switch n {
	case -3:
		return usagef("--join: %s already holds a count that no run of this session made: %s", j.c.Key, j.resetAdvice())
	case -2:
		return usagef("--join: %s of %d runs have joined %s already: %s", said, j.runs, j.c.Key, j.resetAdvice())
	case -1:
		return usagef("--join: %s is counted with %s, this run asks %s", j.c.Key, said, j.as())
	}
	if int(n) < j.runs {
		fmt.Fprintf(j.log, "golocks redis: run %d of %d on %s: waiting for %d more to join (at most %v)\n", n, j.runs, j.c.Key, j.runs-int(n), j.wait)
	}
	err = j.waitFor(ctx, k[0], "to join")
	if err != nil {
		// Out of the session unless the others have started counting.
		left, lerr := joinLeave.Run(context.Background(), j.rdb, []string{k[0], k[1], k[4]}, j.runs, j.mine).Int()
		if lerr != nil || left == 0 {
			j.fail()
		}
	}
	return err
}

// finish says this run is done and waits, at most j.wait, until every run
// of the session is; then it returns the totals: the counter and the sum
// of every run's increments.
func (j *join) finish(ctx context.Context) (workbook.RedisTotals, int64, error) {
	k := j.keys()
	done, err := j.rdb.Incr(ctx, k[2]).Result()
	if err != nil {
		j.fail()
		return workbook.RedisTotals{}, 0, fmt.Errorf("join %s: %w", j.c.Key, err)
	}
	if int(done) < j.runs {
		fmt.Fprintf(j.log, "golocks redis: this run's %d increments are done; waiting for %d more run(s) to finish (at most %v)\n", j.mine, j.runs-int(done), j.wait)
	}
	if err := j.waitFor(ctx, k[2], "to finish"); err != nil {
		return workbook.RedisTotals{}, 0, err
	}
	tot, err := j.c.Read()
	if err != nil {
		return tot, 0, err
	}
	expected, err := j.rdb.Get(ctx, k[1]).Int64()
	if err != nil {
		return tot, 0, fmt.Errorf("join %s: the runs' increments: %w", j.c.Key, err)
	}
	return tot, expected, nil
}

// fail tells the session's other runs that this one will not finish, so
// that they stop waiting for it.
func (j *join) fail() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	j.rdb.Incr(ctx, j.keys()[3])
}

// waitFor waits until key counts all the session's runs, at most j.wait;
// a run that failed, or a signal, ends the wait early.
func (j *join) waitFor(ctx context.Context, key, what string) error {
	deadline := time.Now().Add(j.wait)
	tick := time.NewTicker(joinPoll)
	defer tick.Stop()
	for {
		var n, failed int64
		vals, err := j.rdb.MGet(ctx, key, j.keys()[3]).Result()
		if err == nil {
			n, failed = atoi(vals[0]), atoi(vals[1])
		}
		switch {
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case err != nil:
			return fmt.Errorf("join %s: %w", j.c.Key, err)
		case failed > 0:
			return fmt.Errorf("join %s: %d run(s) of the session failed: no total (%s)", j.c.Key, failed, j.resetAdvice())
		case int(n) >= j.runs:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("join %s: %d of %d runs %s within %v: no total", j.c.Key, n, j.runs, pastTense(what), j.wait)
		}
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
	}
}

func pastTense(what string) string {
	switch what {
	case "to join":
		return "joined"
	case "to finish":
		return "finished"
	}
	return what
}

// atoi reads an MGET value: a missing key is 0.
func atoi(v any) int64 {
	s, _ := v.(string)
	var n int64
	fmt.Sscan(s, &n)
	return n
}

// resetShared deletes the counter, everything kept beside it and its
// session, on the server c.URL.
func resetShared(c workbook.RedisCounter) error {
	if err := c.Reset(); err != nil {
		return err
	}
	rdb, err := redisserver.Dial(c.URL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := rdb.Del(context.Background(), joinKeys(c.Key)...).Err(); err != nil {
		return fmt.Errorf("reset %s: %w", c.Key, err)
	}
	return nil
}
