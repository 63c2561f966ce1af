//go:build linux

package gate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls the filter hands to the supervisor. pathCalls name a
// file by path (and a directory descriptor); fdCalls act on a descriptor,
// and go to the supervisor only when it was not open at Install.
var (
	pathCalls = []uint32{unix.SYS_OPENAT, unix.SYS_NEWFSTATAT, unix.SYS_STATX}
	fdCalls   = []uint32{
		unix.SYS_READ, unix.SYS_PREAD64, unix.SYS_READV,
		unix.SYS_WRITE, unix.SYS_PWRITE64, unix.SYS_WRITEV,
		unix.SYS_FTRUNCATE, unix.SYS_FLOCK, unix.SYS_CLOSE,
	}
)

// auditArch is the architecture seccomp reports for this build's system
// calls; 0 where the gate is not supported.
func auditArch() uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return unix.AUDIT_ARCH_X86_64
	case "arm64":
		return unix.AUDIT_ARCH_AARCH64
	}
	return 0
}

// maxKeptFDs bounds the descriptors the filter passes straight through: a
// BPF jump reaches at most 255 instructions ahead.
const maxKeptFDs = 200

// Install sets the gate's filter on this process, all its threads, and
// returns the listener's descriptor, to hand to the supervisor (Take). From
// now on each watched-looking call waits until the supervisor lets it go:
// hand the listener over before making one, then close this process's copy
// (once the supervisor holds its own, a close is let go at once). Call it
// once, just before the code to watch; it cannot be undone.
//
// Only a process started to be gated may install it: its environment has
// GOLOCKS_GATE=1 (which Install removes, so the code it runs does not see
// it); anywhere else, in a notebook kernel say, it would hold the process's
// own file calls with nobody to let them go, and it refuses.
func Install() (int, error) {
	if os.Getenv(EnvVar) != "1" {
		return -1, fmt.Errorf("gate: Install is for a process started to be gated (%s=1): here it would hold this process's own file calls", EnvVar)
	}
	os.Unsetenv(EnvVar)
	arch := auditArch()
	if arch == 0 {
		return -1, fmt.Errorf("gate: %w (not on %s)", ErrUnsupported, runtime.GOARCH)
	}
	fds, err := openFDs()
	if err != nil {
		return -1, fmt.Errorf("gate: %w", err)
	}
	if len(fds) > maxKeptFDs {
		return -1, fmt.Errorf("gate: %d open descriptors, at most %d", len(fds), maxKeptFDs)
	}
	prog := program(arch, fds)
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}

	// no_new_privs is a thread's; set it on the thread that installs the
	// filter, and TSYNC sets both on every other thread.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("gate: no_new_privs: %w", err)
	}
	// WAIT_KILLABLE_RECV (Linux 5.19): once the supervisor holds a call,
	// only a fatal signal ends the wait, so a signal to the process does
	// not restart the call as a second notification; without it (older
	// kernels) such a restart is let go as part of the same operation.
	flags := uintptr(unix.SECCOMP_FILTER_FLAG_NEW_LISTENER | unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH)
	fd, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags|unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, uintptr(unsafe.Pointer(&fprog)))
	if errno == unix.EINVAL {
		fd, _, errno = unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
	}
	runtime.KeepAlive(prog)
	if errno != 0 {
		if errno == unix.EINVAL || errno == unix.ENOSYS {
			return -1, fmt.Errorf("gate: seccomp: %v: %w", errno, ErrUnsupported)
		}
		return -1, fmt.Errorf("gate: seccomp: %w", errno)
	}
	return int(fd), nil
}

// openFDs lists this process's open descriptors, but for the one used to
// list them.
func openFDs() ([]uint32, error) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return nil, err
	}
	own := d.Fd()
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	var fds []uint32
	for _, n := range names {
		fd, err := strconv.ParseUint(n, 10, 31)
		if err == nil && uintptr(fd) != own {
			fds = append(fds, uint32(fd))
		}
	}
	return fds, nil
}

// BPF opcodes.
const (
	ldAbs   = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
	jeqK    = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
	retK    = unix.BPF_RET | unix.BPF_K
	offNr   = 0  // seccomp_data.nr
	offArch = 4  // seccomp_data.arch
	offArg0 = 16 // seccomp_data.args[0], its low 32 bits (little endian)
)

