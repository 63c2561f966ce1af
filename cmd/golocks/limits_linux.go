package main

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/golocks/golocks/internal/procfs"
)

// processRoom says how many worker processes this process may still start
// at once under its user's limits: on processes (ulimit -u) and on open
// files (ulimit -n). limited is false when neither applies.
func processRoom() (room int, why string, limited bool) {
	room, why, limited = threadRoom()
	if r, w, ok := fileRoom(); ok && (!limited || r < room) {
		room, why, limited = r, w, true
	}
	return room, why, limited
}

// threadRoom is the room under RLIMIT_NPROC, which counts every thread of
// every process of the user's real uid; Linux does not hold root to it.
func threadRoom() (room int, why string, limited bool) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &lim); err != nil || lim.Cur == unix.RLIM_INFINITY {
		return 0, "", false
	}
	uid := os.Getuid()
	if uid == 0 {
		return 0, "", false
	}
	limit := int(min(lim.Cur, 1<<31))
	// This process's own threads come and go with the Go runtime's needs
	// (more on a busy machine): counted as their bound, reservedThreads,
	// so that the cap does not move from one run to the next.
	others := max(tasksOf(uid)-ownThreads(), 0)
	room = (limit - others - reservedThreads()) / threadsPerWorker()
	return room, fmt.Sprintf("this user may run %d processes and threads (ulimit -u) and runs %d besides this one; each worker takes up to %d",
		limit, others, threadsPerWorker()), true
}

// threadsPerWorker is how many threads (which count as processes against
// ulimit -u) one worker costs: the worker's own, at most GOMAXPROCS plus
// three measured (sysmon, a thread in a system call, one to spare), and
// this process's thread waiting for it, with room to spare.
func threadsPerWorker() int {
	return runtime.GOMAXPROCS(0) + 6
}

// reservedThreads is what this process itself may need: the threads it
// has when it checks (about GOMAXPROCS + 3) and as many again.
func reservedThreads() int {
	return 2*runtime.GOMAXPROCS(0) + 10
}

// ownThreads is how many threads this process has now.
func ownThreads() int {
	st, _ := procfs.SelfStatus()
	return st.Threads
}

// fdsPerWorker is how many descriptors this process holds for one worker:
// the ends of its request, report, stdout and stderr pipes, and as many
// again while it starts.
const fdsPerWorker = 8

// reservedFDs is what this process itself may still open beyond the
// descriptors it has when it checks (the shared files, the signal pipe...).
const reservedFDs = 16

// fileRoom is the room under RLIMIT_NOFILE, which counts this process's
// open descriptors.
func fileRoom() (room int, why string, limited bool) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil || lim.Cur == unix.RLIM_INFINITY {
		return 0, "", false
	}
	used, err := procfs.OpenFiles()
	if err != nil {
		return 0, "", false
	}
	limit := int(min(lim.Cur, 1<<31))
	room = (limit - used - reservedFDs) / fdsPerWorker
	return room, fmt.Sprintf("this process may open %d files (ulimit -n) and has %d open; each worker takes up to %d",
		limit, used, fdsPerWorker), true
}

// tasksOf counts the threads of all processes whose real uid is uid, as
// the kernel counts them against RLIMIT_NPROC.
func tasksOf(uid int) int {
	pids, _ := procfs.PIDs()
	n := 0
	for _, pid := range pids {
		if st, err := procfs.ReadStatus(pid); err == nil && st.UID == uid {
			n += st.Threads
		} // else ended meanwhile, or another user's
	}
	return n
}
