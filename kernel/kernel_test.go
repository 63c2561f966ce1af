package kernel

// The end-to-end test of the kernel: build it with `make install-kernel`
// into a private Jupyter folder, then drive it through Jupyter's own client
// (nbclient and jupyter_client, Debian's packages, run with /usr/bin/python3)
// with no Go toolchain on the PATH, and check what each notebook cell shows.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	kernelName = "golocks"
	python     = "/usr/bin/python3" // another python3 may come first on PATH, without Jupyter
	debianPkgs = "jupyter-nbconvert python3-nbclient jupyter-client python3-nbformat jupyter-notebook"
)

func TestKernel(t *testing.T) {
	requireJupyterClient(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "jupyter-data")

	// Build (seconds when nothing changed: make and the Go build cache) and
	// install into the private data dir. The build itself needs Go; only
	// the Jupyter side below runs without it.
	start := time.Now()
	build := exec.Command("make", "-C", root, "-f", "kernel/kernel.mk", "install-kernel", "JUPYTER_DATA_DIR="+data)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make install-kernel: %v\n%s", err, out)
	}
	t.Logf("make install-kernel: %v", time.Since(start).Round(time.Millisecond))
	spec := filepath.Join(data, "kernels", kernelName)
	checkKernelSpec(t, spec)

	env := jupyterEnv(t, dir, data)

	t.Run("kernel_info", func(t *testing.T) {
		out := runPython(t, env, dir, filepath.Join(root, "kernel", "kernel_info.py"), kernelName)
		var info struct {
			Seconds float64
			Reply   struct {
				Implementation string
				LanguageInfo   struct{ Name, Version string } `json:"language_info"`
			}
		}
		if err := json.Unmarshal(lastLine(out), &info); err != nil {
			t.Fatalf("kernel_info.py output: %v\n%s", err, out)
		}
		if info.Reply.LanguageInfo.Name != "go" {
			t.Errorf("kernel_info language_info.name = %q, want go\n%s", info.Reply.LanguageInfo.Name, out)
		}
		t.Logf("kernel start to first reply: %.3fs (%s, %s)", info.Seconds,
			info.Reply.Implementation, info.Reply.LanguageInfo.Version)
	})

	t.Run("notebook", func(t *testing.T) {
		testNotebook(t, root, dir, env)
	})
}

// requireJupyterClient fails (never skips) when the Jupyter client side is
// not installed: CI must install it.
func requireJupyterClient(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is needed to build the kernel: %v", err)
	}
	out, err := exec.Command(python, "-c", "import nbclient, nbformat, jupyter_client").CombinedOutput()
	if err != nil {
		t.Fatalf("Jupyter's client side is missing for %s (%v):\n%s\ninstall Debian's packages: apt-get install -y --no-install-recommends %s",
			python, err, out, debianPkgs)
	}
}

func checkKernelSpec(t *testing.T, spec string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(spec, "kernel.json"))
	if err != nil {
		t.Fatalf("installed kernelspec: %v", err)
	}
	var ks struct {
		Argv        []string
		DisplayName string `json:"display_name"`
		Language    string
		Env         map[string]string
	}
	if err := json.Unmarshal(raw, &ks); err != nil {
		t.Fatalf("kernel.json: %v\n%s", err, raw)
	}
	bin := filepath.Join(spec, "bin")
	if len(ks.Argv) != 2 || ks.Argv[0] != filepath.Join(bin, "golocks-kernel") || ks.Argv[1] != "{connection_file}" {
		t.Errorf("kernel.json argv = %q, want the installed binary and {connection_file}", ks.Argv)
	}
	if ks.Language != "go" || ks.DisplayName == "" || ks.Env["GOLOCKS_WORKER"] != filepath.Join(bin, "golocks") {
		t.Errorf("kernel.json = %s", raw)
	}
	for _, f := range []string{"bin/golocks-kernel", "bin/golocks", "logo-64x64.png"} {
		if _, err := os.Stat(filepath.Join(spec, f)); err != nil {
			t.Errorf("kernelspec: %v", err)
		}
	}
}

