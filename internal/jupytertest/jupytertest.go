// Package jupytertest is the Jupyter plumbing of the end-to-end tests that
// drive the golocks kernel through Jupyter's own client: kernel/ (the
// kernel itself) and notebooks/ (the workbook), and the Python that
// scripts/ (make run) drives Jupyter with.
//
// Those tests build the kernel with `make install-kernel` into a private
// Jupyter folder, then run Jupyter's client side (nbclient and
// jupyter_client, Debian's packages) with private HOME and JUPYTER_*
// folders and no Go toolchain on the PATH, as on a student's machine, and
// read what each notebook cell showed. Test files cannot be imported across
// packages, hence this package; it is internal, and the kernel never sees
// it (the kernel binds pkg/ only).
package jupytertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// Python runs Jupyter's client side: Debian's python3, named by path
	// because another python3 (a virtualenv's, say) may come first on
	// PATH, without Jupyter.
	Python = "/usr/bin/python3"

	// KernelName is the kernelspec the kernel is installed as.
	KernelName = "golocks"

	// debianPkgs is what RequireClient says to install.
	debianPkgs = "jupyter-nbconvert python3-nbclient jupyter-client python3-nbformat jupyter-notebook"
)

// RequireClient fails (never skips) when make, which builds the kernel, or
// Jupyter's client side is not installed: CI must install them (`make
// deps`).
func RequireClient(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is needed to build the kernel: %v", err)
	}
	out, err := exec.Command(Python, "-c", "import nbclient, nbformat, jupyter_client").CombinedOutput()
	if err != nil {
		t.Fatalf("Jupyter's client side is missing for %s (%v):\n%s\ninstall Debian's packages: apt-get install -y --no-install-recommends %s",
			Python, err, out, debianPkgs)
	}
}

// Kernel is the kernel built and installed for one test into private
// Jupyter folders, with the environment that reaches it.
type Kernel struct {
	Root string   // the repository
	Dir  string   // the test's own temporary folder, holding the private HOME and Jupyter folders
	Data string   // the private JUPYTER_DATA_DIR: the kernelspec is Data/kernels/KernelName
	Env  []string // the environment of the Jupyter client and so of the kernel: see Env
}

// InstallKernel checks for the client side (RequireClient), then builds
// the kernel and installs it into a fresh private JUPYTER_DATA_DIR with
// `make install-kernel`: seconds when nothing changed (make and the Go
// build cache). The build itself needs Go; only what runs with k.Env does
// without it. It is called from a package folder one below the
// repository's root.
func InstallKernel(t *testing.T) *Kernel {
	t.Helper()
	RequireClient(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "jupyter-data")

	start := time.Now()
	args := []string{"-C", root, "-f", "kernel/kernel.mk", "install-kernel", "JUPYTER_DATA_DIR=" + data}
	race := os.Getenv(RaceEnv) != ""
	if race {
		// The race detector's kernel: its own build folder (race.go).
		args = append(args, "KERNEL_RACE=1", "KERNEL_BUILD="+filepath.Join(root, "build", "kernel-race"))
	}
	build := exec.Command("make", args...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make install-kernel: %v\n%s", err, out)
	}
	t.Logf("make install-kernel: %v", time.Since(start).Round(time.Millisecond))
	k := &Kernel{Root: root, Dir: dir, Data: data, Env: Env(t, dir, data)}
	if race {
		k.Env = append(k.Env, watchRaces(t, dir))
	}
	return k
}

// Env is the environment of the Jupyter client and so of the kernel: this
// one without GO* and JUPYTER* variables, a private home and Jupyter
// folders under dir (data is the JUPYTER_DATA_DIR), and a PATH without any
// folder that holds a `go` binary, so that the kernel proves it needs no
// toolchain, as on a student's machine (gomacro would otherwise fall back
// on it to compile a package it lacks). It fails if `go` is still
// reachable.
func Env(t *testing.T, dir, data string) []string {
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

// RunPython runs Python with args in the folder dir with the environment
// env and returns its standard output; it fails the test, with both
// outputs, if Python fails.
func RunPython(t *testing.T, env []string, dir string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(Python, args...)
	cmd.Env, cmd.Dir = env, dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return out
}

// RunNotebook runs the notebook in, in its own folder, on the kernel with
// kernel/run_notebook.py (nbclient): every cell, each limited to
// cellTimeout seconds, an error in a cell not stopping the run. It writes
// the executed notebook to out and returns its code cells (ReadCells) and
// run_notebook.py's summary line.
func (k *Kernel) RunNotebook(t *testing.T, in, out string, cellTimeout int) (cells []Cell, summary []byte) {
	t.Helper()
	stdout := RunPython(t, k.Env, filepath.Dir(in), filepath.Join(k.Root, "kernel", "run_notebook.py"),
		KernelName, in, out, strconv.Itoa(cellTimeout))
	return ReadCells(t, out), LastLine(stdout)
}

// LastLine is the last line of b that is not blank, without its
// surrounding space: the JSON summary the Python scripts print last.
func LastLine(b []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return lines[len(lines)-1]
}

// Cell is one executed code cell of a notebook.
type Cell struct {
	ID, Source string
	Tags       []string
	Text       string // stdout, stderr and the text of results
	Error      string // error outputs (a panic, a compile error); "not run" if it never ran
	Images     int    // image/png outputs (their text/plain is not in Text)
}

// HasTag reports whether the cell's metadata carries tag.
func (c Cell) HasTag(tag string) bool { return slices.Contains(c.Tags, tag) }

// ReadCells reads an executed notebook's code cells; it fails the test if
// there are none.
func ReadCells(t *testing.T, path string) []Cell {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := ParseCells(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cells
}

// ParseCells parses a notebook's JSON (nbformat 4) into its code cells: an
// error if it does not parse (a file read half-written, say) or has no
// code cells.
func ParseCells(raw []byte) ([]Cell, error) {
	var nb struct {
		Cells []struct {
			CellType string    `json:"cell_type"`
			ID       string    `json:"id"`
			Source   multiline `json:"source"`
			Metadata struct {
				Tags []string `json:"tags"`
			} `json:"metadata"`
			ExecutionCount *int `json:"execution_count"`
			Outputs        []struct {
				OutputType string                     `json:"output_type"`
				Text       multiline                  `json:"text"`
				Data       map[string]json.RawMessage `json:"data"`
				Ename      string                     `json:"ename"`
				Evalue     string                     `json:"evalue"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(raw, &nb); err != nil {
		return nil, err
	}
	var cells []Cell
	for _, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		x := Cell{ID: c.ID, Source: string(c.Source), Tags: c.Metadata.Tags}
		if c.ExecutionCount == nil {
			x.Error = "not run"
		}
		for _, o := range c.Outputs {
			switch o.OutputType {
			case "stream":
				x.Text += string(o.Text)
			case "execute_result", "display_data":
				if _, ok := o.Data["image/png"]; ok {
					x.Images++
					continue
				}
				var plain multiline
				if raw, ok := o.Data["text/plain"]; ok && json.Unmarshal(raw, &plain) == nil {
					x.Text += string(plain)
				}
			case "error":
				x.Error += o.Ename + ": " + o.Evalue
			}
		}
		cells = append(cells, x)
	}
	if len(cells) == 0 {
		return nil, errors.New("no code cells")
	}
	return cells, nil
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
