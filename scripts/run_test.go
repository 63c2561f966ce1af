//go:build e2e

package scripts_test

// The end-to-end test of `make run`, the README's first command: it starts
// `make run PORT=<free port>` with private HOME and Jupyter folders, a
// terminal on its standard input (as when a person types it) and its own
// session, then does what a browser does: reads the URL with the token the
// server printed, is refused without the token, lists the kernelspecs and the
// served folder through the REST API, starts a golocks kernel, runs a cell
// over the kernel's websocket (scripts/testdata/ws_execute.py with Debian's
// python3-websocket) and checks what the library printed; then presses
// Ctrl-C (SIGINT to the terminal's process group) and checks that the server
// shut its kernel down and exited. Every wait is bounded; on failure the
// whole process group, and any kernel it started, is killed.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/golocks/golocks/internal/jupytertest"
)

const (
	python = jupytertest.Python
	// Generous for a cold Go cache (about 2½ minutes on 2 cores), seconds otherwise.
	kernelBuildLimit = 20 * time.Minute
	serverStartLimit = 90 * time.Second
	cellLimit        = 120 * time.Second
	stopLimit        = 30 * time.Second
)

func TestMakeRun(t *testing.T) {
	requireRunTools(t)
	root := repoRoot(t)
	dir := t.TempDir()
	env := privateEnv(t, dir)
	kernelBuild := buildKernel(t, root, env, dir)

	port := freePort(t)
	start := time.Now()
	srv := startServer(t, root, env, "run", "PORT="+strconv.Itoa(port), "KERNEL_BUILD="+kernelBuild)
	base, token := srv.waitURL(t, port)
	t.Logf("make run: serving %s after %v", base, time.Since(start).Round(time.Millisecond))
	srv.waitUp(t, base)

	t.Run("auth", func(t *testing.T) {
		for _, tok := range []string{"", "not-the-token"} {
			resp := request(t, "GET", base+"/api/kernelspecs", tok, nil)
			if resp.code != http.StatusForbidden && resp.code != http.StatusUnauthorized {
				t.Errorf("GET /api/kernelspecs with token %q: %d, want 403 or 401", tok, resp.code)
			}
		}
		resp := request(t, "GET", base+"/tree", "", nil)
		if loc := resp.header.Get("Location"); resp.code/100 != 3 || !strings.Contains(loc, "/login") {
			t.Errorf("GET /tree without the token: %d, Location %q; want a redirect to the login page", resp.code, loc)
		}
	})

	t.Run("loopback only", func(t *testing.T) {
		for _, ip := range hostAddrs(t) {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, strconv.Itoa(port)), 2*time.Second); err == nil {
				c.Close()
				t.Errorf("the server answers on %s: it must listen on 127.0.0.1 only", ip)
			}
		}
	})

	t.Run("kernelspec", func(t *testing.T) {
		var specs struct {
			Kernelspecs map[string]struct {
				Spec struct {
					Argv     []string
					Language string
				}
			}
		}
		request(t, "GET", base+"/api/kernelspecs", token, nil).json(t, http.StatusOK, &specs)
		ks, ok := specs.Kernelspecs["golocks"]
		want := filepath.Join(dir, "jupyter-data", "kernels", "golocks", "bin", "golocks-kernel")
		if !ok || ks.Spec.Language != "go" || len(ks.Spec.Argv) == 0 || ks.Spec.Argv[0] != want {
			t.Errorf("golocks kernelspec = %+v, want language go and %s (make run installs it)", ks, want)
		}
	})

	t.Run("workbook served", func(t *testing.T) {
		checkServedFolder(t, root, filepath.Join(dir, "home", "golocks-workbook"), base, token)
	})

	t.Run("cell over the websocket", func(t *testing.T) {
		var kernel struct{ ID, Name string }
		request(t, "POST", base+"/api/kernels", token, map[string]string{"name": "golocks"}).json(t, http.StatusCreated, &kernel)
		if kernel.ID == "" || kernel.Name != "golocks" {
			t.Fatalf("POST /api/kernels = %+v", kernel)
		}
		srv.kernels = append(srv.kernels, kernel.ID)
		work := filepath.Join(dir, "cell")
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		code := fmt.Sprintf(`import (
	"fmt"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/pool"
)

func show(args ...any) { fmt.Println(args...) }

dir := %q
errW := workbook.Work(500, dir+"/serial.txt")
n1, errR1 := workbook.ReadCount(dir + "/serial.txt")
show("serial:", n1, errW, errR1)
errP := pool.New(2).Map(workbook.WorkLocked, []int{100, 200}, dir+"/locked.txt", dir+"/locked.lock")
n2, errR2 := workbook.ReadCount(dir + "/locked.txt")
show("locked:", n2, errP, errR2)
`, work)
		codeFile := filepath.Join(dir, "cell.go.txt")
		if err := os.WriteFile(codeFile, []byte(code), 0o644); err != nil {
			t.Fatal(err)
		}
		wsURL := "ws" + strings.TrimPrefix(base, "http") + "/api/kernels/" + kernel.ID + "/channels"
		cmd := exec.Command(python, filepath.Join(root, "scripts", "testdata", "ws_execute.py"),
			wsURL, token, codeFile, strconv.Itoa(int(cellLimit/time.Second)))
		cmd.Env = env
		raw, err := runBoundedCmd(cmd, cellLimit+10*time.Second)
		if err != nil {
			t.Fatalf("ws_execute.py: %v\n%s", err, raw)
		}
		var res struct {
			Status, Stdout, Stderr, Error string
			Results                       []string
			Seconds                       float64
		}
		if err := json.Unmarshal(jupytertest.LastLine(raw), &res); err != nil {
			t.Fatalf("ws_execute.py output: %v\n%s", err, raw)
		}
		t.Logf("cell over the websocket: %.3fs, status %s", res.Seconds, res.Status)
		if res.Status != "ok" || res.Error != "" {
			t.Errorf("execute_reply status %q, error %q\nstdout:\n%s\nstderr:\n%s", res.Status, res.Error, res.Stdout, res.Stderr)
		}
		for _, want := range []string{
			"File doesn't exist, starting to count from 0.", // the workbook's work(), compiled in
			"serial: 500 <nil> <nil>\n",
			"locked: 300 <nil> <nil>\n", // two worker processes, the file lock held
		} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("cell output lacks %q:\n%s\nstderr:\n%s", want, res.Stdout, res.Stderr)
			}
		}
	})

	t.Run("Ctrl-C", func(t *testing.T) {
		srv.stop(t, base)
	})

	t.Run("busy port", func(t *testing.T) {
		// PORT means that port: taken, make run fails instead of moving on.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		busy := l.Addr().(*net.TCPAddr).Port
		cmd := exec.Command("make", "-s", "-C", root, "run", "PORT="+strconv.Itoa(busy), "KERNEL_BUILD="+kernelBuild)
		cmd.Env = env
		out, err := runBoundedCmd(cmd, serverStartLimit)
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !bytes.Contains(out, []byte("already in use")) {
			t.Errorf("make run PORT=%d (taken): %v; want it to fail at once, saying the port is in use\n%s", busy, err, out)
		}
	})
}

