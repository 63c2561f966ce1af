//go:build e2e

package scripts_test

// TestImage builds the instructors' image from the root Dockerfile with
// scripts/image.sh (podman, the base images stood in by local builds of
// the same contents: see that script) and runs it as a class would, locked
// down: uid 1000 gid 100, --cap-drop=ALL, --security-opt no-new-privileges,
// a read-only root file system with a tmpfs on /tmp, and the work folder
// on a volume (a host folder here, so the test reads what was saved). Then:
//
//   - the server prints its ?token= URL, refuses requests without the
//     token, serves the golocks kernelspec and the student copy of the
//     workbook in ~/work;
//   - inside the container: the student is uid 1000 gid 100 with no
//     capabilities and no new privileges, / is read-only, there is no go
//     and no sudo;
//   - its HEALTHCHECK passes;
//   - every solution notebook runs top to bottom inside the container
//     through nbclient (kernel/run_notebook.py, as notebooks/ tests do on
//     the host) on the image's kernel, every test cell passing, Part 4 on
//     the container's own redis-server (workbooktest.Check);
//   - Chromium on the host opens the container's server with the printed
//     URL and runs notebook 1 with Run All, as browser_test.go does on
//     `make run`: the student copy (Run All stops at the first blank
//     exercise's test cell) and the solution copy (to its end), saving each;
//   - podman stop, with a kernel running, ends the container with its stop
//     signal (not the kill after the grace period), and no process of it
//     is left; started again, it serves the notebook the student saved;
//
// The image's size, the build's, the start's and the stop's durations go
// to the test log, never asserted (docs/benchmarks.md has the targets).
//
// Without podman it skips, saying how to install it, except under CI=true
// where it fails: CI installs podman (scripts/install-deps.sh test).

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/jupytertest"
	"github.com/golocks/golocks/internal/workbooktest"
	"github.com/golocks/golocks/notebooks"
)

const (
	// A cold build: the Debian base with mmdebstrap, the Go base, the
	// kernel and Debian's Jupyter packages (about 10 minutes on 2 cores).
	imageBuildLimit = 40 * time.Minute
	// The stop's grace period: a stop that needs it all ended in a kill.
	stopGrace = 10
	// Where the image installs the kernelspec.
	imageKernel = "/usr/local/share/jupyter/kernels/golocks/bin/golocks-kernel"
	imageWork   = "/home/jovyan/work"
)

