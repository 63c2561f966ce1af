//go:build e2e

package notebooks

// The workbook's tests: the committed copies are up to date with their
// sources, and every notebook, solution and student copy, runs top to
// bottom in a fresh kernel through Jupyter's own client (nbclient, run with
// Debian's /usr/bin/python3, the kernel built and installed into a private
// Jupyter folder, no Go toolchain on its PATH), showing the results the
// workbook promises (internal/workbooktest). The Jupyter plumbing is
// internal/jupytertest, shared with kernel/.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/jupytertest"
	"github.com/golocks/golocks/internal/workbooktest"
)

// TestCopiesUpToDate fails when a committed copy no longer matches its
// source (run `make notebooks`), when a solution copy was not run or shows
// an error, or when a marker is misused: nbcopies.py check does it all.
func TestCopiesUpToDate(t *testing.T) {
	jupytertest.RequireClient(t)
	cmd := exec.Command(jupytertest.Python, "nbcopies.py", "check", "source", ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nbcopies.py check: %v\n%s", err, out)
	}
	for _, dir := range []string{"source", "solution", "student"} {
		for _, name := range Names() {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("missing notebook: %v", err)
			}
		}
	}
}

func TestNotebooks(t *testing.T) {
	k := jupytertest.InstallKernel(t)

	for _, copy := range []string{"solution", "student"} {
		for _, name := range Names() {
			t.Run(copy+"/"+strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
				cells := runNotebook(t, k, filepath.Join(copy, name))
				workbooktest.Check(t, copy, name, cells, workbooktest.EveryCell)
				workbooktest.CheckPictures(t, copy, cells, jupytertest.ReadCells(t, filepath.Join("solution", name)), workbooktest.EveryCell)
			})
		}
	}
}

// cell is one executed code cell of a notebook.
type cell = jupytertest.Cell

// runNotebook copies the notebook at rel (relative to this folder) into a
// fresh folder, so the files it writes start from nothing, runs it there
// with kernel/run_notebook.py and returns its code cells.
func runNotebook(t *testing.T, k *jupytertest.Kernel, rel string) []cell {
	t.Helper()
	src, err := os.ReadFile(rel)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	in, out := filepath.Join(work, filepath.Base(rel)), filepath.Join(t.TempDir(), "out.ipynb")
	if err := os.WriteFile(in, src, 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cells, summary := k.RunNotebook(t, in, out, 120)
	t.Logf("%s: %v (%s)", rel, time.Since(start).Round(time.Millisecond), summary)
	return cells
}