// jupyterEnv is the environment of the Jupyter client and so of the
// kernel: a private home and Jupyter folders, and a PATH without any
// folder that holds a `go` binary, so the kernel cannot fall back on the
// toolchain (gomacro would, to compile a package it lacks).
func jupyterEnv(t *testing.T, dir, data string) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "PATH", k == "HOME", strings.HasPrefix(k, "JUPYTER"), strings.HasPrefix(k, "GO"):
			continue
		}
		env = append(env, kv)
	}
	var path []string
	for _, d := range filepath.SplitList(os.Getenv("PATH")) {
		if st, err := os.Stat(filepath.Join(d, "go")); err == nil && !st.IsDir() {
			t.Logf("left out of the kernel's PATH: %s (has go)", d)
			continue
		}
		path = append(path, d)
	}
	env = append(env,
		"PATH="+strings.Join(path, string(os.PathListSeparator)),
		"HOME="+filepath.Join(dir, "home"),
		"JUPYTER_DATA_DIR="+data,
		"JUPYTER_PATH="+data,
		"JUPYTER_CONFIG_DIR="+filepath.Join(dir, "jupyter-config"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(dir, "jupyter-runtime"),
		"PYDEVD_DISABLE_FILE_VALIDATION=1", // quiets a debugger warning from ipykernel's python
	)
	for _, d := range path {
		if _, err := os.Stat(filepath.Join(d, "go")); err == nil {
			t.Fatalf("go still reachable in %s", d)
		}
	}
	return env
}

func runPython(t *testing.T, env []string, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python, args...)
	cmd.Env, cmd.Dir = env, dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

func lastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// A cell of the test notebook, and what its output must show.
type cell struct {
	id, src string
	check   func(t *testing.T, out output)
}

// output is what one executed cell showed.
type output struct {
	text  string // stdout and stderr streams, and the cell's result
	error string // the error output (a panic, a compile error), "" if none
}

func testNotebook(t *testing.T, root, dir string, env []string) {
	pkgs := goList(t, root, "./pkg/...")
	if len(pkgs) == 0 {
		t.Fatal("go list ./pkg/... found no packages")
	}
	cells := notebookCells(pkgs)

	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(work, "kernel-test.ipynb"), filepath.Join(dir, "kernel-test.out.ipynb")
	writeNotebook(t, in, cells)

	start := time.Now()
	summary := runPython(t, env, work, filepath.Join(root, "kernel", "run_notebook.py"), kernelName, in, out, "60")
	t.Logf("notebook, %d cells: %v; %s", len(cells), time.Since(start).Round(time.Millisecond), lastLine(summary))

	outs := readOutputs(t, out)
	if len(outs) != len(cells) {
		t.Fatalf("%d cells in, %d out", len(cells), len(outs))
	}
	for i, c := range cells {
		t.Run(c.id, func(t *testing.T) {
			o := outs[i]
			c.check(t, o)
			if t.Failed() {
				t.Logf("cell source:\n%s\noutput:\n%s\nerror: %s", c.src, o.text, o.error)
			}
		})
	}
}

