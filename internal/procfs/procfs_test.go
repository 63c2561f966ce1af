//go:build linux

package procfs_test

import (
	"os"
	"os/exec"
	"testing"

	"github.com/golocks/golocks/internal/procfs"
)

// This process reads as itself: its name, its real uid, at least one
// thread; its stat as running or sleeping, started after boot; it is
// listed; it has descriptors open (0, 1, 2 at least).
func TestSelf(t *testing.T) {
	pid := os.Getpid()
	st, err := procfs.ReadStatus(pid)
	if err != nil {
		t.Fatal(err)
	}
	if st.UID != os.Getuid() || st.Threads < 1 || st.Name == "" || st.Name != procfs.Comm(pid) {
		t.Errorf("ReadStatus(self) = %+v, Comm %q; want uid %d, threads >= 1, the same name", st, procfs.Comm(pid), os.Getuid())
	}
	if self, err := procfs.SelfStatus(); err != nil || self.UID != st.UID || self.Name != st.Name {
		t.Errorf("SelfStatus = %+v, %v; want %+v", self, err, st)
	}
	// A running Go program's resident set is never under 64 KiB, and
	// VmRSS counts whole KiB.
	if st.RSS < 1<<16 || st.RSS%1024 != 0 {
		t.Errorf("ReadStatus(self).RSS = %d bytes; want the VmRSS line, in whole KiB", st.RSS)
	}
	sa, err := procfs.ReadStat(pid)
	if err != nil {
		t.Fatal(err)
	}
	if sa.StartTime == 0 || (sa.State != 'R' && sa.State != 'S') {
		t.Errorf("ReadStat(self) = %+v", sa)
	}
	if args, err := procfs.Cmdline(pid); err != nil || len(args) != len(os.Args) || args[0] != os.Args[0] {
		t.Errorf("Cmdline(self) = %q, %v; want %q", args, err, os.Args)
	}
	pids, err := procfs.PIDs()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range pids {
		found = found || p == pid
	}
	if !found {
		t.Errorf("PIDs lacks this process %d", pid)
	}
	if n, err := procfs.OpenFiles(); err != nil || n < 3 {
		t.Errorf("OpenFiles = %d, %v", n, err)
	}
}

// A child reads while it runs; once reaped, reading it is an error, not a
// panic.
func TestGone(t *testing.T) {
	cmd := exec.Command("sleep", "5")
	if err := cmd.Start(); err != nil {
		t.Skipf("no sleep command: %v", err)
	}
	pid := cmd.Process.Pid
	if _, err := procfs.ReadStat(pid); err != nil {
		t.Errorf("ReadStat(child): %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := procfs.ReadStat(pid); err == nil {
		t.Errorf("ReadStat of a reaped process: no error")
	}
	if _, err := procfs.ReadStatus(pid); err == nil {
		t.Errorf("ReadStatus of a reaped process: no error")
	}
	if args, err := procfs.Cmdline(pid); err == nil {
		t.Errorf("Cmdline of a reaped process = %q, no error", args)
	}
	if c := procfs.Comm(pid); c != "" {
		t.Errorf("Comm of a reaped process = %q", c)
	}
}
