// Package gate holds a process at each system call it makes on a few
// watched files, until its supervisor lets the call go. The stepper
// (course/stepper) uses it to run the student's own code, compiled or
// interpreted, one file operation at a time.
//
// How: the process to hold (the worker) calls Install on itself before it
// runs the code to watch. Install sets a seccomp filter (Linux's system call
// filter; unprivileged once no_new_privs is set) on all its threads that
// passes every system call straight through except the file calls a
// counter and its lock are touched with (openat, newfstatat, statx, read,
// pread64, readv, write, pwrite64, writev, ftruncate, flock, close), and of
// those, the ones on a descriptor the process had open at Install (its
// pipes to the pool, its standard streams, the Go runtime's own): so the
// worker's own protocol traffic never waits. Each remaining call becomes a
// notification on the listener, a descriptor Install returns and the worker
// hands to its supervisor (the supervisor copies it with pidfd_getfd, see
// Take). The supervisor (a Gate) looks at each: a call that does not touch
// a watched file is let go at once; one that does is held and delivered as
// a *Call, until Release lets it go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE:
// the kernel then makes the call as the process asked).
//
// Closing a Gate lets every held call and every later one fail (ENOSYS)
// rather than wait: it kills nothing, and nothing waits on it. Outside
// Linux every function returns ErrUnsupported.
package gate