// notebookCells is the test notebook. Cells end with a statement: a cell
// ending in an expression that returns values would also show those values.
func notebookCells(pkgs []string) []cell {
	cells := []cell{
		{"setup", `import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"
)

func show(args ...interface{}) { fmt.Println(args...) }
show("ready")`, wants("ready")},

		{"no-go", `if p, err := exec.LookPath("go"); err != nil {
	show("no go:", err)
} else {
	show("go found at", p)
}`, wants("no go:")},
	}
	for _, p := range pkgs {
		cells = append(cells, cell{"import-" + filepath.Base(p),
			fmt.Sprintf("import %q\nshow(\"imported\")", p), wants("imported")})
	}
	cells = append(cells, []cell{
		// The seed's Exercise 2: two real processes racing on one file.
		// Their messages must stream into this cell.
		{"unlocked", `os.Remove("parallel.txt")
errU := pool.New(2).Map("work", []int{1000, 2000}, "parallel.txt")
nU, errRU := counter.Read("parallel.txt")
show("unlocked:", nU, errU, errRU)`, func(t *testing.T, o output) {
			noError(t, o)
			if !strings.Contains(o.text, "File read error, starting to count from 0; error: ") {
				t.Error("no seed read-error message from the workers in this cell")
			}
			n := intAfter(t, o.text, `unlocked: (\d+) <nil> <nil>`)
			if n < 1 || n > 3000 {
				t.Errorf("unlocked count = %d, want 1..3000", n)
			}
			t.Logf("unlocked run counted %d of 3000, %d read errors", n,
				strings.Count(o.text, "File read error"))
		}},

		// Exercise 4: the same with the lock held for each whole call.
		{"locked", `os.Remove("locked.txt")
errL := pool.New(2).Map("work-locked", []int{1000, 2000}, "locked.txt", "locked.lock")
nL, errRL := counter.Read("locked.txt")
show("locked:", nL, errL, errRL)`, func(t *testing.T, o output) {
			noError(t, o)
			wantIn(t, o, "locked: 3000 <nil> <nil>")
			if strings.Contains(o.text, "File read error") {
				t.Error("read errors with the lock held")
			}
		}},

		// Exercise 8: a value in shared memory, its lock held around each
		// read-add-write, in two worker processes.
		{"shared-value", `os.Remove("value.bin")
v, errV := shared.OpenValue("value.bin")
errS := pool.New(2).Map("shared", []int{20000, 20000}, "locked", "value.bin")
show("shared:", v.Get(), errV, errS)
v.Close()
nG, errG := shared.Goroutines("mutex", 4, 10000)
show("goroutines:", nG, errG)`, func(t *testing.T, o output) {
			noError(t, o)
			wantIn(t, o, "shared: 40000 <nil> <nil>")
			wantIn(t, o, "goroutines: 40000 <nil>")
		}},

		// Standard-library symbols newer than gomacro's own tables.
		{"atomic", `var hits atomic.Int64
var wg sync.WaitGroup
for i := 0; i < 50; i++ {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := 0; j < 1000; j++ {
			hits.Add(1)
		}
	}()
}
wg.Wait()
var i32 atomic.Int32
var u64 atomic.Uint64
var flag atomic.Bool
i32.Add(3)
u64.Add(7)
flag.Store(true)
show("atomic:", hits.Load(), i32.Load(), u64.Load(), flag.Load())
once := sync.OnceFunc(func() { show("once") })
once()
once()
show("joined:", errors.Join(errors.New("a"), errors.New("b")) != nil)`, func(t *testing.T, o output) {
			noError(t, o)
			wantIn(t, o, "atomic: 50000 3 7 true")
			if n := strings.Count(o.text, "once\n"); n != 1 {
				t.Errorf("sync.OnceFunc ran %d times", n)
			}
			wantIn(t, o, "joined: true")
		}},

		// A panic in a cell is reported, and the kernel lives on.
		{"panic", `panic("boom from a cell")`, func(t *testing.T, o output) {
			if !strings.Contains(o.error, "boom from a cell") {
				t.Errorf("panic not reported as the cell's error: %q", o.error)
			}
		}},
		{"after-panic", `show("alive after panic")`, wants("alive after panic")},

		// A lock held in one cell makes the next cell's attempt time out
		// instead of hanging the kernel.
		{"lock-hold", `held := filelock.New("held.lock")
show("held:", held.Lock())`, wants("held: <nil>")},
		{"lock-timeout", `other := filelock.New("held.lock")
t0 := time.Now()
errT := other.LockTimeout(500 * time.Millisecond)
waited := time.Since(t0)
show("second lock:", errT)
show("is timeout:", errors.Is(errT, filelock.ErrTimeout), waited >= 400*time.Millisecond, waited < 5*time.Second)
show("unlock:", held.Unlock())`, func(t *testing.T, o output) {
			noError(t, o)
			wantIn(t, o, "second lock: lock ")
			wantIn(t, o, "timed out")
			wantIn(t, o, "is timeout: true true true")
			wantIn(t, o, "unlock: <nil>")
		}},

		// A panic in a pool goroutine comes back as an error.
		{"mapfunc-panic", `errM := pool.New(2).MapFunc(func(n int) error {
	if n == 2 {
		panic("boom in a pool goroutine")
	}
	return nil
}, []int{1, 2, 3})
show("mapfunc:", errM)`, func(t *testing.T, o output) {
			noError(t, o)
			wantIn(t, o, "mapfunc: ")
			wantIn(t, o, "boom in a pool goroutine")
		}},
		{"after-mapfunc", `show("alive after MapFunc")`, wants("alive after MapFunc")},
	}...)
	return cells
}