// program is the filter: another architecture's calls pass; a path call
// notifies; an fd call notifies unless args[0] is one of keep; anything
// else passes.
func program(arch uint32, keep []uint32) []unix.SockFilter {
	p, f, n := len(pathCalls), len(fdCalls), len(keep)
	allow := 4 + p + f   // ret ALLOW after the call numbers
	fdCheck := allow + 1 // ld args[0]
	notify := fdCheck + 1 + n
	allowEnd := notify + 1
	prog := []unix.SockFilter{
		{Code: ldAbs, K: offArch},
		{Code: jeqK, Jt: 1, Jf: 0, K: arch},
		{Code: retK, K: unix.SECCOMP_RET_ALLOW},
		{Code: ldAbs, K: offNr},
	}
	for _, nr := range pathCalls {
		i := len(prog)
		prog = append(prog, unix.SockFilter{Code: jeqK, Jt: uint8(notify - i - 1), K: nr})
	}
	for _, nr := range fdCalls {
		i := len(prog)
		prog = append(prog, unix.SockFilter{Code: jeqK, Jt: uint8(fdCheck - i - 1), K: nr})
	}
	prog = append(prog, unix.SockFilter{Code: retK, K: unix.SECCOMP_RET_ALLOW})
	prog = append(prog, unix.SockFilter{Code: ldAbs, K: offArg0})
	for _, fd := range keep {
		i := len(prog)
		prog = append(prog, unix.SockFilter{Code: jeqK, Jt: uint8(allowEnd - i - 1), K: fd})
	}
	prog = append(prog, unix.SockFilter{Code: retK, K: unix.SECCOMP_RET_USER_NOTIF})
	prog = append(prog, unix.SockFilter{Code: retK, K: unix.SECCOMP_RET_ALLOW})
	return prog
}

// The kernel's seccomp_notif and seccomp_notif_resp.
type notif struct {
	ID    uint64
	PID   uint32
	Flags uint32
	Nr    int32
	Arch  uint32
	IP    uint64
	Args  [6]uint64
}

type notifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// ioctlIDValid is SECCOMP_IOCTL_NOTIF_ID_VALID, _IOW('!', 2, __u64).
const ioctlIDValid = 0x40082102

// A watched file: its path with the folder's symbolic links resolved, and
// the folder's identity, so that a path naming it another way matches.
type watched struct {
	given, path, base string
	dev, ino          uint64
}

// A Gate is the supervisor's side of one process's gate: it lets every
// call that touches no watched file go at once, and delivers the others on
// Calls, held until their Release. Close it when done.
type Gate struct {
	pid      int // the gated process
	listener int
	watch    []watched
	calls    chan *Call
	stopR    *os.File
	stopW    *os.File
	stop     chan struct{} // closed by Close: a held call is no longer delivered
	done     chan struct{} // closed when loop has returned

	mu     sync.Mutex
	closed bool
}

// Take copies the listener fd of process pid (Install's result, which the
// process sent) into this process and starts its Gate. watch names the
// files whose calls are held.
func Take(pid, fd int, watch []string) (*Gate, error) {
	pidfd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return nil, fmt.Errorf("gate: pidfd_open %d: %w", pid, err)
	}
	defer unix.Close(pidfd)
	listener, err := unix.PidfdGetfd(pidfd, fd, 0)
	if err != nil {
		return nil, fmt.Errorf("gate: pidfd_getfd %d of process %d: %w", fd, pid, err)
	}
	unix.CloseOnExec(listener)
	g, err := newGate(listener, watch)
	if err != nil {
		unix.Close(listener)
		return nil, err
	}
	g.pid = pid
	return g, nil
}

// Open lists the watched files (as given to Take) that the process has a
// descriptor open on now, each once: a file it opened and did not close,
// a lock it holds through one. Its supervisor asks before the process
// does anything more with them (pool.GatedRun.Again).
func (g *Gate) Open() ([]string, error) {
	if g == nil || g.pid == 0 {
		return nil, errors.New("gate: no process")
	}
	dir := "/proc/" + strconv.Itoa(g.pid) + "/fd"
	names, err := readDirNames(dir)
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	var open []string
	for _, n := range names {
		link, err := os.Readlink(dir + "/" + n)
		if err != nil || !strings.HasPrefix(link, "/") || strings.HasSuffix(link, " (deleted)") {
			continue
		}
		if p := g.match(link); p != "" && !slices.Contains(open, p) {
			open = append(open, p)
		}
	}
	return open, nil
}

