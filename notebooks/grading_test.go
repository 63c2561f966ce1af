//go:build e2e

package notebooks

// The grading holes a test cell must not have, each run on a notebook that
// a student might hand in: a racy exercise run on one process, an exercise
// left blank after others were done, a class's shared Redis holding
// leftovers. Each fails on a notebook whose tests only check the count.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golocks/golocks/course/redisserver"
	"github.com/golocks/golocks/internal/jupytertest"
	"github.com/golocks/golocks/internal/redistest"
	"github.com/golocks/golocks/internal/workbooktest"
)

// handIn is the solution copy of the notebook name, its outputs dropped,
// with the cells in blank replaced by the student copy's (the exercises
// left undone), those in edit by the given sources, and the cells after
// the one with id last left out.
func handIn(t *testing.T, name string, blank []string, edit map[string]string, last string) []byte {
	t.Helper()
	read := func(dir string) map[string]any {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var nb map[string]any
		if err := json.Unmarshal(raw, &nb); err != nil {
			t.Fatal(err)
		}
		return nb
	}
	nb, student := read("solution"), read("student")
	studentSource := map[string]any{}
	for _, c := range student["cells"].([]any) {
		c := c.(map[string]any)
		studentSource[c["id"].(string)] = c["source"]
	}
	var cells []any
	found := map[string]bool{}
	for _, c := range nb["cells"].([]any) {
		c := c.(map[string]any)
		id := c["id"].(string)
		if c["cell_type"] == "code" {
			c["outputs"], c["execution_count"] = []any{}, nil
		}
		for _, b := range blank {
			if b == id {
				c["source"] = studentSource[id]
				found[id] = true
			}
		}
		if src, ok := edit[id]; ok {
			c["source"] = src
			found[id] = true
		}
		cells = append(cells, c)
		if id == last {
			found[id] = true
			break
		}
	}
	for _, id := range append(append([]string{last}, blank...), keys(edit)...) {
		if !found[id] {
			t.Fatalf("%s has no cell %s", name, id)
		}
	}
	nb["cells"] = cells
	out, err := json.Marshal(nb)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// runHandIn runs a handed-in notebook in a fresh folder and returns its
// cells by id.
func runHandIn(t *testing.T, k *jupytertest.Kernel, name string, nb []byte) map[string]cell {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, name)
	if err := os.WriteFile(in, nb, 0o644); err != nil {
		t.Fatal(err)
	}
	cells, summary := k.RunNotebook(t, in, filepath.Join(t.TempDir(), "out.ipynb"), 120)
	t.Logf("%s: %s", name, summary)
	byID := map[string]cell{}
	for _, c := range cells {
		byID[c.ID] = c
	}
	return byID
}

// failsWith checks that the test cell id failed with a message holding
// every part of want ("|"-separated), and none of the parts of not.
func failsWith(t *testing.T, cells map[string]cell, id, want, not string) {
	t.Helper()
	c := cells[id]
	if c.Error == "" {
		t.Errorf("test cell %s passed; want it to fail with %q\n%s", id, want, workbooktest.Tail(c.Text))
		return
	}
	for _, part := range strings.Split(want, "|") {
		if !strings.Contains(c.Error, part) {
			t.Errorf("test cell %s fails with %q; want it to mention %q", id, c.Error, part)
		}
	}
	for _, part := range strings.Split(not, "|") {
		if part != "" && strings.Contains(c.Error, part) {
			t.Errorf("test cell %s fails with %q, which misleads: it mentions %q", id, c.Error, part)
		}
	}
}

func passes(t *testing.T, cells map[string]cell, id string) {
	t.Helper()
	if c := cells[id]; c.Error != "" || !strings.Contains(c.Text, "tests passed") {
		t.Errorf("test cell %s fails: %s\n%s", id, c.Error, workbooktest.Tail(c.Text))
	}
}

