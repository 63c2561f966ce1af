//go:build e2e

package notebooks

// Tests of nbcopies.py's grading side on small notebooks written here: test
// cells and their nbgrader metadata, hidden tests, the errors an author
// gets; and the workbook's own notebooks checked against nbgrader's cell
// metadata schema (version 3) by a second, independent reading of it.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/golocks/golocks/internal/jupytertest"
)

// A source notebook with one of each kind of cell.
const fixture = `{"nbformat": 4, "nbformat_minor": 5,
 "metadata": {"kernelspec": {"name": "golocks", "display_name": "Go (golocks)", "language": "go"}},
 "cells": [
  {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "1. Count to 1000."},
  {"cell_type": "code", "id": "ex1", "metadata": {"tags": ["solution"]}, "execution_count": null, "outputs": [],
   "source": "// Exercise 1\n// BEGIN SOLUTION\nwork(1000, \"serial.txt\")\n// END SOLUTION"},
  {"cell_type": "code", "id": "test-ex1", "metadata": {"tags": ["test", "points=2"]}, "execution_count": null, "outputs": [],
   "source": "err := grade.All(\n\tgrade.Count(\"serial.txt\", 1000),\n\t// BEGIN HIDDEN TESTS\n\tgrade.Count(\"secret.txt\", 1),\n\t// END HIDDEN TESTS\n)\nif err != nil {\n\tpanic(err)\n}"},
  {"cell_type": "markdown", "id": "ex1-answer", "metadata": {"tags": ["solution"]}, "source": "### BEGIN SOLUTION\n1000.\n### END SOLUTION"},
  {"cell_type": "code", "id": "plain", "metadata": {}, "execution_count": null, "outputs": [], "source": "show(1)"}
 ]}`

// nbCell is what these tests read of a cell.
type nbCell struct {
	CellType string         `json:"cell_type"`
	ID       string         `json:"id"`
	Source   any            `json:"source"`
	Metadata map[string]any `json:"metadata"`
}

func (c nbCell) source() string {
	switch s := c.Source.(type) {
	case string:
		return s
	case []any:
		var b strings.Builder
		for _, l := range s {
			b.WriteString(fmt.Sprint(l))
		}
		return b.String()
	}
	return ""
}

func readNB(t *testing.T, path string) []nbCell {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct{ Cells []nbCell }
	if err := json.Unmarshal(raw, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return nb.Cells
}

func byID(cells []nbCell) map[string]nbCell {
	m := map[string]nbCell{}
	for _, c := range cells {
		m[c.ID] = c
	}
	return m
}

// nbcopies runs nbcopies.py with args; it returns the combined output and
// whether it succeeded.
func nbcopies(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.Command(jupytertest.Python, append([]string{"nbcopies.py"}, args...)...)
	out, err := cmd.CombinedOutput()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("nbcopies.py: %v", err)
	}
	return string(out), err == nil
}

// writeSource writes one source notebook into a fresh SRC folder.
func writeSource(t *testing.T, content string) (src, out string) {
	t.Helper()
	dir := t.TempDir()
	src, out = filepath.Join(dir, "source"), filepath.Join(dir, "out")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "nb.ipynb"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return src, out
}

