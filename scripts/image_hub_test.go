//go:build e2e

package scripts_test

// TestImageHub runs the instructors' image under a hub: Debian's
// JupyterHub (as `make class` uses) with scripts/hub-podman_config.py,
// whose spawner starts each student's server as a podman container of the
// image (built here with scripts/image.sh, as TestImage builds it; podman's
// layer cache makes it quick after TestImage). Students log in as browsers
// do (the hub's login form, then its REST API), through
// scripts/class_student.py, as the class tests do:
//
//   - a first login starts the student's container: the student's work
//     folder on the host gets the workbook, the hub stops the server
//     through its REST API, and the container is gone;
//   - a second login starts a container on the same work folder (what the
//     student saved is there), locked down as TestImage runs it (uid
//     1000:100, no capabilities, no new privileges, read-only root, the
//     hub's settings in its environment, the host's network), and runs the
//     solution copy of notebook 1 to its end in it, over the hub's proxy
//     (the kernel's websocket at /user/NAME/), every test cell passing;
//     stopped through the hub's API, its container is gone;
//   - a server still running when the hub stops is stopped with it: no
//     container and no process of it is left.
//
// Without podman it skips, except under CI=true, where it fails.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/classload"
	"github.com/golocks/golocks/notebooks"
)

const hubStartLimit = 2 * time.Minute

// requireHub fails (never skips) without what the hub needs: the class
// tests' packages (scripts/install-deps.sh test) and root, which podman
// here needs.
func requireHub(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("the hub test needs root: podman runs the students' containers as root here")
	}
	for _, tool := range []string{"jupyterhub", "configurable-http-proxy"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: %v (scripts/install-deps.sh test installs Debian's jupyterhub and node-configurable-http-proxy)", tool, err)
		}
	}
	if out, err := exec.Command(python, "-c", "import websocket, nbformat").CombinedOutput(); err != nil {
		t.Fatalf("%s lacks websocket-client or nbformat (%v):\n%s\nrun scripts/install-deps.sh test", python, err, out)
	}
}

// podmanHub is a JupyterHub running scripts/hub-podman_config.py.
type podmanHub struct {
	url, state, prefix, password string
	cmd                          *exec.Cmd
	log                          *os.File
	done                         chan struct{}
	err                          error
}

func startPodmanHub(t *testing.T, image string, users []string) *podmanHub {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	h := &podmanHub{
		state:    filepath.Join(dir, "state"),
		prefix:   fmt.Sprintf("golocks-hubtest-%d", os.Getpid()),
		password: fmt.Sprintf("hub-test-%d-%d", os.Getpid(), time.Now().UnixNano()),
		done:     make(chan struct{}),
	}
	sweepHubTestContainers(t)
	pwFile := filepath.Join(dir, "password")
	if err := os.WriteFile(pwFile, []byte(h.password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port, hubPort, proxyPort := freePort(t), freePort(t), freePort(t)
	h.url = fmt.Sprintf("http://127.0.0.1:%d", port)
	var err error
	if h.log, err = os.Create(filepath.Join(dir, "hub.log")); err != nil {
		t.Fatal(err)
	}
	h.cmd = exec.Command("jupyterhub", "-f", filepath.Join(root, "scripts", "hub-podman_config.py"))
	h.cmd.Dir = dir
	h.cmd.Env = append(os.Environ(),
		"GOLOCKS_HUB_IMAGE="+image,
		"GOLOCKS_HUB_STATE="+h.state,
		"GOLOCKS_HUB_CONTAINER_PREFIX="+h.prefix,
		"GOLOCKS_HUB_USERS="+strings.Join(users, ","),
		"GOLOCKS_HUB_PASSWORD_FILE="+pwFile,
		"GOLOCKS_HUB_PORT="+strconv.Itoa(port),
		"GOLOCKS_HUB_HUB_PORT="+strconv.Itoa(hubPort),
		"GOLOCKS_HUB_PROXY_API_PORT="+strconv.Itoa(proxyPort))
	h.cmd.Stdout, h.cmd.Stderr = h.log, h.log
	// Its own process group; told to stop if the test process dies.
	h.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.err = h.cmd.Wait(); close(h.done) }()
	t.Cleanup(func() {
		h.stop(t)
		// Whatever the test did, no container of this hub stays.
		if left := h.containers(t); len(left) > 0 {
			exec.Command("podman", append([]string{"rm", "-f", "-t", "0"}, left...)...).Run()
		}
		if t.Failed() {
			t.Logf("the hub's log:\n%s", tailString(readFile(h.log.Name()), 20000))
			logs, _ := filepath.Glob(filepath.Join(h.state, "logs", "*.log"))
			for _, l := range logs {
				t.Logf("%s:\n%s", filepath.Base(l), tailString(readFile(l), 20000))
			}
		}
		h.log.Close()
	})

	deadline := time.Now().Add(hubStartLimit)
	for {
		if resp, err := http.Get(h.url + "/hub/api/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h
			}
		}
		select {
		case <-h.done:
			t.Fatalf("jupyterhub exited before answering (%v):\n%s", h.err, tailString(readFile(h.log.Name()), 5000))
		case <-time.After(250 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not answer on %s in %v:\n%s", h.url, hubStartLimit, tailString(readFile(h.log.Name()), 5000))
		}
	}
}

// stop stops the hub as Ctrl-C does (SIGINT); it stops the students'
// servers first. A hub that outlives its bound is killed with its group.
func (h *podmanHub) stop(t *testing.T) {
	t.Helper()
	select {
	case <-h.done:
		return
	default:
	}
	h.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-h.done:
	case <-time.After(2 * time.Minute):
		t.Errorf("the hub did not stop in 2 minutes of SIGINT: killed")
		killGroup(h.cmd)
		<-h.done
	}
}

