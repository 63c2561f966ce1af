//go:build e2e

package kernel

// Kernels started, used and shut down concurrently through one Jupyter
// server, as a class's students do through JupyterHub (scripts/class*):
// no kernel dies, every shutdown is answered and leaves no process behind,
// workers included, also when the session closes while a cell runs a pool.
// A kernel of a class once died this way under load: Jupyter's server asks
// a new kernel for its kernel_info on a connection it closes at the first
// reply, and the kernel ended itself when a reply could not be sent
// (gophernotes patch 13). TestLostReplies (alive_test.go) reproduces that
// cause directly.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/jupytertest"
)

// churnPlan is what each session runs: the student's own work, locked, in
// two worker processes; on odd rounds the session is then closed while a
// cell waits for two workers that sleep, or for a command (churnSleep).
var churnPlan = map[string]any{
	"cells": []string{`import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/runtime/pool"
)

// work adds n to the count in path, one at a time, under a file lock.
func work(n int, path string) error {
	lock := filelock.New(path + ".lock")
	for i := 0; i < n; i++ {
		if err := lock.Lock(); err != nil {
			return err
		}
		b, _ := os.ReadFile(path)
		c, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		err := os.WriteFile(path, []byte(strconv.Itoa(c+1)+"\n"), 0o644)
		lock.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// hang sleeps in a worker process until it is killed.
func hang(n int, path string) error {
	fmt.Println("ready")
	time.Sleep(time.Hour)
	return nil
}
fmt.Println("set up")`,
		`os.Remove("count.txt")
err := pool.New(2).Map(work, []int{20, 30}, "count.txt")
b, _ := os.ReadFile("count.txt")
fmt.Println("count", strings.TrimSpace(string(b)), err)`},
	"running": []string{
		`pool.New(2).Map(hang, []int{1, 2}, "x")`,
		"$ sh -c \"echo ready; exec " + churnSleep + "\"",
	},
}

// churnSleep is the command a cell runs when its session is closed: no
// other test runs it, so one left running is this test's.
const churnSleep = "sleep 3593"

// A churnRound is churn.py's report of one round.
type churnRound struct {
	Worker, Round int
	Cells         []struct {
		Status, Stdout string
		Error          *string
	}
	Died, Error  *string
	Delete       int
	Pids         []int
	Gone         *bool
	WhileRunning bool `json:"while_running"`
}

func TestKernelChurn(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	const workers, rounds = 2, 6
	srv := startNotebookServer(t, k, workers)

	plan, _ := json.Marshal(churnPlan)
	cmd := exec.Command(jupytertest.Python, filepath.Join(k.Root, "kernel", "churn.py"),
		srv.url, srv.token, kernelName, strconv.Itoa(workers), strconv.Itoa(rounds))
	cmd.Env, cmd.Dir, cmd.Stdin = k.Env, k.Dir, bytes.NewReader(plan)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("churn.py: %v\n%s\n%s\nserver log:\n%s", err, out, stderr.Bytes(), srv.log())
	}
	t.Logf("%d sessions, %d at a time: %v", workers*rounds, workers, time.Since(start).Round(time.Millisecond))

	seen := 0
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var r churnRound
		if err := json.Unmarshal(line, &r); err != nil || r.Cells == nil && r.Error == nil {
			continue // the last line, {"rounds": N}
		}
		seen++
		checkChurnRound(t, r)
	}
	if seen != workers*rounds {
		t.Errorf("%d rounds reported, want %d:\n%s", seen, workers*rounds, out)
	}
	// Every kernel and every worker of every session is gone: the kernel
	// binary of this test's private kernelspec runs nowhere.
	if left := waitGone(filepath.Join(k.Data, "kernels", kernelName, "bin", "golocks-kernel"), time.Minute); len(left) > 0 {
		t.Errorf("processes left after every session was closed: %q", left)
	}
	if left := waitGone(churnSleep, time.Minute); len(left) > 0 {
		t.Errorf("commands left running after their session was closed: %q", left)
	}
	if t.Failed() {
		t.Logf("server log (with the kernels' stderr):\n%s", srv.log())
	}
}