func TestTestCells(t *testing.T) {
	jupytertest.RequireClient(t)
	src, out := writeSource(t, fixture)
	if msg, ok := nbcopies(t, "check", src, out); ok {
		t.Fatalf("check passed before build:\n%s", msg)
	}
	if msg, ok := nbcopies(t, "build", src, out); !ok {
		t.Fatalf("build: %s", msg)
	}

	want := map[string]map[string]any{
		"ex1":        {"grade": false, "grade_id": "ex1", "locked": false, "schema_version": 3.0, "solution": true, "task": false},
		"test-ex1":   {"grade": true, "grade_id": "test-ex1", "locked": true, "points": 2.0, "schema_version": 3.0, "solution": false, "task": false},
		"ex1-answer": {"grade": true, "grade_id": "ex1-answer", "locked": false, "points": 1.0, "schema_version": 3.0, "solution": true, "task": false},
	}
	for _, dir := range []string{src, filepath.Join(out, "solution"), filepath.Join(out, "student")} {
		path := filepath.Join(dir, "nb.ipynb")
		cells := readNB(t, path)
		checkNbgrader(t, path, cells)
		for _, c := range cells {
			got, _ := c.Metadata["nbgrader"].(map[string]any)
			if w := want[c.ID]; fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("%s cell %s: nbgrader metadata %v, want %v", path, c.ID, got, w)
			}
		}
	}

	solution := byID(readNB(t, filepath.Join(out, "solution", "nb.ipynb")))
	student := byID(readNB(t, filepath.Join(out, "student", "nb.ipynb")))
	if s := solution["test-ex1"].source(); !strings.Contains(s, `grade.Count("secret.txt", 1)`) || !strings.Contains(s, "BEGIN HIDDEN TESTS") {
		t.Errorf("the solution copy's test cell lost its hidden tests:\n%s", s)
	}
	wantStudent := "err := grade.All(\n\tgrade.Count(\"serial.txt\", 1000),\n)\nif err != nil {\n\tpanic(err)\n}"
	if s := student["test-ex1"].source(); s != wantStudent {
		t.Errorf("the student copy's test cell is\n%s\nwant\n%s", s, wantStudent)
	}
	for id, c := range student {
		ro := c.Metadata["editable"] == false && c.Metadata["deletable"] == false
		if ro != (id == "test-ex1") {
			t.Errorf("student copy cell %s: editable %v, deletable %v; only test cells are read-only", id, c.Metadata["editable"], c.Metadata["deletable"])
		}
	}
	if _, ok := solution["test-ex1"].Metadata["editable"]; ok {
		t.Errorf("the solution copy's test cell is read-only: the instructor's copy stays editable")
	}

	// The solution copy was not run (that needs the kernel): check says
	// so, and nothing else.
	if msg, _ := nbcopies(t, "check", src, out); strings.Contains(msg, "stale (") || strings.Contains(msg, "nbgrader") {
		t.Errorf("check after build: %s", msg)
	}
	// A tag changed without a build: the source's metadata is stale.
	raw, _ := os.ReadFile(filepath.Join(src, "nb.ipynb"))
	stale := strings.Replace(string(raw), `"points=2"`, `"points=3"`, 1)
	if stale == string(raw) {
		t.Fatal("the built source lost its points=2 tag")
	}
	os.WriteFile(filepath.Join(src, "nb.ipynb"), []byte(stale), 0o644)
	if msg, ok := nbcopies(t, "check", src, out); ok || !strings.Contains(msg, "nbgrader metadata does not follow its tags") {
		t.Errorf("check after a points tag changed: ok=%v\n%s", ok, msg)
	}
}

func TestTestCellErrors(t *testing.T) {
	jupytertest.RequireClient(t)
	cellJSON := func(typ, id, tags, source string) string {
		extra := ""
		if typ == "code" {
			extra = `"execution_count": null, "outputs": [],`
		}
		s, _ := json.Marshal(source)
		return fmt.Sprintf(`{"cell_type": %q, "id": %q, "metadata": {"tags": %s}, %s "source": %s}`, typ, id, tags, extra, s)
	}
	nb := func(cells ...string) string {
		return `{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [` + strings.Join(cells, ",") + `]}`
	}
	for _, tc := range []struct{ name, nb, want string }{
		{"hidden tests outside a test cell", nb(cellJSON("code", "a", `[]`, "// BEGIN HIDDEN TESTS\nx\n// END HIDDEN TESTS")), "hidden-test markers in a cell not tagged 'test'"},
		{"unbalanced hidden tests", nb(cellJSON("code", "a", `["test"]`, "// BEGIN HIDDEN TESTS\nx")), "BEGIN HIDDEN TESTS without END HIDDEN TESTS"},
		{"end without begin", nb(cellJSON("code", "a", `["test"]`, "x\n// END HIDDEN TESTS")), "END HIDDEN TESTS without BEGIN HIDDEN TESTS"},
		{"test in Markdown", nb(cellJSON("markdown", "a", `["test"]`, "text")), "a test cell must be a code cell"},
		{"test and solution", nb(cellJSON("code", "a", `["test", "solution"]`, "x")), "cannot be both"},
		{"points not a number", nb(cellJSON("code", "a", `["test", "points=two"]`, "x")), "points=two: not a number"},
		{"negative points", nb(cellJSON("code", "a", `["test", "points=-1"]`, "x")), "cannot be negative"},
		{"two points tags", nb(cellJSON("code", "a", `["test", "points=1", "points=2"]`, "x")), "more than one points=N tag"},
		{"points on a plain cell", nb(cellJSON("code", "a", `["points=2"]`, "x")), "neither a test nor a Markdown answer"},
		{"points on a code exercise", nb(cellJSON("code", "a", `["solution", "points=2"]`, "x")), "neither a test nor a Markdown answer"},
		{"id not a grade_id", nb(cellJSON("code", "a.b", `["test"]`, "x")), "cannot be an nbgrader grade_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, out := writeSource(t, tc.nb)
			msg, ok := nbcopies(t, "build", src, out)
			if ok || !strings.Contains(msg, tc.want) || strings.Contains(msg, "Traceback") {
				t.Errorf("build: ok=%v, want one line mentioning %q:\n%s", ok, tc.want, msg)
			}
		})
	}
}

