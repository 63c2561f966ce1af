package classload

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/golocks/golocks/internal/procfs"
)

// proc is one process, as /proc shows it.
type proc struct {
	pid, uid int
	comm     string
}

// processesOf lists the processes whose real uid is one of uids.
func processesOf(uids []int) []proc {
	if len(uids) == 0 {
		return nil
	}
	pids, _ := procfs.PIDs()
	var out []proc
	for _, pid := range pids {
		st, err := procfs.ReadStatus(pid)
		if err == nil && slices.Contains(uids, st.UID) { // else gone meanwhile
			out = append(out, proc{pid: pid, uid: st.UID, comm: st.Name})
		}
	}
	return out
}

// pss is a process's proportional set size in bytes: its private memory
// plus its share of the memory it shares (the kernel binary's pages, which
// every student's kernels map, count once in all, not once per student).
func pss(pid int) (int64, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, found := strings.CutPrefix(sc.Text(), "Pss:"); found {
			f := strings.Fields(v)
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024, err == nil
			}
		}
	}
	return 0, false
}

// memInfo is /proc/meminfo's MemAvailable and MemTotal, in bytes.
func memInfo() (available, total int64) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "MemAvailable:":
			available = kb * 1024
		case "MemTotal:":
			total = kb * 1024
		}
	}
	return available, total
}

// category sorts a student's processes for the memory report.
func category(comm string) string {
	switch {
	case comm == "golocks-kernel":
		return "kernels"
	case strings.HasPrefix(comm, "jupyterhub"), strings.HasPrefix(comm, "python"), strings.HasPrefix(comm, "jupyter"):
		return "server"
	default:
		return "workers"
	}
}