// requireRunTools fails (never skips) when what make run and this test need
// is missing: CI installs it with scripts/install-deps.sh.
func requireRunTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"make", "go", "jupyter"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: %v (scripts/install-deps.sh installs Jupyter)", tool, err)
		}
	}
	if out, err := exec.Command(python, "-c", "import notebook, websocket").CombinedOutput(); err != nil {
		t.Fatalf("%s lacks Jupyter Notebook or websocket-client (%v):\n%s\nrun scripts/install-deps.sh as root (Debian's jupyter-notebook, python3-websocket)", python, err, out)
	}
}

// privateEnv is this machine's environment with a private home and private
// Jupyter folders, Go's caches kept where they are (a new HOME would move
// them and rebuild everything), and nothing that steers make or the
// kernel build from outside.
func privateEnv(t *testing.T, dir string) []string {
	t.Helper()
	goEnv, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	g := strings.Split(strings.TrimSpace(string(goEnv)), "\n")
	if len(g) != 3 {
		t.Fatalf("go env: %q", goEnv)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME", k == "GOCACHE", k == "GOMODCACHE", k == "GOPATH", k == "PORT", k == "NOTEBOOKS", k == "WORKBOOK", k == "PREFIX",
			k == "MAKEFLAGS", k == "MFLAGS", k == "MAKELEVEL",
			strings.HasPrefix(k, "JUPYTER"), strings.HasPrefix(k, "KERNEL_"), strings.HasPrefix(k, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	return append(env,
		"HOME="+home,
		"GOCACHE="+g[0], "GOMODCACHE="+g[1], "GOPATH="+g[2],
		"JUPYTER_DATA_DIR="+filepath.Join(dir, "jupyter-data"),
		"JUPYTER_CONFIG_DIR="+filepath.Join(dir, "jupyter-config"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(dir, "jupyter-runtime"),
		"PYDEVD_DISABLE_FILE_VALIDATION=1",
	)
}

// buildKernel builds the kernel with `make kernel` into a folder of the
// test's own under dir (so it races no other test's build) and returns that
// folder, for `make run KERNEL_BUILD=...`: make run then finds the kernel up
// to date, and the server's start can be held to a short limit. Seconds
// from the Go build cache, minutes the first time.
func buildKernel(t *testing.T, root string, env []string, dir string) string {
	t.Helper()
	kernelBuild := filepath.Join(dir, "kernel-build")
	start := time.Now()
	cmd := exec.Command("make", "-s", "-C", root, "kernel", "KERNEL_BUILD="+kernelBuild)
	cmd.Env = env
	if out, err := runBoundedCmd(cmd, kernelBuildLimit); err != nil {
		t.Fatalf("make kernel: %v\n%s", err, out)
	}
	t.Logf("make kernel: %v", time.Since(start).Round(time.Millisecond))
	return kernelBuild
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// hostAddrs are this machine's non-loopback IPv4 addresses.
func hostAddrs(t *testing.T) []string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			out = append(out, n.IP.String())
		}
	}
	t.Logf("non-loopback addresses: %v", out)
	return out
}

// ---- the server under test ----

type server struct {
	cmd     *exec.Cmd
	pty     *os.File // the terminal's master side
	runtime string   // its Jupyter runtime folder: kernels' connection files
	kernels []string // kernel ids started through the API
	done    chan error
	exited  bool

	out syncBuffer // stdout and stderr, merged
}

// startServer starts make with args in a new session whose controlling
// terminal is a fresh pty on its standard input, as a shell would.
func startServer(t *testing.T, root string, env []string, args ...string) *server {
	t.Helper()
	master, slave, err := openPTY()
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	s := &server{pty: master, done: make(chan error, 1)}
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "JUPYTER_RUNTIME_DIR="); ok {
			s.runtime = v
		}
	}
	s.cmd = exec.Command("make", append([]string{"-C", root}, args...)...)
	s.cmd.Env = env
	s.cmd.Stdin = slave
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if !s.exited {
			syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
			}
		}
		s.killKernels(t)
		master.Close()
		if t.Failed() {
			t.Logf("make %s output:\n%s", strings.Join(args, " "), s.output())
		}
	})
	return s
}

