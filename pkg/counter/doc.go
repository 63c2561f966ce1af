// Package counter is the workbook's file counter: several processes read a
// number from a file, add one and write it back.
//
// Work is the workbook's own work function, racy on purpose: run it from two
// processes and updates get lost. WorkLocked, WorkLockedPerIncrement and
// WorkSafe are the fixes the workbook builds up to, all forms of Counter:
//
//	counter.Work(1000, "parallel.txt")                                    // races
//	counter.WorkLocked(1000, "parallel.txt", "/tmp/tmp_lock")             // lock per call
//	counter.WorkLockedPerIncrement(1000, "parallel.txt", "/tmp/tmp_lock") // lock per increment
//	counter.WorkSafe(1000, "parallel.txt", "/tmp/tmp_lock")               // ... and survives kill -9
//
// Locks come from package filelock, so every wait is bounded and a busy
// lock ends in an error naming its holder. Output goes to os.Stdout as it
// is at the moment of writing (a Jupyter kernel swaps it per cell).
package counter