func readDirNames(dir string) ([]string, error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Readdirnames(-1)
}

func newGate(listener int, watch []string) (*Gate, error) {
	var ws []watched
	for _, p := range watch {
		w, err := watchOf(p)
		if err != nil {
			return nil, err
		}
		ws = append(ws, w)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	g := &Gate{listener: listener, watch: ws, calls: make(chan *Call, 256), stopR: r, stopW: w, stop: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g, nil
}

// watchOf resolves a watched path: absolute, its folder's links resolved.
func watchOf(p string) (watched, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return watched{}, fmt.Errorf("gate: watch %s: %w", p, err)
	}
	dir, base := filepath.Split(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	w := watched{given: p, path: filepath.Join(dir, base), base: base}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return watched{}, fmt.Errorf("gate: watch %s: %w", p, err)
	}
	w.dev, w.ino = st.Dev, st.Ino
	return w, nil
}

// Calls delivers the held calls, in the order they were made (by one
// thread; several threads' calls in the order the kernel handed them
// over). It is closed when the process has gone or the gate is closed.
func (g *Gate) Calls() <-chan *Call { return g.calls }

// Close stops the gate: calls held and calls made later fail (ENOSYS) and
// nothing waits on the gate any longer. It kills nothing. Safe to call
// more than once.
func (g *Gate) Close() error {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	close(g.stop)
	g.stopW.Close()
	<-g.done
	g.stopR.Close()
	return unix.Close(g.listener)
}

// loop receives the process's notifications until it has gone or the
// gate is closed.
func (g *Gate) loop() {
	defer close(g.done)
	defer close(g.calls)
	fds := []unix.PollFd{{Fd: int32(g.listener), Events: unix.POLLIN}, {Fd: int32(g.stopR.Fd()), Events: unix.POLLIN}}
	for {
		fds[0].Revents, fds[1].Revents = 0, 0
		_, err := unix.Poll(fds, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil || fds[1].Revents != 0 {
			return
		}
		switch {
		case fds[0].Revents&unix.POLLIN != 0:
			var n notif
			if err := ioctl(g.listener, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&n)); err != nil {
				if err == unix.ENOENT || err == unix.EINTR {
					continue // the caller went away meanwhile
				}
				return
			}
			g.handle(&n)
		case fds[0].Revents&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0:
			return // no process uses the filter any more
		}
	}
}

func ioctl(fd int, req uint, arg unsafe.Pointer) error {
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if errno != 0 {
		return errno
	}
	return nil
}

// handle looks at one notification: a call on a watched file is held and
// delivered, any other let go at once.
func (g *Gate) handle(n *notif) {
	c := g.classify(n)
	// What was read of the caller's memory and /proc is only its own if
	// the call is still waiting (else the thread id may be another's).
	if c != nil && ioctl(g.listener, ioctlIDValid, unsafe.Pointer(&n.ID)) != nil {
		return
	}
	if c == nil {
		_ = g.cont(n.ID)
		return
	}
	id := n.ID
	c.release = func() error { return g.cont(id) }
	select {
	case g.calls <- c:
	case <-g.stop:
	}
}

// cont lets call id go on.
func (g *Gate) cont(id uint64) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errors.New("gate: closed")
	}
	resp := notifResp{ID: id, Flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE}
	err := ioctl(g.listener, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp))
	if err == unix.ENOENT {
		return nil // the caller was interrupted or killed: nothing to let go
	}
	if err != nil {
		return fmt.Errorf("gate: continue: %w", err)
	}
	return nil
}

