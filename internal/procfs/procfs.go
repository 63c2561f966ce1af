// Package procfs is golocks' one reader of Linux's /proc: a process's
// status (name, real uid, threads), its stat (state, start time), its
// command name and line, the list of processes, this process's open descriptors.
// The lock packages use it to name a lock's holder and to tell a dead
// holder from a live one; the CLI to size its worker pool under the
// user's limits; the class load test to find students' processes.
//
// Each call reads its file once, as it is at that moment: a process may
// end between two calls, which shows as an error, never a panic. Outside
// Linux every call returns an error (there is no /proc to read).
package procfs

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/golocks/golocks/internal/regular"
)

// Status is what golocks reads from /proc/PID/status.
type Status struct {
	Name    string // the command name, as in /proc/PID/comm
	UID     int    // the real uid
	Threads int    // the number of threads
	RSS     uint64 // the resident set, in bytes (VmRSS; 0 for a kernel thread)
}

// ReadStatus reads /proc/PID/status.
func ReadStatus(pid int) (Status, error) {
	return readStatus(dir(pid) + "/status")
}

// SelfStatus reads this process's /proc/self/status.
func SelfStatus() (Status, error) {
	return readStatus("/proc/self/status")
}

func readStatus(path string) (Status, error) {
	b, err := regular.ReadFile(path)
	if err != nil {
		return Status{}, err
	}
	st := Status{UID: -1}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		key, v, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		switch string(key) {
		case "Name":
			st.Name = string(v)
		case "Uid": // real, effective, saved, filesystem
			if f := bytes.Fields(v); len(f) > 0 {
				st.UID, _ = strconv.Atoi(string(f[0]))
			}
		case "Threads":
			st.Threads, _ = strconv.Atoi(string(v))
		case "VmRSS": // "1234 kB"
			if f := bytes.Fields(v); len(f) > 0 {
				kb, _ := strconv.ParseUint(string(f[0]), 10, 64)
				st.RSS = kb << 10
			}
		}
	}
	if st.UID < 0 {
		return Status{}, fmt.Errorf("%s: no Uid line", path)
	}
	return st, nil
}

// Stat is what golocks reads from /proc/PID/stat.
type Stat struct {
	State     byte   // R, S, D, Z (zombie), X (dead), ...
	StartTime uint64 // field 22: when the process started, in clock ticks since boot
}

// ReadStat reads /proc/PID/stat.
func ReadStat(pid int) (Stat, error) {
	path := dir(pid) + "/stat"
	b, err := regular.ReadFile(path)
	if err != nil {
		return Stat{}, err
	}
	// "pid (comm) S ppid ...": comm may hold spaces and parentheses; the
	// fields after the last ')' are numbered from 3 (the state).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("%s: no command name", path)
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 22-2 || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("%s: too few fields", path)
	}
	start, err := strconv.ParseUint(string(f[22-3]), 10, 64)
	if err != nil {
		return Stat{}, fmt.Errorf("%s: start time: %w", path, err)
	}
	return Stat{State: f[0][0], StartTime: start}, nil
}

// Comm returns the command name of pid ("golocks"), or "" if it cannot be
// read (the process is gone, or no /proc).
func Comm(pid int) string {
	b, err := regular.ReadFile(dir(pid) + "/comm")
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(b))
}

// Cmdline returns the arguments pid was started with (/proc/PID/cmdline),
// the program first; none for a zombie or a kernel thread. A process may
// rewrite its own, so use it as a hint, not an identity.
func Cmdline(pid int) ([]string, error) {
	b, err := regular.ReadFile(dir(pid) + "/cmdline")
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSuffix(b, []byte{0})
	if len(b) == 0 {
		return nil, nil
	}
	return strings.Split(string(b), "\x00"), nil
}

// PIDs lists the processes /proc shows now.
func PIDs() ([]int, error) {
	es, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range es {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// OpenFiles counts this process's open descriptors (/proc/self/fd).
func OpenFiles() (int, error) {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	return len(es), nil
}

func dir(pid int) string { return "/proc/" + strconv.Itoa(pid) }
