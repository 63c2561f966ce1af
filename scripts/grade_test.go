//go:build e2e

package scripts_test

// The grader (scripts/grade.py) on submissions it must score differently:
// the solution copy (full marks), the blank student copy (zero for every
// exercise), a lock placed wrongly (the lock exercise fails with its
// message), a cell that hangs and a cell that kills the kernel (zero for
// the test cells not reached, saying why), and a student who rewrote one
// test cell and deleted another (the grader runs the instructor's). Each
// runs in a fresh kernel through nbclient; the submissions must come out
// untouched.

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/jupytertest"
)

// gradeReport is one line of grade.py --json.
type gradeReport struct {
	Path         string
	Score        float64
	MaxScore     float64 `json:"max_score"`
	ManualPoints float64 `json:"manual_points"`
	Error        *string
	Notes        []string
	Cells        []struct {
		GradeID  string `json:"grade_id"`
		Exercise string
		Points   float64
		Score    *float64
		Status   string
		Message  string
	}
}

func (r gradeReport) cell(t *testing.T, id string) (status, message string, score float64) {
	t.Helper()
	for _, c := range r.Cells {
		if c.GradeID == id {
			if c.Score != nil {
				score = *c.Score
			}
			return c.Status, c.Message, score
		}
	}
	t.Fatalf("%s: no graded cell %s in the report", r.Path, id)
	return
}

