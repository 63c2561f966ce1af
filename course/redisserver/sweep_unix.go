//go:build unix

package redisserver

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// sweepStale removes the folders of private servers whose starting process
// is gone. Stop removes its folder, but a process killed with SIGKILL
// cannot: its server dies with it (the parent-death signal) and leaves the
// folder, holding at most a dead socket. Folders of live processes, of other
// users, or whose pid cannot be read are left alone.
func sweepStale() {
	parent := socketParent()
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), folderPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
}
