package main

import (
	"fmt"
	"runtime"

	"github.com/golocks/golocks/runtime/pool"
)

// How much work a run may ask for. Every run starts real processes and is
// bounded in time (pool.DefaultTimeout); asking for more than a machine
// can do in that time, or more processes than it can start, is bad input,
// refused in one line before anything starts, rather than a run that forks
// until the system refuses (and Go's runtime prints pages of traces when a
// process cannot get a thread) or counts until the timeout kills it.

// procsPerCPU is how many worker processes per CPU a run may start at once:
// the races show with 2 to 8, and past a few dozen per CPU the processes
// only wait for their turn on a CPU.
const procsPerCPU = 32

// maxCounts is how many counts (one worker process each) a run may have.
const maxCounts = 1024

// The fastest a counter can possibly be counted, per process: no machine
// reaches these rates, so a count above rate × the run's bound certainly
// cannot finish in time. A file increment makes at least four system calls
// (stat, open, read, write...), each well over 50 ns; a shared increment
// is at least one instruction.
const (
	fileIncrementsPerSecond   = 4e6
	sharedIncrementsPerSecond = 4e9
)

// runBound is how long a run may take: the pool's timeout.
const runBound = pool.DefaultTimeout

// checkProcs refuses more worker processes at once than the machine can
// run: procsPerCPU per CPU, and what the user's limits on processes
// (ulimit -u) and open files (ulimit -n) leave room for (processRoom). The
// message names the smaller cap and why.
func checkProcs(n int) error {
	if n < 1 {
		return usagef("--procs must be at least 1, not %d", n)
	}
	cpus := runtime.NumCPU()
	limit := procsPerCPU * cpus
	why := fmt.Sprintf("on this machine (%d per CPU, %d CPUs)", procsPerCPU, cpus)
	if room, reason, limited := processRoom(); limited && room < limit {
		limit, why = max(room, 0), "here: "+reason
	}
	if n > limit {
		return usagef("--procs %d: at most %d %s", n, limit, why)
	}
	return nil
}

// maxCount is the largest count one worker process could finish within
// the run's bound at rate increments per second.
func maxCount(rate float64) int64 {
	return int64(rate * runBound.Seconds())
}

// checkCount refuses a count one process cannot finish within the run's
// bound (which also keeps every sum of counts far from overflowing).
func checkCount(what string, n int, rate float64) error {
	if limit := maxCount(rate); int64(n) > limit {
		return usagef("%s %d: cannot finish within the run's %v bound (at most %d per process)", what, n, runBound, limit)
	}
	return nil
}

// checkTotal refuses counts that, added up, this machine's CPUs cannot
// finish within the run's bound. Each count is at most maxCount and there
// are at most maxCounts (or procs) of them: the sum cannot overflow.
func checkTotal(what string, counts []int, rate float64) error {
	var total int64
	for _, n := range counts {
		total += int64(n)
	}
	cpus := runtime.NumCPU()
	if limit := maxCount(rate) * int64(cpus); total > limit {
		return usagef("%s: %d increments in all cannot finish within the run's %v bound on %d CPUs (at most %d)", what, total, runBound, cpus, limit)
	}
	return nil
}
