//go:build e2e

package scripts_test

// The tests of `make class` (scripts/class.sh): a real JupyterHub from
// Debian's packages serving the workbook to students who are real local
// users (made and removed here: root is needed, as CI has), driven as
// browsers drive it (the hub's login form and REST API, the kernel's
// websocket through the hub's proxy), through internal/classload. They
// check what the class gets, not how fast: the load figures are
// `make bench`'s. The hub, its proxy and every student's server and kernel
// are stopped at the end, on failure too, and none may be left behind.

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/classload"
)

// requireClass fails (never skips) when what serving a class needs is
// missing: CI runs as root and installs the rest with
// scripts/install-deps.sh test.
func requireClass(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("the class tests need root (CI runs as root): they create local users and start a JupyterHub that serves them")
	}
	for _, tool := range []string{"jupyterhub", "configurable-http-proxy", "jupyterhub-singleuser", "useradd", "userdel", "groupadd", "chpasswd", "make", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: %v (scripts/install-deps.sh test installs Debian's jupyterhub and node-configurable-http-proxy)", tool, err)
		}
	}
	if out, err := exec.Command(python, "-c", "import websocket, nbformat, jupyterhub").CombinedOutput(); err != nil {
		t.Fatalf("%s lacks websocket-client, nbformat or jupyterhub (%v):\n%s\nrun scripts/install-deps.sh test", python, err, out)
	}
}

// startClass starts a class for the test, closed (and checked for
// leftovers) when the test ends.
func startClass(t *testing.T, o classload.Options) *classload.Class {
	t.Helper()
	o.Root = repoRoot(t)
	// Its own kernel build, so it races no other test's build.
	o.KernelBuild = filepath.Join(t.TempDir(), "kernel-build")
	start := time.Now()
	c, err := classload.Start(o)
	if err != nil {
		t.Fatalf("start the class: %v", err)
	}
	t.Logf("class of %d served at %s after %v", o.Students, c.URL(), time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("stopping the class: %v", err)
		}
		// After Close, which stops every process and keeps their logs:
		// they are whole. A kernel's stderr is in its student's server log.
		if t.Failed() {
			t.Logf("the hub's log:\n%s", c.HubLog(20000))
			for _, s := range append(c.Students(), c.Outsiders()...) {
				if l := c.ServerLog(s.Name, 30000); l != "" {
					t.Logf("%s's server log (with their kernels' stderr):\n%s", s.Name, l)
				}
			}
		}
	})
	return c
}

func solutionNotebooks(t *testing.T) []string {
	t.Helper()
	nbs, err := filepath.Glob(filepath.Join(repoRoot(t), "notebooks", "solution", "*.ipynb"))
	if err != nil || len(nbs) == 0 {
		t.Fatalf("no solution notebooks: %v", err)
	}
	sort.Strings(nbs)
	return nbs
}