// containers are the names of this hub's containers, running or not.
func (h *podmanHub) containers(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("podman", "ps", "-a", "--filter", "label=golocks.hub="+h.prefix, "--format", "{{.Names}}").Output()
	if err != nil {
		t.Fatalf("podman ps: %v", err)
	}
	return strings.Fields(string(out))
}

func (h *podmanHub) container(user string) string { return h.prefix + "-" + user }

func (h *podmanHub) work(user string) string { return filepath.Join(h.state, "work", user) }

// student runs scripts/class_student.py for user: it logs in, starts the
// server, and (unless noWait) calls ready once the server is ready, then
// runs the notebooks in the server's folder workbook, then stops the
// server through the hub's API. Returns its report.
func (h *podmanHub) student(t *testing.T, user, workbook string, nbs []string, ready func()) classload.StudentReport {
	t.Helper()
	args := []string{filepath.Join(repoRoot(t), "scripts", "class_student.py"), "--hub", h.url, "--user", user,
		"--workbook", workbook, "--cell-timeout", "300", "--timeout", "1500"}
	if ready == nil {
		args = append(args, "--no-wait")
	}
	cmd := exec.Command(python, append(args, nbs...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	setPgid(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	io.WriteString(stdin, h.password+"\n")
	lines := make(chan string)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	limit := time.After(30 * time.Minute)
	var done string
	for done == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				cmd.Wait()
				t.Fatalf("class_student.py %s ended without its report:\n%s", user, stderr.String())
			}
			var ev struct{ Event string }
			if json.Unmarshal([]byte(line), &ev) != nil {
				continue
			}
			switch ev.Event {
			case "ready":
				if ready != nil {
					ready()
					io.WriteString(stdin, "go\n")
				}
			case "done":
				done = line
			}
		case <-limit:
			killGroup(cmd)
			t.Fatalf("class_student.py %s still running after 30 minutes: killed:\n%s", user, stderr.String())
		}
	}
	stdin.Close()
	wg.Wait()
	if err := cmd.Wait(); err != nil {
		t.Errorf("class_student.py %s: %v\n%s", user, err, stderr.String())
	}
	var rep classload.StudentReport
	if err := json.Unmarshal([]byte(done), &rep); err != nil {
		t.Fatalf("class_student.py's report: %v\n%s", err, done)
	}
	if rep.Error != "" {
		t.Errorf("%s: %s\n%s", user, rep.Error, stderr.String())
	}
	return rep
}

