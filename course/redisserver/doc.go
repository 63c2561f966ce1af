// Package redisserver gives a program a Redis server to talk to: the class's
// shared server when the instructor set REDIS_URL, otherwise a private
// redis-server started for this process alone.
//
// In a notebook one call is enough:
//
//	rdb, err := redisserver.Connect() // REDIS_URL, or a private server
//
// and URL says where that is, for worker processes to connect to the same
// server (redisserver.Dial(url)). A program that wants a server of its own,
// such as a test or `golocks redis`, calls Start and Stop.
//
// A private server is Debian's redis-server (it must be on PATH), set up so
// that nothing outside this process can use it or outlive it:
//
//   - it listens only on a Unix socket in a new folder that only this user
//     can open (no TCP port at all), and requires a random password on top;
//   - it keeps nothing on disk (no RDB snapshots, no append-only file);
//   - it is killed when Stop is called, and by the kernel when this process
//     dies in any way, SIGKILL included (Linux's parent-death signal), so no
//     redis-server is ever left orphaned.
//
// This is a package of its own, not part of package redislock, because it
// is about running and reaching a server, not about locking: the lock, the
// workbook's Redis counters, the golocks command, the bench and the tests
// all need a server, and a program that brings its own (REDIS_URL) needs
// nothing here but Dial.
//
// Dial makes clients whose every network wait is bounded (dial, read, write,
// waiting for a pooled connection) and which never retry a command on their
// own: a retried INCR that had already been applied would count twice, so a
// failure is reported, naming the server, and the caller decides. Errors
// show the server's address with any password replaced by "xxxxx". This
// package leaves go-redis's logger (one per process, to stderr) as the
// program set it: Dial makes sure the server can be reached before the
// client connects, so that an unreachable server is one error rather than
// an error and a log line; a program whose every failure is an error
// anyway, as golocks, may turn go-redis's logging off itself
// (redis.SetLogger).
package redisserver
