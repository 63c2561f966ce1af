package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/pkg/redislock"
)

// The Redis section of the bench: the counter in one Redis
// server, `golocks redis` against the same loops in Python's redis client
// (bench/redis_bench.py, Debian's python3-redis), run alternately, and the
// cost of one uncontended lock acquire + release in each.

// redisProcs are the process counts of the throughput rows.
var redisProcs = []int{1, 4, 8}

// redisReport is everything the Redis section measured.
type redisReport struct {
	Server string // redis-server's version and where it listens
	Warmup int
	Rows   []redisRow
	Errors []string
}

// A redisRow is one mode and process count (or the lock's cost, mode
// "lockcost", one process), every run in order, the warm-up first.
type redisRow struct {
	Mode    string
	Procs   int
	Count   int // per process
	Golocks []result
	Python  []result
}

var redisModeNames = map[string]string{
	workbook.RedisIncr: "INCR",
	workbook.RedisLock: "GET + SET under the Redis lock",
	"lockcost":         "one lock acquire + release (uncontended)",
}

// measureRedis runs the section on a private server, or on o.RedisURL.
func measureRedis(o options, progress io.Writer) redisReport {
	rr := redisReport{Warmup: o.Warmup}
	url := o.RedisURL
	if url == "" {
		srv, err := redisserver.Start()
		if err != nil {
			rr.Errors = append(rr.Errors, err.Error())
			return rr
		}
		defer srv.Stop()
		url = srv.URL()
	}
	rr.Server = serverVersion() + " at " + redisserver.Redact(url)
	script := filepath.Join(filepath.Dir(o.Reference), "redis_bench.py")
	fmt.Fprintf(progress, "bench: Redis counter on %s\n", rr.Server)

	var rows []redisRow
	for _, mode := range []string{workbook.RedisIncr, workbook.RedisLock} {
		count := o.RedisCount
		if mode == "lock" {
			count = max(o.RedisCount/4, 1) // four round trips per increment, not one
		}
		for _, procs := range redisProcs {
			rows = append(rows, redisRow{Mode: mode, Procs: procs, Count: count})
		}
	}
	rows = append(rows, redisRow{Mode: "lockcost", Procs: 1, Count: o.RedisCount})

	for _, row := range rows {
		name := fmt.Sprintf("%s, %d proc", redisModeNames[row.Mode], row.Procs)
		if !o.wanted("redis", name) {
			continue
		}
		for i := range o.Warmup + o.Pairs {
			fmt.Fprintf(progress, "  %-72s run %d/%d\r", name, i+1, o.Warmup+o.Pairs)
			g, err := runGolocksRedis(o.tools, url, row)
			if err != nil {
				rr.Errors = append(rr.Errors, fmt.Sprintf("%s: golocks: %v", name, err))
				break
			}
			row.Golocks = append(row.Golocks, g)
			p, err := o.tools.run(os.TempDir(), o.Python, script, url, row.Mode, strconv.Itoa(row.Procs), strconv.Itoa(row.Count), "golocks:bench:py")
			if err != nil {
				rr.Errors = append(rr.Errors, fmt.Sprintf("%s: Python: %v", name, err))
				break
			}
			row.Python = append(row.Python, p)
		}
		fmt.Fprintf(progress, "  %-72s golocks %s, Python %s\n", name,
			formatRedis(row.Mode, medianPerIncrement(row.Golocks, o.Warmup)),
			formatRedis(row.Mode, medianPerIncrement(row.Python, o.Warmup)))
		rr.Rows = append(rr.Rows, row)
	}
	return rr
}