// editCell returns the notebook at src with edit applied to the source of
// the cell with id (which must change it), written to dst.
func editCell(t *testing.T, src, dst, id string, edit func(string) string) {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var nb map[string]any
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatal(err)
	}
	found := false
	cells := nb["cells"].([]any)
	kept := cells[:0]
	for _, c := range cells {
		cell := c.(map[string]any)
		if cell["id"] == id {
			found = true
			old := joinSource(cell["source"])
			if edit == nil { // delete the cell
				continue
			}
			if cell["source"] = edit(old); cell["source"] == old {
				t.Fatalf("%s: the edit of cell %s changed nothing", src, id)
			}
		}
		kept = append(kept, cell)
	}
	if !found {
		t.Fatalf("%s: no cell %s", src, id)
	}
	nb["cells"] = kept
	out, err := json.MarshalIndent(nb, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func joinSource(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var b strings.Builder
	for _, l := range v.([]any) {
		b.WriteString(l.(string))
	}
	return b.String()
}

var workbook = []string{
	"1-file-writing-conflicts.ipynb",
	"2-locking-files.ipynb",
	"3-locking-shared-variables.ipynb",
}

func TestGrade(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	root := k.Root
	nbs := filepath.Join(root, "notebooks")
	subs := filepath.Join(t.TempDir(), "submissions")
	for _, name := range workbook {
		if err := copyFile(filepath.Join(nbs, "solution", name), filepath.Join(subs, "solution", name)); err != nil {
			t.Fatal(err)
		}
		if err := copyFile(filepath.Join(nbs, "student", name), filepath.Join(subs, "blank", name)); err != nil {
			t.Fatal(err)
		}
	}
	const nb1, nb2 = "1-file-writing-conflicts.ipynb", "2-locking-files.ipynb"
	// The lock let go before work runs: HoldsLock sees work read the file
	// unlocked, whatever count the race leaves.
	editCell(t, filepath.Join(nbs, "solution", nb2), filepath.Join(subs, "wrong-lock", nb2), "locked", func(s string) string {
		return strings.Replace(s, "defer lock.Unlock()", "lock.Unlock()", 1)
	})
	editCell(t, filepath.Join(nbs, "solution", nb1), filepath.Join(subs, "hangs", nb1), "ex1-serial", func(s string) string {
		return s + "\nfor {\n}\n"
	})
	// The kernel ends os.Exit's cell, not itself (as ipykernel does with
	// sys.exit): a process that kills itself is what dies.
	editCell(t, filepath.Join(nbs, "solution", nb1), filepath.Join(subs, "dies", nb1), "ex2-parallel", func(s string) string {
		return s + "\nkernelProcess, _ := os.FindProcess(os.Getpid())\nkernelProcess.Kill()\n"
	})
	// A blank copy whose test cell was rewritten to pass, and another deleted.
	editCell(t, filepath.Join(nbs, "student", nb1), filepath.Join(subs, "edited", "tmp.ipynb"), "test-ex1", func(string) string {
		return `fmt.Println("Exercise 1: tests passed")`
	})
	editCell(t, filepath.Join(subs, "edited", "tmp.ipynb"), filepath.Join(subs, "edited", nb1), "test-ex2", nil)
	os.Remove(filepath.Join(subs, "edited", "tmp.ipynb"))

	before := snapshot(t, subs)
	start := time.Now()
	cmd := exec.Command(python, filepath.Join(root, "scripts", "grade.py"), "--json", "--cell-timeout", "60", subs)
	cmd.Env = k.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("grade.py: %v", time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("grade.py: %v\n%s\n%s", err, out, stderr.Bytes())
	}
	reports := map[string]gradeReport{}
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		var r gradeReport
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("grade.py --json line %q: %v", line, err)
		}
		rel, _ := filepath.Rel(subs, r.Path)
		reports[filepath.ToSlash(rel)] = r
	}
	if len(reports) != 10 {
		t.Errorf("%d reports, want 10 (one per notebook):\n%s", len(reports), out)
	}
	get := func(rel string) gradeReport {
		t.Helper()
		r, ok := reports[rel]
		if !ok {
			t.Fatalf("no report for %s", rel)
		}
		return r
	}

	t.Run("solution: full marks", func(t *testing.T) {
		for _, name := range workbook {
			r := get("solution/" + name)
			if r.Score != r.MaxScore || r.MaxScore == 0 || r.Error != nil {
				t.Errorf("%s: %v / %v, error %v; want full marks:\n%+v", name, r.Score, r.MaxScore, r.Error, r.Cells)
			}
			if r.ManualPoints == 0 {
				t.Errorf("%s: no manually graded answers listed", name)
			}
		}
	})
	t.Run("blank: zero, with messages", func(t *testing.T) {
		for _, name := range workbook {
			r := get("blank/" + name)
			if r.Score != 0 || r.MaxScore == 0 {
				t.Errorf("%s: %v / %v, want 0", name, r.Score, r.MaxScore)
			}
			for _, c := range r.Cells {
				if c.Status != "manual" && (c.Status != "failed" || c.Message == "" || strings.Contains(c.Message, "undefined")) {
					t.Errorf("%s %s: %s %q; want failed with a message for the student", name, c.GradeID, c.Status, c.Message)
				}
			}
		}
	})
	t.Run("wrong lock placement", func(t *testing.T) {
		r := get("wrong-lock/" + nb2)
		status, msg, score := r.cell(t, "test-ex4")
		if status != "failed" || score != 0 || !strings.Contains(msg, "lockedWork read the counter file while counter.lock was free") {
			t.Errorf("test-ex4: %s (%v points) %q; want it failed because work read the file unlocked", status, score, msg)
		}
		// Exercise 5 times the same lockedWork: its locked count is exact
		// only if the race happened to lose nothing. Every other
		// exercise is right.
		for _, c := range r.Cells {
			switch c.GradeID {
			case "test-ex4", "test-ex5":
			default:
				if c.Status != "passed" && c.Status != "manual" {
					t.Errorf("%s: %s %q; want passed: only the lock is wrong", c.GradeID, c.Status, c.Message)
				}
			}
		}
	})
	t.Run("a cell hangs", func(t *testing.T) {
		r := get("hangs/" + nb1)
		if r.Error == nil || !strings.Contains(*r.Error, "ex1-serial did not finish in time") {
			t.Errorf("error %v; want the hung cell named", r.Error)
		}
		for _, id := range []string{"test-ex1", "test-ex2"} {
			if status, msg, score := r.cell(t, id); status != "not run" || score != 0 || !strings.Contains(msg, "ex1-serial") {
				t.Errorf("%s: %s (%v) %q; want not run, because ex1-serial hung", id, status, score, msg)
			}
		}
	})
	t.Run("the kernel dies", func(t *testing.T) {
		r := get("dies/" + nb1)
		if r.Error == nil || !strings.Contains(*r.Error, "kernel died in cell ex2-parallel") {
			t.Errorf("error %v; want the kernel's death in ex2-parallel", r.Error)
		}
		if status, _, score := r.cell(t, "test-ex1"); status != "passed" || score != 1 {
			t.Errorf("test-ex1 (before the death): %s %v, want passed", status, score)
		}
		if status, msg, score := r.cell(t, "test-ex2"); status != "not run" || score != 0 || !strings.Contains(msg, "kernel died") {
			t.Errorf("test-ex2 (after the death): %s (%v) %q; want not run, the kernel died", status, score, msg)
		}
	})
	t.Run("tests are the instructor's", func(t *testing.T) {
		r := get("edited/" + nb1)
		if r.Score != 0 {
			t.Errorf("score %v: a rewritten test cell counted", r.Score)
		}
		if status, _, _ := r.cell(t, "test-ex2"); status != "failed" || len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "test-ex2 was missing") {
			t.Errorf("deleted test cell: %s, notes %q; want it put back and failed", status, r.Notes)
		}
	})
	t.Run("submissions untouched", func(t *testing.T) {
		if after := snapshot(t, subs); after != before {
			t.Errorf("the submissions changed:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// TestGradeTable checks the table an instructor reads, and bad input.
func TestGradeTable(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	grade := filepath.Join(k.Root, "scripts", "grade.py")
	dir := t.TempDir()
	sub := filepath.Join(dir, "alice", "1-file-writing-conflicts.ipynb")
	if err := copyFile(filepath.Join(k.Root, "notebooks", "student", "1-file-writing-conflicts.ipynb"), sub); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(python, grade, filepath.Join(dir, "alice"))
	cmd.Env = k.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("grade.py: %v\n%s", err, out)
	}
	for _, want := range []string{
		sub + ": 0 / 5\n",
		"Exercise 1   test-ex1     0 / 1  failed  serial.txt does not exist",
		"by hand (3 points, not scored here): ex1-answer, ex3-answer, counts-answer",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	other := filepath.Join(dir, "bob", "homework.ipynb")
	if err := copyFile(sub, other); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{filepath.Join(dir, "nobody")}, 1, "no such file or folder"},
		{[]string{other}, 1, "no notebook named homework.ipynb"},
		{[]string{"--reference", filepath.Join(dir, "none"), sub}, 2, "not a folder"},
		{[]string{"--timeout", "0", sub}, 2, "must be at least 1"},
	} {
		cmd := exec.Command(python, append([]string{grade}, tc.args...)...)
		cmd.Env = k.Env
		out, err := cmd.CombinedOutput()
		ee, _ := err.(*exec.ExitError)
		if ee == nil || ee.ExitCode() != tc.code || !strings.Contains(string(out), tc.want) || strings.Contains(string(out), "Traceback") {
			t.Errorf("grade.py %v: %v, want exit %d and a line saying %q:\n%s", tc.args, err, tc.code, tc.want, out)
		}
	}
}

// snapshot lists every file under dir with its time and content hash.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v %x\n", path, info.ModTime(), sha256.Sum256(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