// requirePodman skips the test without podman, or fails under CI.
func requirePodman(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("podman"); err != nil {
		msg := "podman is not installed: scripts/install-deps.sh image installs it (Debian's podman, as root)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

func TestImage(t *testing.T) {
	requirePodman(t)
	root := repoRoot(t)
	image := "localhost/golocks:test"

	start := time.Now()
	cmd := exec.Command(filepath.Join(root, "scripts", "image.sh"))
	cmd.Env = append(os.Environ(), "ENGINE=podman", "IMAGE="+image)
	out, err := runBoundedCmd(cmd, imageBuildLimit)
	if err != nil {
		t.Fatalf("scripts/image.sh: %v\n%s", err, out)
	}
	t.Logf("scripts/image.sh (build): %v", time.Since(start).Round(time.Second))
	var size int64
	if b, err := exec.Command("podman", "image", "inspect", "--format", "{{.Size}}", image).Output(); err == nil {
		size, _ = strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	t.Logf("image %s: %d MB", image, size/1e6)

	dir := t.TempDir()
	work := filepath.Join(dir, "work") // the volume: the student's work folder
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	chownStudent(t, work)
	port := freePort(t)
	name := fmt.Sprintf("golocks-test-%d", os.Getpid())
	c := &container{name: name, port: port}
	c.run(t, "podman", "run", "--name", name,
		"--user", "1000:100", "--cap-drop=ALL", "--security-opt", "no-new-privileges",
		"--read-only", "--tmpfs", "/tmp:rw,exec,mode=1777",
		"-v", work+":"+imageWork, "-p", fmt.Sprintf("127.0.0.1:%d:8888", port), image)
	t.Cleanup(func() { exec.Command("podman", "rm", "-f", "-t", "0", name).Run() })
	base, token := c.waitURL(t)
	up := c.waitKernelspec(t, base, token)
	t.Logf("container start to a served kernelspec: %v", up.Round(time.Millisecond))

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

	t.Run("workbook served", func(t *testing.T) {
		checkServedFolder(t, root, work, base, token)
	})

	t.Run("locked down", func(t *testing.T) {
		for _, c := range []struct{ cmd, want string }{
			{"id -u; id -g", "1000\n100\n"},
			{"grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status | tr -s '\\t ' ' '",
				"CapEff: 0000000000000000\nCapBnd: 0000000000000000\nNoNewPrivs: 1\n"},
			// jovyan owns its home: only the read-only root keeps it out.
			{"touch /home/jovyan/x 2>&1 | grep -o 'Read-only file system'", "Read-only file system\n"},
			{"command -v go sudo su-to-root || echo none", "none\n"},
			{"touch /tmp/x " + imageWork + "/.x && rm /tmp/x " + imageWork + "/.x && echo writable", "writable\n"},
		} {
			got, err := exec.Command("podman", "exec", name, "sh", "-c", c.cmd).CombinedOutput()
			if err != nil || string(got) != c.want {
				t.Errorf("in the container, %s: %q (%v), want %q", c.cmd, got, err, c.want)
			}
		}
	})

	t.Run("healthcheck", func(t *testing.T) {
		// The image's HEALTHCHECK, run by hand: podman schedules it with
		// systemd, which this machine lacks.
		if out, err := exec.Command("podman", "healthcheck", "run", name).CombinedOutput(); err != nil {
			t.Errorf("podman healthcheck run: %v\n%s", err, out)
		}
	})

	t.Run("solutions run inside", func(t *testing.T) {
		// The solution copies and the runner go into a folder of the
		// volume; the kernel and nbclient are the image's.
		run := filepath.Join(work, "nbclient")
		if err := os.Mkdir(run, 0o755); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{filepath.Join(root, "kernel", "run_notebook.py"): "run_notebook.py"}
		for _, nb := range notebooks.Names() {
			files[filepath.Join(root, "notebooks", "solution", nb)] = nb
		}
		for from, to := range files {
			if err := copyFile(from, filepath.Join(run, to)); err != nil {
				t.Fatal(err)
			}
		}
		chownStudent(t, run)
		t.Cleanup(func() { os.RemoveAll(run) })
		for _, nb := range notebooks.Names() {
			t.Run(strings.TrimSuffix(nb, ".ipynb"), func(t *testing.T) {
				start := time.Now()
				cmd := exec.Command("podman", "exec", "-w", imageWork+"/nbclient", name,
					"python3", "run_notebook.py", jupytertest.KernelName, nb, "out-"+nb, "120")
				out, err := runBoundedCmd(cmd, runAllLimit)
				if err != nil {
					t.Fatalf("run_notebook.py %s in the container: %v\n%s", nb, err, out)
				}
				t.Logf("%s in the container: %v (%s)", nb, time.Since(start).Round(time.Millisecond), jupytertest.LastLine(out))
				cells := jupytertest.ReadCells(t, filepath.Join(run, "out-"+nb))
				workbooktest.Check(t, "solution", nb, cells, workbooktest.EveryCell)
				workbooktest.CheckPictures(t, "solution", cells, jupytertest.ReadCells(t, filepath.Join(root, "notebooks", "solution", nb)), workbooktest.EveryCell)
				if nb == "4-beyond-one-machine.ipynb" {
					for _, c := range cells {
						if c.ID == "setup" && !strings.Contains(c.Text, "Redis server: ") {
							t.Errorf("Part 4's setup cell does not name its Redis server: %q", c.Text)
						}
					}
				}
			})
		}
	})

	nb1 := notebooks.Names()[0]
	t.Run("browser", func(t *testing.T) {
		requireChromium(t)
		out := filepath.Join(root, "build", "image-browser")
		if err := os.RemoveAll(out); err != nil {
			t.Fatal(err)
		}
		b := startBrowser(t, dir)
		j := &jupyter{srv: &c.server, root: root, base: base, token: token, workbook: work, out: out}
		tree := b.navigate(t, base+"/?token="+token) // the URL it printed
		j.keepOnFailure(t, tree, true)
		tree.waitTree(t, notebooks.Names())
		t.Run("student", func(t *testing.T) {
			// Run All stops at the first test cell, whose exercise is blank.
			nb := tree.clickToNewTab(t, `#notebook_list a.item_link[href$="/notebooks/`+nb1+`"]`, "/notebooks/"+nb1)
			j.keepOnFailure(t, nb, false)
			j.runAll(t, nb, "student", nb1)
		})
		t.Run("solution", func(t *testing.T) {
			// The solution copy, in a folder of the student's, to its end.
			sol := filepath.Join(work, "solution")
			if err := copyFile(filepath.Join(root, "notebooks", "solution", nb1), filepath.Join(sol, nb1)); err != nil {
				t.Fatal(err)
			}
			chownStudent(t, sol)
			js := *j
			js.workbook, js.dir = sol, "solution"
			tree := b.navigate(t, base+"/tree/solution?token="+token)
			js.keepOnFailure(t, tree, true)
			tree.waitTree(t, []string{"solution/" + nb1})
			nb := tree.clickToNewTab(t, `#notebook_list a.item_link[href$="/notebooks/solution/`+nb1+`"]`, "/notebooks/solution/"+nb1)
			js.keepOnFailure(t, nb, false)
			js.runAll(t, nb, "solution", nb1)
		})
	})

	t.Run("stop and restart", func(t *testing.T) {
		saved, err := os.ReadFile(filepath.Join(work, nb1))
		if err != nil {
			t.Fatal(err)
		}
		// A kernel running when the container stops: stopping it must
		// end the kernel too.
		var kernel struct{ ID string }
		request(t, "POST", base+"/api/kernels", token, map[string]string{"name": "golocks"}).json(t, http.StatusCreated, &kernel)
		waitFor(t, kernelStartLimit, "the kernel's process in the container", func(n *int) error {
			*n = len(c.hostProcesses(t))
			return nil
		}, func(n *int) bool { return *n >= 3 })
		c.stop(t)
		c.run(t, "podman", "start", "--attach", name)
		base, token := c.waitURL(t)
		c.waitKernelspec(t, base, token)
		var doc struct{ Content json.RawMessage }
		request(t, "GET", base+"/api/contents/"+nb1, token, nil).json(t, http.StatusOK, &doc)
		now, err := os.ReadFile(filepath.Join(work, nb1))
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(now) != sha256.Sum256(saved) {
			t.Errorf("%s changed across the restart", nb1)
		}
		if !bytes.Contains(doc.Content, []byte(`"outputs": [{`)) && !bytes.Contains(doc.Content, []byte(`"outputs":[{`)) {
			t.Errorf("after the restart the server serves %s without the outputs the student saved", nb1)
		}
		c.stop(t)
	})
}

// container is a podman container whose server runs as the child process
// of `podman run` or `podman start --attach`: the test reads its log there.
type container struct {
	server
	name string
	port int // published on 127.0.0.1
}

// run starts args (podman run or start --attach) as the container's
// foreground process.
func (c *container) run(t *testing.T, args ...string) {
	t.Helper()
	c.server = server{done: make(chan error, 1)}
	c.cmd = exec.Command(args[0], args[1:]...)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	setPgid(c.cmd)
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd, done := c.cmd, c.done
	go func() { done <- cmd.Wait() }()
	out := &c.out
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s output:\n%s", strings.Join(args, " "), out.String())
		}
	})
}

