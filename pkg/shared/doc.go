// Package shared holds integers that several OS processes update at the
// same time: Go's answer to Python's multiprocessing.Value, RawValue
// and Lock.
//
// Processes share no memory, so a value shared by processes lives in a small
// file that each process maps into its memory with mmap(MAP_SHARED): every
// process that opens the same path sees the same 8 bytes. (Goroutines of one
// process already share memory: use sync.Mutex and sync/atomic there.)
//
//   - [Value] is multiprocessing.Value('q', 0): an int64 plus its own
//     cross-process lock (Value.Lock is value.get_lock()).
//   - [RawValue] is multiprocessing.RawValue('q', 0): an int64, no lock.
//   - [Mutex] is multiprocessing.Lock(): a cross-process lock on its own.
//
// The workbook's experiments on them live in package workbook.
//
// # The cross-process lock
//
// The lock is a futex-based mutex on a 64-bit word in the mapped file. The
// word is 0 when the lock is free; otherwise it holds the holder's process
// id and start time, and a "waiters" bit. Taking a free lock is one
// compare-and-swap, releasing it one more, with no system call; a process that
// finds the lock taken spins briefly, then sleeps in the kernel
// (futex(FUTEX_WAIT)) until the holder's Unlock wakes it. It sleeps in slices
// of at most 20 ms so that it regularly checks whether the holder is still
// alive: if the holder process has died (killed, crashed, or exited without
// Unlock), the waiter takes the lock over. Python's multiprocessing.Lock, a
// POSIX semaphore, stays taken forever when its holder dies; flock(2) is
// released by the kernel but costs a system call per lock and unlock.
//
// Every wait is bounded: Lock waits at most the value's Timeout
// ([DefaultTimeout] until SetTimeout changes it), LockTimeout and
// LockContext take their own bound (a context without a deadline is still
// held to Timeout), and an expired wait returns a [*TimeoutError]
// (errors.Is(err, ErrTimeout)) naming the file, how long it waited and the
// holder. In a notebook a wait also ends when the cell is interrupted (the
// error wraps cell.ErrInterrupted). The errors are package lockerr's, the
// same in every golocks lock.
//
// Limits, stated honestly:
//   - Liveness is judged by the holder's pid and start time (Linux
//     /proc/PID/stat), so a dead holder whose pid now belongs to another
//     process, even to this one, is known to be dead. A holder that could
//     not read its own start time is judged by pid alone.
//   - All processes that share a lock must be in the same PID namespace (the
//     same container): a pid written by a process in another namespace means
//     nothing here, and a waiter could take over a lock whose holder is alive.
//   - A lock taken over from a dead holder protects nothing the holder left
//     half-done. For one int64 that is harmless: each store is atomic, so the
//     value is simply the last one the holder stored.
//   - The lock is per process, not per goroutine: goroutines of one process
//     exclude each other (the compare-and-swap sees the word taken), but any
//     goroutine of the holder process may Unlock it, through any handle of
//     the same file, as with sync.Mutex.
//   - sync/atomic on memory shared between processes is not promised by the Go
//     memory model or any other spec; it holds in practice on amd64 and arm64
//     for aligned words, which is what this package uses (the value and the
//     lock word are 8-byte aligned, inside one page).
//   - Close never unmaps: a closed value keeps a private copy of its page
//     (4 KiB of memory) for the life of the process, so that a goroutine
//     still using it reads and writes that copy instead of faulting.
//   - Never truncate or rewrite a mapped file while a process has it open:
//     touching a mapping whose file shrank kills the process with SIGBUS.
//   - Files written by golocks before the start time was added (layout
//     version 1) are refused with an error saying so: delete them.
//
// The cross-process lock needs Linux futexes: on other systems OpenValue and
// OpenMutex return an error wrapping [ErrNotSupported]. OpenRaw works on any
// Unix.
package shared
