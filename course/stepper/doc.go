// Package stepper runs the student's own work function in real processes,
// one file operation at a time, in the order a schedule names: "A read,
// B read, A write, B write". It replays a schedule (Replay), steps
// processes across notebook cells (New, Stepper.Step), and runs every
// distinct schedule of a small count (Every), and records each run as a
// Trace that course/chart draws.
//
// # How a schedule is enforced
//
// Each process is a pool worker (runtime/pool.Start): the kernel's binary
// for a notebook function, golocks for a compiled one. Before it calls
// work it installs a gate on itself (runtime/gate: a seccomp filter whose
// notifications its supervisor, this package, answers), so every system
// call it makes on the counter file or the lock file waits until the
// stepper lets it go. Nothing else waits: other files, the pool's pipes,
// the process's output pass straight through. The processes run freely up
// to their first operation on those files, and stay held there; a step lets
// exactly one process go on through one operation, until it is held at the
// first call of its next operation (or has ended), and only then does the
// next step start. So a schedule runs the same way every time.
//
// Replay and New start fresh processes. Every makes each next run in the
// processes of a run that has ended (pool.StartRepeatable and
// GatedRun.Again): each calls work again from its start, its gate still
// installed, as a fresh process would, with the function found anew (the
// kernel's worker interprets a notebook's declarations again, in a new
// interpreter, when they declare a package-level variable, so that it
// starts as declared; a function among declarations of functions, types
// and constants alone it keeps), and is held at its first call on the
// files; begin then removes the counter and creates the lock file, as for
// a fresh run. Processes are not made again, and fresh ones start instead
// (Summary.Fresh says why), when a call left something behind that the
// next could meet: a goroutine still running, the counter or the lock file
// still open (a lock still held through it). What a call changes in its
// own process that neither check sees (its working directory, its
// environment variables) is not undone: the workbook's work changes none
// of it; a work that did, and so took other steps, would stop Every with
// "did not replay the same way", but one that only wrote other numbers
// would not be caught.
//
// # What a step is
//
// A step is one operation of the seed's code as a student reads it (the Op
// constants), made of the system calls the gate holds, grouped:
//
//   - read: a stat of the counter (os.Stat), an open for reading, and the
//     reads of its contents, up to the end;
//   - truncate: an open that empties it (os.Create, os.WriteFile: O_TRUNC),
//     or ftruncate;
//   - write: the writes of the new number;
//   - lock, unlock: one flock of the lock file (LOCK_EX, LOCK_UN), or the
//     close of the descriptor that holds the lock.
//
// A process's consecutive calls of one kind are one step; calls that belong
// to whatever it is doing (an lstat of the counter, an fstat, a close, an
// open for writing without truncating, the open of the lock file) never
// start a step. The value of a read is what the counter held when it read
// (0, with Reset saying why, when it found no number); the file after each
// step is read by the stepper. A lock step while another process holds the
// lock is not made: that process waits (Step says who holds the lock), and
// becomes able to step when the holder unlocks or ends; when every process
// that has not ended waits, that is a deadlock, reported as one. Every run
// removes the counter first (it counts from no file) and creates the lock
// file if missing; no other file is touched.
//
// # What "distinct" means for Every
//
// Two schedules are the same when one becomes the other by swapping
// neighbouring steps of different processes that commute: two reads of
// the counter, or a step on the counter and one on the lock file. Any
// other two steps on one file (a read and a write, two writes, a truncate
// and a read, two locks) do not commute, and steps of one process never
// do. Every runs one schedule per class (each class's least in the
// lexicographic order of processes, Anisimov and Knuth's normal form), each
// from the start, on a counter that does not exist. By hand for two processes counting
// once: each reads (R), truncates (T) and writes (W); there are 20 orders
// of RA TA WA with RB TB WB, of which the 12 that start with both reads
// pair up (RA RB ... = RB RA ...): 14 schedules. Both reading first (6) end
// at 1; of the 4 where A reads first and B later, one lets A finish before
// B reads (2) and three have B read the file A emptied (1); the same with B
// first: 12 schedules end at 1, 2 at 2.
//
// Stepping needs Linux 5.6 or later; elsewhere every run is an error.
package stepper
