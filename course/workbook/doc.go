// Package workbook holds the Locks! workbook's experiments: the code that
// races and the fixes the workbook builds up to, as the notebooks, the
// golocks command and the benchmarks run them. The lock packages it uses
// (filelock, shared) are plain primitives; everything specific to the
// workbook lives here.
//
// The file counter (Parts 1 and 2). Work is the workbook's own work
// function, racy on purpose: run it from two processes and updates get
// lost. WorkLocked, WorkLockedPerIncrement and WorkSafe are the fixes, all
// forms of Counter:
//
//	workbook.Work(1000, "parallel.txt")                                    // races
//	workbook.WorkLocked(1000, "parallel.txt", "counter.lock")              // lock per call
//	workbook.WorkLockedPerIncrement(1000, "parallel.txt", "counter.lock")  // lock per increment
//	workbook.WorkSafe(1000, "parallel.txt", "counter.lock")                // ... and survives kill -9
//
// ReadCount reads the result; a Counter with Trace set records who held the
// lock when, for ReadTrace and the timelines of package chart; one with
// Steps set records each read and write of the counter file, for ReadSteps,
// which marks the writes that were overwritten and the reads that reset
// the count (the lost update made visible, chart.Steps draws it). Around
// puts the lock around the whole call, each increment, or, to show why
// they fail, around the write alone or the read and the write apart.
// RunCounter is Counter.Run in the shape a pool calls:
//
//	pool.New(2).Map(workbook.Work, []int{1000, 2000}, "parallel.txt")
//	pool.New(2).Map(workbook.RunCounter, []int{1000, 2000}, workbook.Counter{File: "parallel.txt", Steps: "parallel.steps"})
//
// The shared value (Part 3). IncrementShared is one worker process's loop
// on a value in shared memory (racy, locked, rawlock, atomic); Goroutines is
// the same experiment with goroutines of one process.
//
// Funcs lists the functions a pool may run in a golocks worker process.
//
// Beyond one machine (Part 4). RedisCounter is the same counter in a Redis
// server, in the modes racy (GET then SET), incr, watch (optimistic
// WATCH/MULTI/EXEC, retries counted), lock and fenced (package redislock);
// RedisWork and RunRedisCounter are one worker process's loop. PausedHolder
// stages Kleppmann's failure: a lock holder that pauses past its lock's
// expiry, then writes, with and without fencing tokens.
//
// Locks come from packages filelock, shared and redislock, so every wait is bounded
// and a busy lock ends in an error naming its holder. Output goes to
// os.Stdout as it is at the moment of writing (a Jupyter kernel swaps it
// per cell).
package workbook