// runGolocksRedis runs one golocks side of row: the golocks binary for the
// counter, this process for the lock's cost.
func runGolocksRedis(t tools, url string, row redisRow) (result, error) {
	if row.Mode != "lockcost" {
		return t.run(os.TempDir(), t.Golocks, "redis", "--redis", url, "--mode", row.Mode,
			"--procs", strconv.Itoa(row.Procs), "--count", strconv.Itoa(row.Count), "--key", "golocks:bench:go", "--json")
	}
	rdb, err := redisserver.Dial(url)
	if err != nil {
		return result{}, err
	}
	defer rdb.Close()
	l := redislock.New(rdb, "golocks:bench:go:lock")
	// The scripts loaded, the connection made: as in the Python loop.
	if err := l.Lock(); err != nil {
		return result{}, err
	}
	if err := l.Unlock(); err != nil {
		return result{}, err
	}
	start := time.Now()
	for range row.Count {
		if err := l.Lock(); err != nil {
			return result{}, err
		}
		if err := l.Unlock(); err != nil {
			return result{}, err
		}
	}
	return newResult(int64(row.Count), int64(row.Count), time.Since(start)), nil
}

// failures: a run that failed, or an increment lost (INCR and the lock
// are both exact).
func (rr redisReport) failures() []string {
	f := append([]string(nil), rr.Errors...)
	for _, row := range rr.Rows {
		for tool, rs := range map[string][]result{"golocks": row.Golocks, "Python": row.Python} {
			for i, r := range rs {
				if r.Lost != 0 {
					f = append(f, fmt.Sprintf("redis: %s, %d procs: %s run %d lost %d of %d", row.Mode, row.Procs, tool, i+1, r.Lost, r.Expected))
				}
			}
		}
	}
	return f
}

// formatRedis prints a median time per operation as a rate and a time:
// "45.1k/s (22.2 µs)"; the lock's cost as a time only.
func formatRedis(mode string, perOp float64) string {
	if math.IsNaN(perOp) || perOp <= 0 {
		return "—"
	}
	if mode == "lockcost" {
		return formatSeconds(perOp)
	}
	return fmt.Sprintf("%s/s (%s)", compact(int64(1/perOp)), formatSeconds(perOp))
}

func writeRedis(w io.Writer, rr redisReport, pairs int) {
	fmt.Fprintf(w, "\n## The counter in Redis: golocks vs Python's redis client (median of %d runs after %d warm-up)\n\n", pairs, rr.Warmup)
	if rr.Server != "" {
		fmt.Fprintf(w, "One %s for every run.\n\n", rr.Server)
	}
	var rows [][]string
	for _, r := range rr.Rows {
		g, p := medianPerIncrement(r.Golocks, rr.Warmup), medianPerIncrement(r.Python, rr.Warmup)
		rows = append(rows, []string{redisModeNames[r.Mode], strconv.Itoa(r.Procs), strconv.Itoa(r.Count),
			formatRedis(r.Mode, g), formatRedis(r.Mode, p), formatRatio(p / g),
			formatLost(append(lostOf(r.Golocks), lostOf(r.Python)...))})
	}
	if len(rows) > 0 {
		writeTable(w, []string{"what", "procs", "ops per proc", "golocks", "Python", "Python ÷ golocks", "lost"}, rows)
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Counter rows: all increments ÷ elapsed_s (worker start to finish, as each tool reports it); golocks execs its workers, Python forks them.")
		fmt.Fprintln(w, "The lock's cost is timed in one process around the loop alone, after one warm-up pair: two round trips (acquire script, release script).")
		fmt.Fprintln(w, "Python ÷ golocks > 1: golocks is faster. lost: every run's lost updates (golocks' runs, then Python's); both modes must be exact.")
	}
	for _, e := range rr.Errors {
		fmt.Fprintln(w, "\nERROR: "+e)
	}
}

// serverVersion is `redis-server --version`'s "v=7.0.15", or "redis-server".
func serverVersion() string {
	out, err := exec.Command("redis-server", "--version").Output()
	if err == nil {
		for _, f := range strings.Fields(string(out)) {
			if strings.HasPrefix(f, "v=") {
				return "redis-server " + strings.TrimPrefix(f, "v=")
			}
		}
	}
	return "redis-server"
}