var containerURL = regexp.MustCompile(`http://127\.0\.0\.1:8888/\?token=([0-9a-f]{32,})`)

// waitURL waits for the ?token= URL the server prints (its port inside the
// container, 8888) and returns the published address and the token.
func (c *container) waitURL(t *testing.T) (base, token string) {
	t.Helper()
	deadline := time.Now().Add(serverStartLimit)
	for time.Now().Before(deadline) {
		if m := containerURL.FindStringSubmatch(c.output()); m != nil {
			return fmt.Sprintf("http://127.0.0.1:%d", c.port), m[1]
		}
		select {
		case err := <-c.done:
			c.exited = true
			t.Fatalf("the container exited before printing its URL: %v\n%s", err, c.output())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("no http://127.0.0.1:8888/?token=... URL after %v:\n%s", serverStartLimit, c.output())
	return "", ""
}

// waitKernelspec waits until the published port serves the golocks
// kernelspec, checks it, and returns how long after the start it did.
func (c *container) waitKernelspec(t *testing.T, base, token string) time.Duration {
	t.Helper()
	deadline := time.Now().Add(serverStartLimit)
	for {
		req, _ := http.NewRequest("GET", base+"/api/kernelspecs", nil)
		req.Header.Set("Authorization", "token "+token)
		cl := http.Client{Timeout: 2 * time.Second}
		if resp, err := cl.Do(req); err == nil {
			var specs struct {
				Kernelspecs map[string]struct {
					Spec struct {
						Argv     []string
						Language string
					}
				}
			}
			err := json.NewDecoder(resp.Body).Decode(&specs)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				ks, ok := specs.Kernelspecs["golocks"]
				if !ok || ks.Spec.Language != "go" || len(ks.Spec.Argv) == 0 || ks.Spec.Argv[0] != imageKernel {
					t.Fatalf("golocks kernelspec = %+v, want language go and %s", ks, imageKernel)
				}
				return c.since()
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s serves no kernelspec after %v:\n%s", base, serverStartLimit, c.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// since is how long ago the container last started, by podman's record.
func (c *container) since() time.Duration {
	b, err := exec.Command("podman", "inspect", "--format", "{{.State.StartedAt.UnixNano}}", c.name).Output()
	if err != nil {
		return -1
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return -1
	}
	return time.Since(time.Unix(0, ns))
}

// stop runs podman stop and checks that the stop signal ended the
// container (not the kill after the grace period) and that none of its
// processes is left on the host.
func (c *container) stop(t *testing.T) {
	t.Helper()
	procs := c.hostProcesses(t)
	start := time.Now()
	if out, err := exec.Command("podman", "stop", "-t", strconv.Itoa(stopGrace), c.name).CombinedOutput(); err != nil {
		t.Fatalf("podman stop: %v\n%s", err, out)
	}
	t.Logf("podman stop: %v (%d processes in the container)", time.Since(start).Round(time.Millisecond), len(procs))
	select {
	case <-c.done:
		c.exited = true
	case <-time.After(stopLimit):
		t.Fatalf("podman %s still running %v after the container stopped", c.cmd.Args[1], stopLimit)
	}
	b, err := exec.Command("podman", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", c.name).Output()
	if err != nil {
		t.Fatal(err)
	}
	status, code, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	if status != "exited" || code == "137" {
		t.Errorf("after podman stop the container is %s with exit code %s: the stop signal did not end it, the kill did", status, code)
	}
	var left []string
	for pid, cmdline := range procs {
		if now, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil && bytes.Equal(now, cmdline) {
			left = append(left, fmt.Sprintf("%d %q", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	if len(left) > 0 {
		t.Errorf("processes of the container left after podman stop:\n%s", strings.Join(left, "\n"))
	}
}

// hostProcesses are the container's processes by their host pid, with
// their command lines.
func (c *container) hostProcesses(t *testing.T) map[int][]byte {
	t.Helper()
	out, err := exec.Command("podman", "top", c.name, "hpid").Output()
	if err != nil {
		t.Fatalf("podman top: %v", err)
	}
	procs := map[int][]byte{}
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil {
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
				procs[pid] = b
			}
		}
	}
	if len(procs) == 0 {
		t.Fatalf("podman top %s hpid: no processes:\n%s", c.name, out)
	}
	return procs
}

// chownStudent gives path to the image's student, uid 1000 gid 100, as a
// hub gives a student's volume.
func chownStudent(t *testing.T, path string) {
	t.Helper()
	err := filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, 1000, 100)
	})
	if err != nil {
		t.Fatalf("chown 1000:100 %s: %v (the test runs as root, as podman here does)", path, err)
	}
}

// copyFile copies the file from to to, with its permissions, making to's
// folder.
func copyFile(from, to string) error {
	st, err := os.Stat(from)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(from)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(to), 0o755)
	}
	if err == nil {
		err = os.WriteFile(to, data, st.Mode().Perm())
	}
	return err
}

// runBoundedCmd runs cmd with its output collected, killing its process
// group when it outlives limit.
func runBoundedCmd(cmd *exec.Cmd, limit time.Duration) ([]byte, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	setPgid(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return []byte(out.String()), err
	case <-time.After(limit):
		killGroup(cmd)
		<-done
		return []byte(out.String()), fmt.Errorf("still running after %v: killed", limit)
	}
}