func checkChurnRound(t *testing.T, r churnRound) {
	t.Helper()
	where := fmt.Sprintf("worker %d, round %d", r.Worker, r.Round)
	if r.Died != nil {
		t.Errorf("%s: %s", where, *r.Died)
	}
	if r.Error != nil {
		t.Errorf("%s: %s", where, *r.Error)
	}
	want := 2
	if r.WhileRunning {
		want = 3
	}
	if len(r.Cells) != want {
		t.Errorf("%s: %d cells ran, want %d: %+v", where, len(r.Cells), want, r.Cells)
		return
	}
	if c := r.Cells[0]; c.Status != "ok" || !strings.Contains(c.Stdout, "set up") {
		t.Errorf("%s: setup cell: %s %q %v", where, c.Status, c.Stdout, c.Error)
	}
	if c := r.Cells[1]; c.Status != "ok" || !strings.Contains(c.Stdout, "count 50 <nil>") {
		t.Errorf("%s: the locked count: %s %q %v; want count 50", where, c.Status, c.Stdout, c.Error)
	}
	if r.WhileRunning && r.Cells[2].Status != "running" {
		t.Errorf("%s: the cell to close the session under: %+v; want it running", where, r.Cells[2])
	}
	if r.Delete != 204 {
		t.Errorf("%s: DELETE /api/sessions: %d, want 204", where, r.Delete)
	}
	if len(r.Pids) != 1 {
		t.Errorf("%s: kernel processes %v, want one", where, r.Pids)
	}
	if r.Gone == nil || !*r.Gone {
		t.Errorf("%s: the kernel (pid %v) still runs after its session was closed", where, r.Pids)
	}
}

// waitGone waits, at most limit, until no process runs binary (its first
// argument, or its whole command line), and returns the command lines of
// those still running.
func waitGone(binary string, limit time.Duration) []string {
	deadline := time.Now().Add(limit)
	for {
		var left []string
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			if _, err := strconv.Atoi(e.Name()); err != nil {
				continue
			}
			b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil {
				continue
			}
			args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
			if args[0] == binary || strings.Join(args, " ") == binary {
				left = append(left, e.Name()+": "+strings.Join(args, " "))
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A notebookServer is Jupyter Notebook serving k's kernel from a private
// folder, on a free port of 127.0.0.1, stopped when the test ends.
type notebookServer struct {
	url, token string
	logPath    string
}

func (s *notebookServer) log() string {
	b, _ := os.ReadFile(s.logPath)
	return tail(string(b), 30000)
}

// startNotebookServer starts `jupyter notebook` (Debian's jupyter-notebook)
// on a folder holding one subfolder per worker (w0, w1...), each session's
// kernel runs in its worker's.
func startNotebookServer(t *testing.T, k *jupytertest.Kernel, workers int) *notebookServer {
	t.Helper()
	root := filepath.Join(k.Dir, "served")
	for w := 0; w < workers; w++ {
		if err := os.MkdirAll(filepath.Join(root, "w"+strconv.Itoa(w)), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	tok := make([]byte, 16)
	rand.Read(tok)
	s := &notebookServer{url: "http://127.0.0.1:" + strconv.Itoa(port), token: hex.EncodeToString(tok),
		logPath: filepath.Join(k.Dir, "notebook-server.log")}
	logf, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-m", "notebook", "--no-browser", "--ip=127.0.0.1", "--port=" + strconv.Itoa(port), "--port-retries=0",
		"--notebook-dir=" + root, "--NotebookApp.token=" + s.token}
	if os.Geteuid() == 0 {
		args = append(args, "--allow-root")
	}
	cmd := exec.Command(jupytertest.Python, args...)
	cmd.Env, cmd.Dir = k.Env, k.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group: stopped with everything it started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("jupyter notebook: %v", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(cmd.Process.Pid, syscall.SIGTERM) // it shuts its kernels down
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			t.Errorf("the notebook server did not stop within 30s of SIGTERM: killed")
		}
	})

	// Up when its API answers with the token.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/api/kernelspecs", nil)
		req.Header.Set("Authorization", "token "+s.token)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-done:
			t.Fatalf("the notebook server exited:\n%s", s.log())
		case <-ctx.Done():
			t.Fatalf("the notebook server did not answer on %s:\n%s", s.url, s.log())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
