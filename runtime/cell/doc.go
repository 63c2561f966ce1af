// Package cell connects the golocks library to the notebook kernel that runs
// it, if there is one. Two things cross that line:
//
//   - The running cell's context. The kernel cancels it when the student
//     presses interrupt (with cause ErrInterrupted), and every wait in
//     golocks also ends when it is done: a lock, a pool of worker processes
//     (which are killed), a Redis round trip. So an interrupted cell stops
//     even while it is inside compiled library code, which the interpreter
//     itself cannot stop.
//   - The notebook's own functions. A process pool given a func value asks
//     which top-level notebook function it is and which declarations define
//     it, so that a worker process can interpret them and call it: the
//     student's own code runs in the racing processes.
//
// # How an interrupt reaches a wait
//
// One mechanism, the same in every package: the kernel installs itself
// (Install) as the Host, and gives each cell a context that it cancels on
// interrupt. A library call that waits reads Context once, when its wait
// starts, and selects on its Done beside its other ends; it never reads it
// again. So every wait in golocks ends at the first of:
//
//   - its own bound (a Lock's timeout, LockTimeout's d): every wait has one;
//   - the caller's context, where the call takes one (LockContext, the
//     pool's RunContext, a Redis command's ctx);
//   - the running cell's interrupt, through Context, with an error that
//     wraps ErrInterrupted;
//   - the lock or pool being closed.
//
// The waits that read Context are: pkg/filelock's and pkg/shared's lock
// waits, pkg/redislock's, course/redisserver's Dial and Start,
// course/workbook's Redis counters (a run reads it once, at its start, and
// passes it down), course/grade's lock probes (each poll interval is a
// wait), course/stepper's steps and runtime/pool's runs (whose worker
// processes are killed). This is the one place that says how; the waits'
// own comments refer here. A function that is given a context passes that
// one down rather than reading Context again. Code that wants a wait to end otherwise passes its own context;
// code that must not be interrupted has no way to opt out, on purpose: an
// interrupt must stop a cell.
//
// Outside a kernel (a test, the golocks command, any Go program) nothing is
// installed: Context returns a context that is never done, and Lookup finds
// no notebook functions. Library code calls Context and Lookup; only the
// kernel calls Install.
package cell