func TestGradingHoles(t *testing.T) {
	k := jupytertest.InstallKernel(t)

	// A racy exercise run on one process races nothing: its count is
	// 3000, within "at most 3000", and must still fail, saying why.
	t.Run("one process", func(t *testing.T) {
		const name = "1-file-writing-conflicts.ipynb"
		src := `os.RemoveAll("parallel.txt")
var p *pool.Pool
p = pool.New(1)
p.Map(work, []int{1000, 2000}, "parallel.txt")
`
		cells := runHandIn(t, k, name, handIn(t, name, nil, map[string]string{"ex2-parallel": src}, "test-ex2"))
		failsWith(t, cells, "test-ex2", "p runs 1 process at a time|nothing races|pool.New(2)", "")
	})

	// Exercise 1c: a schedule that loses an update without a reset (both
	// read before either writes: their reads find no file, not an empty
	// one) is not the answer, and the test says what is missing.
	t.Run("schedule without a reset", func(t *testing.T) {
		const name = "1-file-writing-conflicts.ipynb"
		src := `var resetSchedule string
resetSchedule = "A read, B read, A write, B write"
`
		cells := runHandIn(t, k, name, handIn(t, name, nil, map[string]string{"ex1c-reset": src}, "test-ex1c"))
		passes(t, cells, "test-ex1b")
		failsWith(t, cells, "test-ex1c", "no read in resetSchedule found the file empty", "")
	})

	// Exercise 6b: a prediction is checked against what the stepper sees
	// in every schedule of the student's own functions, not a constant:
	// lockApart written right but predicted to keep both increments fails,
	// and the message says what the stepper saw.
	t.Run("prediction against the stepper", func(t *testing.T) {
		const name = "2-locking-files.ipynb"
		raw, err := os.ReadFile(filepath.Join("source", name))
		if err != nil {
			t.Fatal(err)
		}
		var nb struct {
			Cells []struct {
				ID     string   `json:"id"`
				Source []string `json:"source"`
			} `json:"cells"`
		}
		if err := json.Unmarshal(raw, &nb); err != nil {
			t.Fatal(err)
		}
		src := ""
		for _, c := range nb.Cells {
			if c.ID == "wrong-funcs" {
				src = strings.Join(c.Source, "")
			}
		}
		wrong := strings.Replace(src, "predictApart = 1 ", "predictApart = 2 ", 1)
		if wrong == src {
			t.Fatalf("wrong-funcs has no line %q:\n%s", "predictApart = 1 ", src)
		}
		cells := runHandIn(t, k, name, handIn(t, name, nil, map[string]string{"wrong-funcs": wrong}, "test-wrong"))
		failsWith(t, cells, "test-wrong", "predictApart is 2, not what happens|the stepper ran lockApart in every schedule|the lowest is 1", "predictWriteOnly|predictEach")
	})

	// Exercise 14 left blank after 12 and 13 were done and the five racy
	// runs left the counter near 10,000: the test says the student's run
	// made nothing, not that the counter went on from an earlier run.
	t.Run("blank exercise after others", func(t *testing.T) {
		const name = "4-beyond-one-machine.ipynb"
		cells := runHandIn(t, k, name, handIn(t, name, []string{"ex14-func", "ex14-incr"}, nil, "test-ex14"))
		passes(t, cells, "test-ex13")
		failsWith(t, cells, "test-ex14", "the counter is 0, not 3000|did your code run", "more than|start from 0")
	})
}

// On a class's shared Redis, one student's keys are theirs alone: a
// leftover count of their own from an earlier session cannot pass a blank
// Exercise 13, and another student's keys neither pass nor fail theirs, nor
// are touched.
func TestGradingOnSharedRedis(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	srv := redistest.Server(t)
	rdb, err := redisserver.Dial(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	ctx := context.Background()
	set := func(key string, v int) {
		if err := rdb.Set(ctx, key, v, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	as := func(user string) *jupytertest.Kernel {
		shared := *k
		shared.Env = append(withoutRedisURL(k.Env), "REDIS_URL="+srv.URL(), "JUPYTERHUB_USER="+user)
		return &shared
	}
	const name = "4-beyond-one-machine.ipynb"

	set("golocks:ada:counter", 1500) // ada's own count, from yesterday
	set("golocks:bob:counter", 99999)
	cells := runHandIn(t, as("ada"), name, handIn(t, name, []string{"ex12-work", "ex13-racy"}, nil, "test-ex13"))
	failsWith(t, cells, "test-ex13", "p is nil|the counter is 0", "")

	cells = runHandIn(t, as("cy"), name, handIn(t, name, nil, nil, "test-ex14"))
	passes(t, cells, "test-ex13")
	passes(t, cells, "test-ex14")
	if v, err := rdb.Get(ctx, "golocks:bob:counter").Int(); err != nil || v != 99999 {
		t.Errorf("bob's counter is %d, %v after cy's run; want 99999, untouched", v, err)
	}
}
