// Package redislock is a lock held in a Redis server, with fencing tokens:
// what processes on several machines use to take turns, where a file lock
// (package filelock) only reaches the processes of one machine.
//
//	l := redislock.New(rdb, "counter-lock")
//	defer l.Close()
//	if err := l.Lock(); err != nil { // waits at most DefaultTimeout
//		return err
//	}
//	defer l.Unlock()
//
// It is the single-server lock of the Redis documentation: taking the lock
// is SET key owner NX PX ttl with a random owner, so it is free again after
// its TTL even if its holder died without unlocking (no stale locks, as the
// kernel gives flock). Unlock and Extend compare the owner before they
// delete or extend (one Lua script each, atomic on the server), so they
// never touch a lock someone else holds. A busy lock is retried with
// back-off for a bounded time and then reported as a *TimeoutError naming
// the key and its holder.
//
// The TTL is also the lock's weakness: a holder that stops for longer than
// the TTL (a GC pause, a swapped-out laptop, a slow network) loses the lock
// without knowing it, someone else takes it, and the first holder's late
// write lands on top of the second's. Nothing in the lock can prevent that;
// the resource must refuse the late write. So every Lock also gets a
// fencing token, a number that only grows (an INCR in the same script as
// the SET), and a Fenced value accepts a write only if its token is not
// older than one it has already accepted (Kleppmann, "How to do distributed
// locking", 2016). Use Fenced, or the same check in your own storage,
// whenever a late write would do harm.
//
// What a single Redis server does not promise: it is one machine, and when
// it goes away every lock goes with it. With replication and failover a
// lock written to the old primary may be missing on the new one, and two
// clients hold it at once; fencing tokens are still what protects the data.
// This package does not implement Redlock (several independent servers),
// whose safety also rests on timing assumptions.
//
// Every wait is bounded, and also ends when the running notebook cell is
// interrupted (package cell); its errors are those of every golocks lock
// (package lockerr: ErrTimeout, ErrNotLocked, ErrClosed, *TimeoutError).
// The client should bound its own network waits: redisserver.Dial makes
// such clients.
package redislock