func TestImageHub(t *testing.T) {
	requirePodman(t)
	requireHub(t)
	root := repoRoot(t)
	image := "localhost/golocks:hubtest"

	start := time.Now()
	build := exec.Command(filepath.Join(root, "scripts", "image.sh"))
	build.Env = append(os.Environ(), "ENGINE=podman", "IMAGE="+image)
	if out, err := runBoundedCmd(build, imageBuildLimit); err != nil {
		t.Fatalf("scripts/image.sh: %v\n%s", err, out)
	}
	t.Logf("scripts/image.sh (build): %v", time.Since(start).Round(time.Second))

	const user = "student1"
	h := startPodmanHub(t, image, []string{user})
	work := h.work(user)
	nb1 := notebooks.Names()[0]

	t.Run("strangers refused", func(t *testing.T) {
		for _, c := range []struct{ user, password string }{{user, "not-the-password"}, {"stranger", h.password}} {
			if hubLogin(t, h.url, c.user, c.password) {
				t.Errorf("%s logged in with password %q", c.user, c.password)
			}
		}
	})

	t.Run("first login", func(t *testing.T) {
		rep := h.student(t, user, "", nil, nil)
		if fmt.Sprint(rep.Workbook) != fmt.Sprint(notebooks.Names()) {
			t.Errorf("the server's folder holds %v, want the workbook %v", rep.Workbook, notebooks.Names())
		}
		for _, nb := range notebooks.Names() {
			st, err := os.Stat(filepath.Join(work, nb))
			if err != nil {
				t.Errorf("the student's work folder on the host: %v", err)
			} else if s := st.Sys().(*syscall.Stat_t); s.Uid != 1000 || s.Gid != 100 {
				t.Errorf("%s belongs to %d:%d, want the image's student 1000:100", nb, s.Uid, s.Gid)
			}
		}
		if left := h.containers(t); len(left) > 0 {
			t.Errorf("the hub stopped the server, yet its container is left: %v", left)
		}
	})
	if t.Failed() {
		t.FailNow()
	}

	// What the student saved before: it must be there at the next start.
	mine := []byte(`{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}` + "\n")
	edited := filepath.Join(work, notebooks.Names()[1])
	if err := os.WriteFile(edited, mine, 0o644); err != nil {
		t.Fatal(err)
	}
	// The solution copy of notebook 1, where the student would upload it.
	if err := copyFile(filepath.Join(root, "notebooks", "solution", nb1), filepath.Join(work, "solution", nb1)); err != nil {
		t.Fatal(err)
	}
	chownStudent(t, work)

	t.Run("notebook 1 through the hub", func(t *testing.T) {
		ready := func() {
			checkHubContainer(t, h, user)
		}
		rep := h.student(t, user, "solution", []string{filepath.Join(root, "notebooks", "solution", nb1)}, ready)
		checkHubRun(t, rep, filepath.Join(root, "notebooks", "solution", nb1))
		if got, _ := os.ReadFile(edited); !bytes.Equal(got, mine) {
			t.Errorf("the notebook the student saved was replaced at the next start:\n%.300s", got)
		}
		if left := h.containers(t); len(left) > 0 {
			t.Errorf("the hub stopped the server, yet its container is left: %v", left)
		}
	})

	t.Run("hub stop", func(t *testing.T) {
		// A server running when the hub stops: its container goes too.
		c := hubClient(t)
		tok := hubToken(t, c, h.url, user, h.password)
		hubCall(t, c, "POST", h.url+"/hub/api/users/"+user+"/server", tok, http.StatusCreated, http.StatusAccepted)
		waitFor(t, 3*time.Minute, "the server ready", func(ready *bool) error {
			var m struct {
				Servers map[string]struct{ Ready bool }
			}
			body := hubCall(t, c, "GET", h.url+"/hub/api/users/"+user, tok, http.StatusOK)
			if err := json.Unmarshal(body, &m); err != nil {
				return err
			}
			*ready = m.Servers[""].Ready
			return nil
		}, func(ready *bool) bool { return *ready })
		procs := (&container{name: h.container(user)}).hostProcesses(t)
		h.stop(t)
		if left := h.containers(t); len(left) > 0 {
			t.Errorf("the hub stopped, yet its containers are left: %v", left)
		}
		for pid, cmdline := range procs {
			if now, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && bytes.Equal(now, cmdline) {
				t.Errorf("a process of the container is left after the hub stopped: %d %q", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
			}
		}
		if _, err := os.Stat(filepath.Join(work, nb1)); err != nil {
			t.Errorf("the student's work after the hub stopped: %v", err)
		}
	})
}

// checkHubContainer checks the running container of user's server: the
// image's, locked down, the hub's settings in its environment.
func checkHubContainer(t *testing.T, h *podmanHub, user string) {
	t.Helper()
	name := h.container(user)
	out, err := exec.Command("podman", "inspect", "--format",
		"{{.Config.User}}|{{.HostConfig.ReadonlyRootfs}}|{{.HostConfig.NetworkMode}}|{{.HostConfig.CapDrop}}|{{.HostConfig.SecurityOpt}}", name).CombinedOutput()
	if err != nil {
		t.Fatalf("podman inspect %s: %v\n%s", name, err, out)
	}
	t.Logf("%s: %s", name, strings.TrimSpace(string(out)))
	f := strings.Split(strings.TrimSpace(string(out)), "|")
	if len(f) != 5 || f[0] != "1000:100" || f[1] != "true" || f[2] != "host" || !strings.Contains(f[4], "no-new-privileges") {
		t.Errorf("podman inspect %s: %q, want user 1000:100, a read-only root, the host's network, no-new-privileges", name, out)
	}
	for _, c := range []struct{ cmd, want string }{
		{"id -u; id -g", "1000\n100\n"},
		{"grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status | tr -s '\\t ' ' '",
			"CapEff: 0000000000000000\nCapBnd: 0000000000000000\nNoNewPrivs: 1\n"},
		{"touch /home/jovyan/x 2>&1 | grep -o 'Read-only file system'", "Read-only file system\n"},
		{"echo $JUPYTERHUB_USER $JUPYTERHUB_SERVICE_PREFIX; [ -n \"$JUPYTERHUB_API_TOKEN\" ] && echo token",
			user + " /user/" + user + "/\ntoken\n"},
		{"test -f " + imageWork + "/solution/" + notebooks.Names()[0] + " && echo saved", "saved\n"},
	} {
		got, err := exec.Command("podman", "exec", name, "sh", "-c", c.cmd).CombinedOutput()
		if err != nil || string(got) != c.want {
			t.Errorf("in the container, %s: %q (%v), want %q", c.cmd, got, err, c.want)
		}
	}
}

// checkHubRun checks class_student.py's report of one notebook run to its
// end: every code cell ran, each test cell passed, no other cell failed
// (but those tagged raises-exception), the kernel alive at the end.
func checkHubRun(t *testing.T, rep classload.StudentReport, path string) {
	t.Helper()
	if len(rep.Notebooks) != 1 {
		t.Fatalf("ran %d notebooks, want 1 (%s)", len(rep.Notebooks), rep.Error)
	}
	nb := rep.Notebooks[0]
	if nb.Died != nil {
		t.Errorf("%s: %s", nb.Name, *nb.Died)
	}
	if nb.Hung != nil {
		t.Errorf("%s: %s", nb.Name, *nb.Hung)
	}
	if !nb.AliveAtEnd {
		t.Errorf("%s: the kernel did not answer at the end", nb.Name)
	}
	var src struct {
		Cells []struct {
			CellType string `json:"cell_type"`
		}
	}
	if err := json.Unmarshal(readFile(path), &src); err != nil {
		t.Fatal(err)
	}
	code := 0
	for _, c := range src.Cells {
		if c.CellType == "code" {
			code++
		}
	}
	tests, ran := 0, 0
	for _, c := range nb.Cells {
		if !c.Ran {
			continue
		}
		ran++
		raises := false
		for _, tag := range c.Tags {
			raises = raises || tag == "raises-exception"
		}
		switch {
		case c.Test:
			tests++
			if c.Error != "" || !strings.Contains(c.Text, "tests passed") {
				t.Errorf("%s: test cell %s failed: %s %s", nb.Name, c.ID, c.Error, tailString([]byte(c.Text), 300))
			}
		case c.Error != "" && !raises:
			t.Errorf("%s: cell %s: %s", nb.Name, c.ID, c.Error)
		case c.Status != "ok" && !raises:
			t.Errorf("%s: cell %s: execute_reply %q", nb.Name, c.ID, c.Status)
		}
	}
	if ran != code {
		t.Errorf("%s: %d of its %d code cells ran", nb.Name, ran, code)
	}
	if tests == 0 {
		t.Errorf("%s: no test cell ran", nb.Name)
	}
	t.Logf("%s through the hub: %d cells, %d test cells passed, %.1fs (login %.2fs, server start %.2fs)",
		nb.Name, ran, tests, nb.Seconds, rep.LoginS, rep.SpawnS)
}

// ---- the hub's HTTP API, as a browser and a script use it ----

func hubClient(t *testing.T) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// hubLogin posts the login form and reports whether the hub let user in.
func hubLogin(t *testing.T, hub, user, password string) bool {
	t.Helper()
	resp, err := hubClient(t).PostForm(hub+"/hub/login", url.Values{"username": {user}, "password": {password}})
	if err != nil {
		t.Fatalf("POST /hub/login: %v", err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "jupyterhub-session-id" && resp.StatusCode == http.StatusFound {
			return true
		}
	}
	return false
}

// hubToken logs user in with c (the form) and gets an API token.
func hubToken(t *testing.T, c *http.Client, hub, user, password string) string {
	t.Helper()
	resp, err := c.PostForm(hub+"/hub/login", url.Values{"username": {user}, "password": {password}})
	if err != nil {
		t.Fatalf("POST /hub/login: %v", err)
	}
	resp.Body.Close()
	body, _ := json.Marshal(map[string]any{"auth": map[string]string{"username": user, "password": password}, "note": "golocks hub test", "expires_in": 3600})
	var tok struct{ Token string }
	if err := json.Unmarshal(hubCallBody(t, c, "POST", hub+"/hub/api/users/"+user+"/tokens", "", body, http.StatusOK, http.StatusCreated), &tok); err != nil || tok.Token == "" {
		t.Fatalf("no token for %s: %v", user, err)
	}
	return tok.Token
}

func hubCall(t *testing.T, c *http.Client, method, u, token string, ok ...int) []byte {
	t.Helper()
	return hubCallBody(t, c, method, u, token, nil, ok...)
}

func hubCallBody(t *testing.T, c *http.Client, method, u, token string, body []byte, ok ...int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "token "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	for _, code := range ok {
		if resp.StatusCode == code {
			return b
		}
	}
	t.Fatalf("%s %s: HTTP %d, want %v: %.500s", method, u, resp.StatusCode, ok, b)
	return nil
}

func readFile(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}

func tailString(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// TestImageHubConfig checks that scripts/hub-podman_config.py refuses what
// would serve a class badly, saying why in one line, before the hub starts.
func TestImageHubConfig(t *testing.T) {
	requirePodman(t)
	requireHub(t)
	root := repoRoot(t)
	dir := t.TempDir()
	good, open, short := filepath.Join(dir, "good"), filepath.Join(dir, "open"), filepath.Join(dir, "short")
	for f, c := range map[string]struct {
		text string
		mode os.FileMode
	}{good: {"long enough password\n", 0o600}, open: {"long enough password\n", 0o644}, short: {"short\n", 0o600}} {
		if err := os.WriteFile(f, []byte(c.text), c.mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(f, c.mode) // whatever the umask
	}
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{[]string{"PASSWORD_FILE=" + good}, "need the students' names"},
		{[]string{"USERS=alice", "PASSWORD_FILE=" + open}, "can be read by others"},
		{[]string{"USERS=alice", "PASSWORD_FILE=" + short}, "shorter than 8 characters"},
		{[]string{"USERS=alice"}, "need GOLOCKS_HUB_PASSWORD_FILE"},
		{[]string{"USERS=alice,Bob!", "PASSWORD_FILE=" + good}, "not a student name (lower-case letters, digits, - and _): Bob!"},
		{[]string{"AUTH=ldap"}, "unknown authentication 'ldap'"},
		{[]string{"IP=0.0.0.0", "USERS=alice", "PASSWORD_FILE=" + good}, "serving on 0.0.0.0 needs TLS"},
		{[]string{"USERS=alice", "PASSWORD_FILE=" + good, "IMAGE=localhost/golocks:no-such-image"}, "podman has no image localhost/golocks:no-such-image"},
		{[]string{"USERS=alice", "PASSWORD_FILE=" + good, "CONTAINER_PREFIX=a b"}, "GOLOCKS_HUB_CONTAINER_PREFIX='a b'"},
	} {
		cmd := exec.Command("jupyterhub", "-f", filepath.Join(root, "scripts", "hub-podman_config.py"))
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOLOCKS_HUB_STATE="+filepath.Join(dir, "state"), "GOLOCKS_HUB_PORT="+strconv.Itoa(freePort(t)))
		for _, e := range tc.env {
			cmd.Env = append(cmd.Env, "GOLOCKS_HUB_"+e)
		}
		out, err := runBoundedCmd(cmd, time.Minute)
		line := strings.TrimSpace(string(out))
		if err == nil || strings.Contains(line, "\n") || !strings.HasPrefix(line, "golocks hub: ") || !strings.Contains(line, tc.want) {
			t.Errorf("jupyterhub -f hub-podman_config.py with %v: %v, want one line \"golocks hub: ...%s\":\n%s", tc.env, err, tc.want, out)
		}
	}
}

// sweepHubTestContainers removes the containers of earlier runs of this
// test whose process is gone (killed before its cleanup ran): their names
// carry that process's id.
func sweepHubTestContainers(t *testing.T) {
	t.Helper()
	out, err := exec.Command("podman", "ps", "-a", "--filter", "label=golocks.hub", "--format", `{{index .Labels "golocks.hub"}} {{.Names}}`).Output()
	if err != nil {
		t.Fatalf("podman ps: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		prefix, name, ok := strings.Cut(line, " ")
		pid, err := strconv.Atoi(strings.TrimPrefix(prefix, "golocks-hubtest-"))
		if !ok || err != nil || !strings.HasPrefix(prefix, "golocks-hubtest-") {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			t.Logf("removing %s, left by an earlier run (process %d is gone)", name, pid)
			exec.Command("podman", "rm", "-f", "-t", "0", name).Run()
		}
	}
}
