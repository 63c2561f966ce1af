// Package lockerr is the error vocabulary shared by golocks' lock packages:
// filelock (a lock file), shared (a lock in shared memory) and redislock
// (a lock held in Redis). Each of them re-exports these names, the way os
// re-exports io/fs's errors, so a caller tests a lock's errors the same way
// whichever lock it uses:
//
//	errors.Is(err, filelock.ErrTimeout)    // the wait reached its bound
//	errors.Is(err, shared.ErrNotLocked)    // Unlock of a lock not held
//	errors.Is(err, filelock.ErrClosed)     // a method called after Close
//	errors.As(err, &te)                    // te *lockerr.TimeoutError: who held it
//
// The rules, the same in every lock package:
//
//   - Every wait is bounded. A wait that reaches its bound returns a
//     *TimeoutError, which matches ErrTimeout. When that bound was a
//     context's deadline (LockContext), it also wraps the context's cause,
//     so errors.Is(err, context.DeadlineExceeded) holds too; a bound of the
//     lock's own (Lock, LockTimeout) wraps nothing else.
//   - A wait that a context ends before its bound (cancelled, or the
//     notebook cell interrupted: cell.ErrInterrupted) returns an error made
//     by Canceled, which wraps the context's cause and its Err, never
//     ErrTimeout.
//   - Unlock of a lock the caller does not hold wraps ErrNotLocked; any
//     method after Close wraps ErrClosed.
//
// Package lockerr has no locks of its own and nothing to configure.
package lockerr