func (s *server) output() string { return s.out.String() }

// syncBuffer is a bytes.Buffer that a process (or a browser) writes while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var tokenURL = regexp.MustCompile(`(http://127\.0\.0\.1:(\d+))/\?token=([0-9a-f]{32,})`)

// waitURL waits for the URL with the token that the server prints.
func (s *server) waitURL(t *testing.T, port int) (base, token string) {
	t.Helper()
	deadline := time.Now().Add(serverStartLimit)
	for time.Now().Before(deadline) {
		if m := tokenURL.FindStringSubmatch(s.output()); m != nil {
			if m[2] != strconv.Itoa(port) {
				t.Fatalf("server URL %s: want port %d", m[0], port)
			}
			if !strings.Contains(s.output(), "golocks: Jupyter on http://127.0.0.1:"+m[2]) {
				t.Errorf("make run did not say where it serves")
			}
			return m[1], m[3]
		}
		select {
		case err := <-s.done:
			s.exited = true
			t.Fatalf("make run exited before printing its URL: %v\n%s", err, s.output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("no http://127.0.0.1:%d/?token=... URL after %v:\n%s", port, serverStartLimit, s.output())
	return "", ""
}

// waitUp waits until the server answers HTTP.
func (s *server) waitUp(t *testing.T, base string) {
	t.Helper()
	c := http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(serverStartLimit)
	for time.Now().Before(deadline) {
		if resp, err := c.Get(base + "/api"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s does not answer after %v", base, serverStartLimit)
}

// stop presses Ctrl-C: SIGINT to the terminal's foreground process group.
func (s *server) stop(t *testing.T, base string) {
	t.Helper()
	start := time.Now()
	if err := syscall.Kill(-s.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		s.exited = true
		// make, interrupted too, reports it once the server has exited.
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Errorf("make run: %v", err)
		}
	case <-time.After(stopLimit):
		t.Fatalf("still running %v after Ctrl-C", stopLimit)
	}
	t.Logf("Ctrl-C to exit: %v", time.Since(start).Round(time.Millisecond))
	out := s.output()
	for _, want := range []string{fmt.Sprintf("Shutting down %d kernel", len(s.kernels))} {
		if !strings.Contains(out, want) {
			t.Errorf("server output lacks %q after Ctrl-C", want)
		}
	}
	if strings.Contains(out, "Traceback") || strings.Contains(out, "Shutdown this notebook server") {
		t.Errorf("Ctrl-C did not stop the server cleanly and at once")
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		c.Close()
		t.Errorf("%s still answers after Ctrl-C", base)
	}
	if pids := s.kernelPIDs(); len(pids) > 0 {
		t.Errorf("kernel processes %v outlive the server", pids)
	}
}

// kernelPIDs finds the processes started with one of this server's kernel
// connection files (kernels run in their own sessions, out of the group).
func (s *server) kernelPIDs() []int {
	return processes(func(cmdline []byte) bool {
		for _, id := range s.kernels {
			if bytes.Contains(cmdline, []byte(filepath.Join(s.runtime, "kernel-"+id+".json"))) {
				return true
			}
		}
		return false
	})
}

// processes are the running processes whose command line (/proc/PID/cmdline:
// the arguments, each ended by a NUL) satisfies match.
func processes(match func(cmdline []byte) bool) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && match(cmdline) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func (s *server) killKernels(t *testing.T) {
	for _, pid := range s.kernelPIDs() {
		t.Logf("killing leftover kernel process %d", pid)
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// openPTY opens a new pseudo-terminal pair.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		master.Close()
		return nil, nil, e
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, master.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		master.Close()
		return nil, nil, e
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}

func setPgid(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

// ---- the REST API ----

type response struct {
	code   int
	header http.Header
	body   []byte
}

func request(t *testing.T, method, url, token string, body any) response {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	c := http.Client{
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func (r response) json(t *testing.T, code int, v any) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, r.body)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
}

// checkServedFolder: the server's root is the user's own copy of the
// workbook, made from the student copy (so a student's edits never touch
// the repository), and each of its notebooks asks for the golocks kernel.
func checkServedFolder(t *testing.T, root, workbook, base, token string) {
	t.Helper()
	copies, _ := filepath.Glob(filepath.Join(root, "notebooks", "student", "*.ipynb"))
	for _, src := range copies {
		a, _ := os.ReadFile(src)
		b, err := os.ReadFile(filepath.Join(workbook, filepath.Base(src)))
		if err != nil || string(a) != string(b) {
			t.Errorf("%s: not copied from the student copy into %s (%v)", filepath.Base(src), workbook, err)
		}
	}
	student := filepath.Join(root, "notebooks", "student")
	ents, err := os.ReadDir(student)
	if err != nil {
		t.Fatalf("the workbook's student copy: %v (make notebooks generates it; until then make run serves notebooks/)", err)
	}
	var want []string
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), ".") {
			want = append(want, e.Name())
		}
	}
	var listing struct {
		Type    string
		Content []struct{ Name, Type string }
	}
	request(t, "GET", base+"/api/contents", token, nil).json(t, http.StatusOK, &listing)
	var got, notebooks []string
	for _, c := range listing.Content {
		got = append(got, c.Name)
		if c.Type == "notebook" {
			notebooks = append(notebooks, c.Name)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("served folder lists %q, want notebooks/student/'s %q", got, want)
	}
	if len(notebooks) == 0 {
		t.Errorf("no notebook in the served folder")
	}
	for _, nb := range notebooks {
		var doc struct {
			Content struct {
				Metadata struct {
					Kernelspec struct{ Name string }
				}
			}
		}
		request(t, "GET", base+"/api/contents/"+nb, token, nil).json(t, http.StatusOK, &doc)
		if k := doc.Content.Metadata.Kernelspec.Name; k != "golocks" {
			t.Errorf("%s asks for kernel %q, want golocks", nb, k)
		}
	}
	t.Logf("served: %d notebooks", len(notebooks))
}