func wants(s string) func(*testing.T, output) {
	return func(t *testing.T, o output) {
		noError(t, o)
		wantIn(t, o, s)
	}
}

func noError(t *testing.T, o output) {
	t.Helper()
	if o.error != "" {
		t.Errorf("cell error: %s", o.error)
	}
}

func wantIn(t *testing.T, o output, s string) {
	t.Helper()
	if !strings.Contains(o.text, s) {
		t.Errorf("output lacks %q", s)
	}
}

func intAfter(t *testing.T, text, re string) int {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		t.Errorf("output lacks %s", re)
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func goList(t *testing.T, root, pattern string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{if ne .Name "main"}}{{.ImportPath}}{{end}}`, pattern)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	var pkgs []string
	for _, p := range strings.Fields(string(out)) {
		if !strings.Contains(p, "/internal/") && !strings.HasSuffix(p, "/internal") {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

// writeNotebook writes cells as an nbformat 4.5 notebook for our kernel.
func writeNotebook(t *testing.T, path string, cells []cell) {
	t.Helper()
	type nbCell struct {
		CellType       string         `json:"cell_type"`
		ID             string         `json:"id"`
		ExecutionCount *int           `json:"execution_count"`
		Metadata       map[string]any `json:"metadata"`
		Outputs        []any          `json:"outputs"`
		Source         string         `json:"source"`
	}
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{
			"kernelspec": map[string]string{"name": kernelName, "display_name": "Go (golocks)", "language": "go"},
		},
	}
	var cs []nbCell
	for _, c := range cells {
		cs = append(cs, nbCell{CellType: "code", ID: c.id, Metadata: map[string]any{}, Outputs: []any{}, Source: c.src})
	}
	nb["cells"] = cs
	b, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// multiline is nbformat's text: a string, or a list of strings to join.
type multiline string

func (m *multiline) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = multiline(s)
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*m = multiline(strings.Join(l, ""))
	return nil
}

func readOutputs(t *testing.T, path string) []output {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			Outputs []struct {
				OutputType string                     `json:"output_type"`
				Text       multiline                  `json:"text"`
				Data       map[string]json.RawMessage `json:"data"`
				Ename      string                     `json:"ename"`
				Evalue     string                     `json:"evalue"`
			}
		}
	}
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var outs []output
	for _, c := range nb.Cells {
		var o output
		for _, x := range c.Outputs {
			switch x.OutputType {
			case "stream":
				o.text += string(x.Text)
			case "execute_result", "display_data":
				var plain multiline
				if raw, ok := x.Data["text/plain"]; ok && json.Unmarshal(raw, &plain) == nil {
					o.text += string(plain)
				}
			case "error":
				o.error += x.Ename + ": " + x.Evalue
			}
		}
		outs = append(outs, o)
	}
	return outs
}