// TestNbgraderMetadata checks the workbook's notebooks as nbgrader would
// read them, and that every test cell is one.
func TestNbgraderMetadata(t *testing.T) {
	tests := 0
	for _, dir := range []string{"source", "solution", "student"} {
		for _, name := range Names() {
			path := filepath.Join(dir, name)
			cells := readNB(t, path)
			checkNbgrader(t, path, cells)
			for _, c := range cells {
				meta, _ := c.Metadata["nbgrader"].(map[string]any)
				if !hasTag(c, "test") {
					continue
				}
				tests++
				if meta["grade"] != true || meta["locked"] != true || meta["solution"] != false {
					t.Errorf("%s: test cell %s is not an nbgrader autograder-tests cell: %v", path, c.ID, meta)
				}
				if dir == "student" && (c.Metadata["editable"] != false || c.Metadata["deletable"] != false) {
					t.Errorf("%s: test cell %s can be edited or deleted by the student", path, c.ID)
				}
			}
		}
	}
	if tests == 0 {
		t.Errorf("no test cells in the workbook")
	}
}

func hasTag(c nbCell, tag string) bool {
	tags, _ := c.Metadata["tags"].([]any)
	for _, x := range tags {
		if x == tag {
			return true
		}
	}
	return false
}

var gradeID = regexp.MustCompile(`^[a-zA-Z0-9_\-]*$`)

// checkNbgrader checks cells' nbgrader metadata against nbgrader's cell
// metadata schema, version 3 (nbgrader/nbgraderformat/v3.json), and the
// rules its validator adds: a grade_id on every graded, solution or locked
// cell, unique in the notebook; points on graded cells; a Markdown cell
// graded if and only if it is a solution, unless it is a task.
func checkNbgrader(t *testing.T, path string, cells []nbCell) {
	t.Helper()
	allowed := map[string]bool{"schema_version": true, "grade": true, "locked": true, "solution": true,
		"task": true, "grade_id": true, "points": true, "checksum": true, "cell_type": true}
	ids := map[string]bool{}
	for _, c := range cells {
		raw, ok := c.Metadata["nbgrader"]
		if !ok {
			continue
		}
		where := fmt.Sprintf("%s cell %s", path, c.ID)
		meta, ok := raw.(map[string]any)
		if !ok {
			t.Errorf("%s: nbgrader metadata is not an object", where)
			continue
		}
		for k := range meta {
			if !allowed[k] {
				t.Errorf("%s: nbgrader key %q is not in the schema", where, k)
			}
		}
		if meta["schema_version"] != 3.0 {
			t.Errorf("%s: schema_version %v, want 3", where, meta["schema_version"])
		}
		flag := func(k string, required bool) bool {
			v, present := meta[k]
			b, isBool := v.(bool)
			if (present || required) && !isBool {
				t.Errorf("%s: nbgrader %q is %v, want true or false", where, k, v)
			}
			return b
		}
		grade, locked, solution, task := flag("grade", true), flag("locked", true), flag("solution", true), flag("task", false)
		if grade || solution || locked {
			id, _ := meta["grade_id"].(string)
			switch {
			case id == "" || !gradeID.MatchString(id):
				t.Errorf("%s: grade_id %v", where, meta["grade_id"])
			case ids[id]:
				t.Errorf("%s: duplicate grade_id %s", where, id)
			}
			ids[id] = true
		}
		if p, ok := meta["points"].(float64); grade && (!ok || p < 0) {
			t.Errorf("%s: a graded cell needs points >= 0, has %v", where, meta["points"])
		}
		if task && c.CellType != "markdown" {
			t.Errorf("%s: a task cell must be Markdown", where)
		}
		if !task && c.CellType == "markdown" && grade != solution {
			t.Errorf("%s: a Markdown cell must be graded and a solution, or neither (grade %v, solution %v)", where, grade, solution)
		}
	}
}