// classify says which watched file a notification's call touches, as a
// Call, or nil for none.
func (g *Gate) classify(n *notif) *Call {
	tid := int(n.PID)
	a := n.Args
	fd := int(int32(a[0]))
	switch n.Nr {
	case unix.SYS_OPENAT:
		p := g.pathAt(tid, fd, a[1])
		if p == "" {
			return nil
		}
		return &Call{Kind: Open, Path: p, FD: -1, Flags: int(a[2]), TID: tid}
	case unix.SYS_NEWFSTATAT, unix.SYS_STATX:
		flags := a[3]
		if n.Nr == unix.SYS_STATX {
			flags = a[2]
		}
		name, err := readString(tid, a[1])
		if err != nil {
			return nil
		}
		if name == "" && flags&unix.AT_EMPTY_PATH != 0 {
			if p := g.fdPath(tid, fd); p != "" {
				return &Call{Kind: Fstat, Path: p, FD: fd, TID: tid}
			}
			return nil
		}
		p := g.resolve(tid, fd, name)
		if p == "" {
			return nil
		}
		return &Call{Kind: Stat, Path: p, FD: -1, NoFollow: flags&unix.AT_SYMLINK_NOFOLLOW != 0, TID: tid}
	}
	var k Kind
	flags := 0
	switch n.Nr {
	case unix.SYS_READ, unix.SYS_PREAD64, unix.SYS_READV:
		k = Read
	case unix.SYS_WRITE, unix.SYS_PWRITE64, unix.SYS_WRITEV:
		k = Write
	case unix.SYS_FTRUNCATE:
		k = Truncate
	case unix.SYS_FLOCK:
		k, flags = Flock, int(a[1])
	case unix.SYS_CLOSE:
		k = Close
	default:
		return nil
	}
	p := g.fdPath(tid, fd)
	if p == "" {
		return nil
	}
	return &Call{Kind: k, Path: p, FD: fd, Flags: flags, TID: tid}
}

// pathAt is the watched path that openat(dirfd, *addr) names, or "".
func (g *Gate) pathAt(tid, dirfd int, addr uint64) string {
	name, err := readString(tid, addr)
	if err != nil {
		return ""
	}
	return g.resolve(tid, dirfd, name)
}

// resolve is the watched path name names relative to dirfd, or "".
func (g *Gate) resolve(tid, dirfd int, name string) string {
	if name == "" {
		return ""
	}
	// Only a name ending in a watched file's name can be one.
	base := filepath.Base(name)
	if !slicesContainsBase(g.watch, base) {
		return ""
	}
	p := name
	if !filepath.IsAbs(name) {
		var dir string
		var err error
		if dirfd == unix.AT_FDCWD {
			dir, err = os.Readlink("/proc/" + strconv.Itoa(tid) + "/cwd")
		} else {
			dir, err = os.Readlink("/proc/" + strconv.Itoa(tid) + "/fd/" + strconv.Itoa(dirfd))
		}
		if err != nil {
			return ""
		}
		p = filepath.Join(dir, name)
	}
	return g.match(filepath.Clean(p))
}

func slicesContainsBase(ws []watched, base string) bool {
	for _, w := range ws {
		if w.base == base {
			return true
		}
	}
	return false
}

// fdPath is the watched path descriptor fd of thread tid is open on, or "".
func (g *Gate) fdPath(tid, fd int) string {
	if fd < 0 {
		return ""
	}
	link, err := os.Readlink("/proc/" + strconv.Itoa(tid) + "/fd/" + strconv.Itoa(fd))
	if err != nil || !strings.HasPrefix(link, "/") || strings.HasSuffix(link, " (deleted)") {
		return ""
	}
	return g.match(link)
}

// match is the given name of the watched file at absolute path p, or "".
func (g *Gate) match(p string) string {
	for _, w := range g.watch {
		if p == w.path {
			return w.given
		}
	}
	dir, base := filepath.Split(p)
	for _, w := range g.watch {
		if base != w.base {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(dir, &st) == nil && st.Dev == w.dev && st.Ino == w.ino {
			return w.given
		}
	}
	return ""
}

// readString reads a NUL-terminated string (a path: at most PATH_MAX
// bytes) at addr in thread tid's memory, a page at a time.
func readString(tid int, addr uint64) (string, error) {
	if addr == 0 {
		return "", errors.New("null pointer")
	}
	page := uint64(os.Getpagesize())
	var out []byte
	for len(out) < unix.PathMax {
		n := page - addr%page
		buf := make([]byte, n)
		local := []unix.Iovec{{Base: &buf[0]}}
		local[0].SetLen(int(n))
		remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: int(n)}}
		got, err := unix.ProcessVMReadv(tid, local, remote, 0)
		if err != nil {
			return "", err
		}
		if i := bytes.IndexByte(buf[:got], 0); i >= 0 {
			return string(append(out, buf[:i]...)), nil
		}
		if got < int(n) {
			return "", syscall.EFAULT
		}
		out = append(out, buf...)
		addr += n
	}
	return "", syscall.ENAMETOOLONG
}
