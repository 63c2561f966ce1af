// Package pool calls a function in several real OS processes, or goroutines,
// the way Python's multiprocessing.Pool does, and waits for all of it.
//
// The workbook's second exercise is
//
//	with multiprocessing.Pool(processes=2) as p:
//	    p.map(functools.partial(work, filename="parallel.txt"), [1000, 2000])
//
// and in Go
//
//	err := pool.New(2).Map(work, []int{1000, 2000}, "parallel.txt")
//
// calls work(1000, "parallel.txt") in one process and work(2000,
// "parallel.txt") in another. Go cannot fork a running program into a copy
// of itself, so each call gets a fresh worker process, which finds the
// function by name, rebuilds the arguments (sent as JSON) and calls it:
//
//   - work declared in a notebook cell: the worker is the kernel's own
//     binary, which interprets the notebook's declarations first (package
//     cell tells the pool which function work is), so the student's own
//     code runs in the racing processes;
//   - a compiled function such as workbook.Work: the worker is a binary that
//     has it compiled in, golocks (Pool.Worker), which serves it by its
//     qualified name (FuncName, FindIn).
//
// A worker's main calls Serve, the whole worker side of the protocol
// (protocol.go says it all). All calls of a run start at the same moment,
// after every worker is ready: two workers really race from their first
// step (see Run). A call's output streams into the caller's os.Stdout and
// os.Stderr line by line, as it is written, so the messages of two workers
// interleave as they do in the seed notebook; a line repeated back to back
// is shown twice, then tallied ("[the line above, 217 more times]"), so
// that hundreds of identical messages read as a count, not a wall of text;
// an error or a panic comes back
// by task. Every wait is bounded: a run still going at the pool's timeout,
// or whose notebook cell is interrupted (cell.Context), kills its workers.
// On Linux the workers also die with the process that started them, however
// it dies.
//
// Start is the gated form, for the stepper (course/stepper): one worker
// per task, each held at every system call on the watched files until the
// caller lets it go (package gate), the run going on across calls until it
// ends or is killed. StartRepeatable is Start whose workers stay when their
// calls have ended, for GatedRun.Again to make the same calls again in the
// same processes, as fresh workers would (protocol.go says what a worker
// does between calls, and what it and the pool check first): the stepper's
// Every runs hundreds of schedules so, without a process start each.
//
// MapFunc is the same shape with goroutines in this process, for any Go
// function, a closure or a notebook cell's included.
package pool