func TestClass(t *testing.T) {
	requireClass(t)
	c := startClass(t, classload.Options{Students: 2, Outsiders: 1})
	students := c.Students()

	t.Run("loopback only", func(t *testing.T) {
		u, _ := url.Parse(c.URL())
		for _, ip := range hostAddrs(t) {
			if conn, err := net.DialTimeout("tcp", net.JoinHostPort(ip, u.Port()), 2*time.Second); err == nil {
				conn.Close()
				t.Errorf("the hub answers on %s: by default it must listen on 127.0.0.1 only", ip)
			}
		}
	})

	t.Run("strangers refused", func(t *testing.T) {
		if loginForm(t, c, students[0].Name, "not-the-password") {
			t.Errorf("%s logged in with a wrong password", students[0].Name)
		}
		out := c.Outsiders()[0]
		if loginForm(t, c, out.Name, out.Password) {
			t.Errorf("%s, who is not in the class's group, logged in", out.Name)
		}
	})

	t.Run("students at once", func(t *testing.T) {
		rep, err := c.Run(classload.RunOptions{
			Students:    len(students),
			Notebooks:   solutionNotebooks(t),
			CellTimeout: 5 * time.Minute,
			Timeout:     25 * time.Minute,
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Problems() {
			t.Error(p)
		}
		lat := rep.Latencies()
		t.Logf("%d students ran %d notebooks each in %v; %d cells", len(rep.Students), len(rep.Notebooks), rep.Wall.Round(time.Millisecond), len(lat))
		for _, s := range rep.Students {
			t.Logf("%s: login %.2fs, server %.2fs, notebooks %.1fs, peak memory %d MiB %v",
				s.Student.Name, s.LoginS, s.SpawnS, s.RunS, s.Memory.Total>>20, s.Memory.By)
			if s.Memory.Total == 0 {
				t.Errorf("%s: no memory sampled: the student's processes were never seen", s.Student.Name)
			}
		}
	})

	t.Run("their work is kept", func(t *testing.T) {
		// A student's edited notebook survives the next login; a deleted
		// one comes back.
		s := students[0]
		wb := filepath.Join(s.Home, "golocks-workbook")
		edited, deleted := filepath.Join(wb, "1-file-writing-conflicts.ipynb"), filepath.Join(wb, "2-locking-files.ipynb")
		mine := []byte(`{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}` + "\n")
		if err := os.WriteFile(edited, mine, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(edited, s.UID, -1); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(deleted); err != nil {
			t.Fatal(err)
		}
		rep, err := c.Run(classload.RunOptions{Students: 1, NoWait: true, Timeout: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range rep.Problems() {
			t.Error(p)
		}
		if got, _ := os.ReadFile(edited); !bytes.Equal(got, mine) {
			t.Errorf("the student's own %s was overwritten at login:\n%.300s", edited, got)
		}
		if st, err := os.Stat(deleted); err != nil {
			t.Errorf("the deleted notebook was not given back at login: %v", err)
		} else if st.Sys().(*syscall.Stat_t).Uid != uint32(s.UID) {
			t.Errorf("the notebook given back belongs to uid %d, not the student", st.Sys().(*syscall.Stat_t).Uid)
		}
	})

	t.Run("nothing left behind", func(t *testing.T) {
		if err := c.Close(); err != nil {
			t.Errorf("stopping the class: %v", err)
		}
		for _, s := range append(students, c.Outsiders()...) {
			if _, err := exec.Command("id", s.Name).Output(); err == nil {
				t.Errorf("user %s still exists", s.Name)
			}
		}
	})
}

// TestClassWorkshop serves a workshop: one shared password, over HTTPS.
func TestClassWorkshop(t *testing.T) {
	requireClass(t)
	c := startClass(t, classload.Options{Students: 1, Outsiders: 1, Auth: "shared-password", TLS: true})
	if !strings.HasPrefix(c.URL(), "https://127.0.0.1:") {
		t.Fatalf("hub URL %s, want https on 127.0.0.1", c.URL())
	}
	rep, err := c.Run(classload.RunOptions{Students: 1, NoWait: true, Timeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rep.Problems() {
		t.Error(p)
	}
	s, out := c.Students()[0], c.Outsiders()[0]
	if loginForm(t, c, s.Name, s.Password) {
		t.Errorf("%s logged in with their own password: the workshop takes the shared one only", s.Name)
	}
	if loginForm(t, c, out.Name, c.SharedPassword()) {
		t.Errorf("%s, outside the class's group, logged in with the shared password", out.Name)
	}
	if !loginForm(t, c, s.Name, c.SharedPassword()) {
		t.Errorf("%s could not log in with the shared password", s.Name)
	}
}

// loginForm posts the hub's login form as a browser does and reports
// whether the hub let the user in (a redirect and a session cookie).
func loginForm(t *testing.T, c *classload.Class, user, password string) bool {
	t.Helper()
	resp, err := c.HTTPClient(60*time.Second).PostForm(c.URL()+"/hub/login", url.Values{"username": {user}, "password": {password}})
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

// TestClassFlags checks that class.sh refuses what would serve a class
// badly, in one line, before installing or starting anything.
func TestClassFlags(t *testing.T) {
	requireClass(t)
	root := repoRoot(t)
	dir := t.TempDir()
	weak := filepath.Join(dir, "weak")
	open := filepath.Join(dir, "open")
	os.WriteFile(weak, []byte("short\n"), 0o600)
	os.WriteFile(open, []byte("long enough password\n"), 0o644)
	state := filepath.Join(dir, "state")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--ip", "0.0.0.0"}, "needs TLS"},
		{[]string{"--ssl-cert", weak}, "give both --ssl-cert and --ssl-key"},
		{[]string{"--auth", "ldap"}, "must be pam or shared-password"},
		{[]string{"--auth", "shared-password"}, "needs --password-file"},
		{[]string{"--auth", "shared-password", "--password-file", open}, "can be read by others"},
		{[]string{"--auth", "shared-password", "--password-file", weak}, "shorter than 8 characters"},
		{[]string{"--password-file", weak}, "goes with --auth shared-password"},
		{[]string{"--port", "http"}, "must be a number"},
		{[]string{"--port", "70000"}, "no such port"},
		{[]string{"--group", "no-such-group-golocks"}, "no group 'no-such-group-golocks'"},
		{[]string{"--bogus"}, "unknown flag --bogus"},
		{[]string{"--port"}, "--port needs a value"},
	} {
		args := append([]string{"--no-install", "--state", state, "--prefix", filepath.Join(dir, "prefix")}, tc.args...)
		cmd := exec.Command(filepath.Join(root, "scripts", "class.sh"), args...)
		out, err := runBoundedCmd(cmd, time.Minute)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		var ee *exec.ExitError
		if !errors.As(err, &ee) || len(lines) != 1 || !strings.HasPrefix(lines[0], "golocks class: ") || !strings.Contains(lines[0], tc.want) {
			t.Errorf("class.sh %v: %v, want one line saying %q:\n%s", tc.args, err, tc.want, out)
		}
	}
	if _, err := os.Stat(state); err == nil {
		t.Errorf("class.sh made its state folder although it refused to serve")
	}

	// The config refuses plain HTTP on the network by itself too, for an
	// instructor who runs jupyterhub with it directly.
	port := freePort(t)
	cmd := exec.Command("jupyterhub", "-f", filepath.Join(root, "scripts", "class_config.py"))
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOLOCKS_CLASS_IP=0.0.0.0", "GOLOCKS_CLASS_PORT="+strconv.Itoa(port), "GOLOCKS_CLASS_STATE="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := runBoundedCmd(cmd, time.Minute)
	if err == nil || !strings.Contains(string(out), "serving on 0.0.0.0 needs TLS") {
		t.Errorf("jupyterhub -f class_config.py on 0.0.0.0 without TLS: %v, want it refused:\n%s", err, out)
	}
}

// A student closing a notebook whose kernel is being restarted (it died)
// gets HTTP 500 from Jupyter's server (jupyter_client 7.4 cannot shut down
// a kernel mid-restart). class_student.py tries again, a bounded number of
// times, so that the report says what happened (the kernel died), not that
// closing it failed; a 500 that persists is reported with the end of its
// traceback, where the error is.
func TestClassStudentClosesSessions(t *testing.T) {
	root := repoRoot(t)
	for _, tc := range []struct {
		name     string
		failures int // DELETEs answered 500 before one is answered 204
		wantErr  string
	}{
		{"after a restart", 2, ""},
		{"never", 1000, "InvalidStateError: Exception is not set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var deletes atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != "DELETE" || r.URL.Path != "/user/student/api/sessions/s1" || r.Header.Get("Authorization") != "token tok" {
					http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
					return
				}
				if int(deletes.Add(1)) <= tc.failures {
					w.WriteHeader(http.StatusInternalServerError)
					w.Write([]byte(`{"message": "Unhandled error", "reason": null, "traceback": "Traceback (most recent call last):\n  File \"multikernelmanager.py\", line 264\nasyncio.exceptions.InvalidStateError: Exception is not set.\n"}`))
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			script := `import sys, time
sys.path.insert(0, sys.argv[1])
import class_student as c
hub = c.Hub(sys.argv[2], "student", None, time.monotonic() + 60)
hub.token = "tok"
try:
    c.close_session(hub, "s1")
    print("closed")
except c.Failure as err:
    print("failure:", err)
`
			out, err := exec.Command(python, "-c", script, filepath.Join(root, "scripts"), srv.URL).CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if tc.wantErr == "" {
				if !strings.Contains(string(out), "closed") || int(deletes.Load()) != tc.failures+1 {
					t.Errorf("after %d 500s: %s(%d DELETEs); want it closed by the next", tc.failures, out, deletes.Load())
				}
			} else if !strings.Contains(string(out), "failure: DELETE") || !strings.Contains(string(out), tc.wantErr) || deletes.Load() < 2 || deletes.Load() > 100 {
				t.Errorf("always 500: %s(%d DELETEs); want a bounded number of tries, then the failure with the traceback's end", out, deletes.Load())
			}
		})
	}
}
