//go:build e2e

package scripts_test

// TestBrowser is the student's path in a real browser: Debian's Chromium,
// headless (chromium_test.go), on `make run` started as TestMakeRun starts
// it (a free port, private HOME, WORKBOOK and Jupyter folders, a terminal).
// For each copy of the workbook, the student copy (make run's default) and
// the solution copy (make run NOTEBOOKS=notebooks/solution), it opens the
// URL with the token that the server printed, then for each notebook:
//
//   - opens it from the tree page by clicking its link (a new tab, as for a
//     student), waits until its kernel is idle, clicks Cell → Run All, and
//     waits until the kernel is idle again and no cell waits to run: in
//     the solution copy every code cell has run; in the student copy, whose
//     exercises are blank, Run All stops at the first test cell, which
//     fails with a message saying what to do, and the cells after it are
//     not run (In [ ]), as in any Jupyter notebook (workbooktest.RunAll);
//   - saves the notebook (File → Save and Checkpoint) and a full-page
//     screenshot, build/browser/<copy>/<notebook>.png, and checks what the
//     page shows: what the workbook promises (workbooktest.Check: the seed's
//     messages, at most 3000 racing and exactly 3000 locked, pictures, no
//     error outside the cells meant to raise, blank exercises and where
//     Run All stopped in the student copy; workbooktest.CheckPictures: every
//     picture the solution copy shows in the cells that ran, outside the
//     exercises), with each cell's text and pictures
//     read off the page; every picture the notebook holds rendered as an
//     <img> of non-zero natural size, every error it holds shown; and
//     gofmt's tabs drawn as blanks, not arrows (kernel/kernel.css);
//   - closes it with File → Close and Halt, which shuts its kernel down.
//
// Then, in a scratch notebook (New → Go (golocks)), it defines a variable,
// runs `for {}`, clicks the toolbar's interrupt button and checks that the
// cell ends with an interrupt error, the kernel indicator is idle again and
// the variable is still there in the next cell. Last it presses Ctrl-C.
//
// When a part fails, the page as it was and the server's log are left in
// build/browser/failed/, and the failure message says so. Every wait is
// bounded; nothing is timed.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/golocks/golocks/internal/jupytertest"
	"github.com/golocks/golocks/internal/workbooktest"
	"github.com/golocks/golocks/notebooks"
)

const (
	kernelStartLimit = 2 * time.Minute  // a kernel starting, or idle again after a short cell
	runAllLimit      = 10 * time.Minute // a whole notebook, on a loaded machine
	kernelShownName  = "Go (golocks)"
)

func TestBrowser(t *testing.T) {
	requireRunTools(t)
	requireChromium(t)
	root := repoRoot(t)
	dir := t.TempDir()
	kernelBuild := buildKernel(t, root, privateEnv(t, dir), dir)
	out := filepath.Join(root, "build", "browser")
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t, dir)

	for _, copy := range []string{"student", "solution"} {
		t.Run(copy, func(t *testing.T) {
			work := filepath.Join(dir, copy)
			env := privateEnv(t, work)
			workbook := filepath.Join(work, "workbook")
			port := freePort(t)
			args := []string{"run", "PORT=" + strconv.Itoa(port), "KERNEL_BUILD=" + kernelBuild, "WORKBOOK=" + workbook}
			if copy == "solution" {
				args = append(args, "NOTEBOOKS=notebooks/solution")
			}
			srv := startServer(t, root, env, args...)
			base, token := srv.waitURL(t, port)
			srv.waitUp(t, base)
			j := &jupyter{srv: srv, root: root, base: base, token: token, workbook: workbook, out: out}

			tree := b.navigate(t, base+"/?token="+token) // the URL it printed
			j.keepOnFailure(t, tree, true)
			tree.waitTree(t, notebooks.Names())

			for _, name := range notebooks.Names() {
				t.Run(strings.TrimSuffix(name, ".ipynb"), func(t *testing.T) {
					nb := tree.clickToNewTab(t, `#notebook_list a.item_link[href$="/notebooks/`+name+`"]`, "/notebooks/"+name)
					j.keepOnFailure(t, nb, false)
					j.runAll(t, nb, copy, name)
				})
			}
			if copy == "student" {
				t.Run("interrupt", func(t *testing.T) {
					tree.click(t, "#new-dropdown-button")
					nb := tree.clickToNewTab(t, "#kernel-golocks > a", "/notebooks/Untitled")
					j.keepOnFailure(t, nb, false)
					j.interrupt(t, nb)
				})
			}

			// Every kernel was shut down by Close and Halt; any the API
			// still lists is counted by Ctrl-C's check and then killed.
			srv.kernels = j.kernelIDs(t)
			srv.stop(t, base)
		})
	}
}

// jupyter is one `make run` server, as the browser test sees it.
type jupyter struct {
	srv         *server
	root        string // the repository
	base, token string
	workbook    string // the folder it serves, WORKBOOK
	dir         string // the notebooks' folder under the server's root, "" for the root
	out         string // build/browser: screenshots, and what a failure leaves
	kept        int    // failures whose page and log were kept
}

// runAll runs the notebook name, open in nb, top to bottom with Run All and
// checks what the page shows.
func (j *jupyter) runAll(t *testing.T, nb *tab, copy, name string) {
	st := nb.waitNotebook(t, "the notebook open, its kernel idle", kernelStartLimit, func(s *notebookState) bool {
		return s.idle() && len(s.Cells) > 0
	})
	checkTabs(t, st)

	nb.click(t, "#celllink", "#run_all_cells > a")
	// Queued (In [*]), or already run: a student copy's Run All may stop at
	// its first test cell before the page is first read (its cells open
	// unrun; a solution copy's open with the counts they were saved with).
	nb.waitNotebook(t, "Run All queues the cells", actionLimit, func(s *notebookState) bool {
		return s.running() > 0 || copy == "student" && len(s.Cells) > 0 && s.Cells[0].count() > 0
	})
	st = nb.waitNotebook(t, "Run All done: the kernel idle, no cell waiting, every picture loaded", runAllLimit, func(s *notebookState) bool {
		return (s.idle() && s.running() == 0 && s.loading() == 0) || s.Dialog != "" || s.dead()
	})
	if st.Dialog != "" || !st.idle() {
		t.Fatalf("Run All: the kernel indicator is %s%s", st.Kernel, says(st))
	}
	saved := j.save(t, nb, name)
	shot := filepath.Join(j.out, copy, strings.TrimSuffix(name, ".ipynb")+".png")
	if err := nb.screenshot(shot); err != nil {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	cells := onThePage(t, st, saved)
	workbooktest.Check(t, copy, name, cells, workbooktest.RunAll)
	workbooktest.CheckPictures(t, copy, cells, jupytertest.ReadCells(t, filepath.Join(j.root, "notebooks", "solution", name)), workbooktest.RunAll)
	if !t.Failed() {
		t.Logf("%d code cells on the page, %d pictures rendered; screenshot %s", len(cells), st.rendered(), shot)
	}
	if name == notebooks.Names()[0] {
		stepByStep(t, nb, saved)
	}
	j.closeAndHalt(t, nb, name)
}

// stepByStep runs the stepper cells of notebook 1 by hand, one at a time,
// as a student does after Run All (in a student copy, Run All stops before
// them; in a solution copy they run again): it clicks into each cell and
// presses Shift-Enter, waits for its output, and checks that each step's
// cell says which step it made and shows one picture, drawn, that differs
// from the picture of the step before (each adds a column). A schedule is
// not random, so the steps are known: A reads, B reads, A truncates.
func stepByStep(t *testing.T, nb *tab, saved []jupytertest.Cell) {
	t.Helper()
	index := map[string]int{}
	for i, c := range saved {
		index[c.ID] = i
	}
	prev := ""
	for _, s := range []struct{ id, says string }{
		{"step-new", "A: read\nB: read"},
		{"step-1", "step 1: A read\n"},
		{"step-2", "step 2: B read\n"},
		{"step-3", "step 3: A truncate\n"},
		{"step-close", ""},
	} {
		i, ok := index[s.id]
		if !ok {
			t.Fatalf("notebook 1 has no cell %s to step with", s.id)
		}
		read := func(c *stepCell) error { return nb.read(fmt.Sprintf(stepCellJS, i), c) }
		before := waitFor(t, actionLimit, "cell "+s.id+" on the page", read, func(*stepCell) bool { return true })
		nb.click(t, fmt.Sprintf("#notebook-container > .cell:nth-child(%d) .CodeMirror", before.Child))
		nb.do(t, "Shift-Enter in cell "+s.id, shiftEnter)
		c := waitFor(t, kernelStartLimit, "cell "+s.id+" run by hand, with its output", read, func(c *stepCell) bool {
			shown := s.says == "" || c.Text != "" || c.Errors != ""
			if strings.HasPrefix(s.id, "step-") && s.id != "step-new" && s.id != "step-close" {
				shown = shown && (len(c.Images) > 0 || c.Errors != "")
			}
			return c.Kernel == "kernel_idle_icon" && c.cell().count() > before.cell().count() && c.cell().loading() == 0 && shown
		})
		if c.Errors != "" {
			t.Errorf("cell %s, run by hand, fails: %s", s.id, c.Errors)
		}
		if !strings.Contains(c.Text, s.says) {
			t.Errorf("cell %s shows %q, want it to say %q", s.id, c.Text, s.says)
		}
		if s.id == "step-new" || s.id == "step-close" {
			continue
		}
		if len(c.Images) != 1 || c.cell().rendered() != 1 {
			t.Errorf("cell %s shows %d pictures (%d drawn), want the trace after the step", s.id, len(c.Images), c.cell().rendered())
			continue
		}
		if c.Images[0].Src == prev {
			t.Errorf("cell %s shows the same picture as the step before it: a step adds a column", s.id)
		}
		prev = c.Images[0].Src
		t.Logf("%s: %s", s.id, strings.TrimSpace(strings.SplitN(c.Text, "\n", 2)[0]))
	}
}

// stepCell is one code cell, by its index among the code cells, as the page
// shows it, with its pictures' sources and its place among all the cells.
type stepCell struct {
	Kernel string `json:"kernel"`
	Child  int    `json:"child"` // its nth-child among the notebook's cells
	Prompt string `json:"prompt"`
	Text   string `json:"text"`
	Errors string `json:"errors"`
	Images []struct {
		pageImage
		Src string `json:"src"`
	} `json:"images"`
}

func (c *stepCell) cell() pageCell {
	p := pageCell{Prompt: c.Prompt, Text: c.Text, Errors: c.Errors}
	for _, i := range c.Images {
		p.Images = append(p.Images, i.pageImage)
	}
	return p
}

// stepCellJS reads the code cell with the index %d: only reads.
const stepCellJS = `((i) => {
	const all = [...document.querySelectorAll('#notebook-container > .cell')];
	const c = all.filter(e => e.classList.contains('code_cell'))[i];
	const text = sel => [...c.querySelectorAll(sel)].map(e => e.textContent);
	const icon = document.getElementById('kernel_indicator_icon');
	return {
		kernel: icon ? icon.className : '',
		child: all.indexOf(c) + 1,
		prompt: text('.input_prompt').join(''),
		text: text('.output_subarea.output_text:not(.output_error) pre').join(''),
		errors: text('.output_subarea.output_error').join('\n'),
		images: [...c.querySelectorAll('.output_subarea img')].map(i => ({width: i.naturalWidth, height: i.naturalHeight, complete: i.complete, src: i.src})),
	};
})(%d)`

// interrupt: a variable, a runaway cell, the toolbar's interrupt button,
// and the variable still there.
func (j *jupyter) interrupt(t *testing.T, nb *tab) {
	nb.waitNotebook(t, "the new notebook open, its kernel idle", kernelStartLimit, func(s *notebookState) bool {
		return s.idle() && len(s.Cells) == 1
	})
	nb.typeCell(t, 1, "survivor := 42")
	st := nb.waitNotebook(t, "the first cell run", kernelStartLimit, func(s *notebookState) bool {
		return s.idle() && s.running() == 0 && len(s.Cells) >= 2 && s.Cells[0].count() > 0
	})
	if c := st.Cells[0]; c.Errors != "" {
		t.Fatalf("survivor := 42: %s", c.Errors)
	}

	nb.typeCell(t, 2, "for {}")
	nb.waitNotebook(t, "for {} running", kernelStartLimit, func(s *notebookState) bool {
		return len(s.Cells) >= 2 && s.Cells[1].running() && strings.Contains(s.Kernel, "busy")
	})
	nb.click(t, `#maintoolbar-container button[data-jupyter-action="jupyter-notebook:interrupt-kernel"]`)
	st = nb.waitNotebook(t, "the interrupted cell ended", kernelStartLimit, func(s *notebookState) bool {
		return (s.idle() && len(s.Cells) >= 2 && !s.Cells[1].running()) || s.Dialog != "" || s.dead()
	})
	if st.Dialog != "" || !st.idle() {
		t.Fatalf("the kernel did not survive the interrupt: after it the kernel indicator is %s%s", st.Kernel, says(st))
	}
	interrupted := st.Cells[1]
	if interrupted.count() <= 0 {
		t.Errorf("the interrupted cell shows prompt %q, want an execution count", interrupted.Prompt)
	}
	if !strings.Contains(strings.ToLower(interrupted.Errors), "interrupt") {
		t.Errorf("the interrupted cell shows the error %q, want one that says it was interrupted (its text: %q)", interrupted.Errors, interrupted.Text)
	}

	nb.typeCell(t, 3, "survivor")
	// Its output, not only its count: the reply (which sets the count) and
	// the output come on different sockets, and the reply may come first.
	st = nb.waitNotebook(t, "the cell after the interrupt run, with its output", kernelStartLimit, func(s *notebookState) bool {
		return s.idle() && s.running() == 0 && len(s.Cells) >= 3 && s.Cells[2].count() > 0 &&
			(strings.TrimSpace(s.Cells[2].Text) != "" || s.Cells[2].Errors != "") || s.Dialog != ""
	})
	if st.Dialog != "" {
		t.Fatalf("running the cell after the interrupt%s", says(st))
	}
	if c := st.Cells[2]; c.Errors != "" || strings.TrimSpace(c.Text) != "42" {
		t.Errorf("survivor after the interrupt shows %q, error %q; want 42: the variable must outlive the interrupt", c.Text, c.Errors)
	}

	loc, err := get(nb, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(loc) // .../notebooks/Untitled.ipynb?kernel_name=golocks
	if err != nil {
		t.Fatal(err)
	}
	name := path.Base(u.Path)
	saved := j.save(t, nb, name)
	if len(saved) >= 2 && !strings.Contains(strings.ToLower(saved[1].Error), "interrupt") {
		t.Errorf("the kernel answered the interrupted cell with the error %q, want one that says interrupt", saved[1].Error)
	}
	if err := nb.screenshot(filepath.Join(j.out, "student", "interrupt.png")); err != nil {
		t.Errorf("screenshot: %v", err)
	}
	j.closeAndHalt(t, nb, name)
}

// save clicks File → Save and Checkpoint and returns the code cells of the
// notebook as saved, read back through the server's contents API once the
// save is done: its last_modified changed and the notebook parses. Never
// the file itself as soon as it changes: Notebook saves by truncating and
// rewriting it in place, so a reader can see half a file.
func (j *jupyter) save(t *testing.T, nb *tab, name string) []jupytertest.Cell {
	t.Helper()
	before, err := j.contents(t, name, false)
	if err != nil {
		t.Fatal(err)
	}
	nb.click(t, "#filelink", "#save_checkpoint > a")
	saved := waitFor(t, actionLimit, "File → Save and Checkpoint saves "+name, func(m *savedNotebook) (err error) {
		*m, err = j.contents(t, name, true)
		return err
	}, func(m *savedNotebook) bool { return m.Modified != before.Modified })
	return saved.Cells
}

// savedNotebook is a notebook as the server's contents API reads it.
type savedNotebook struct {
	Modified string // last_modified
	Cells    []jupytertest.Cell
}

// contents reads the notebook name from the server (GET
// /api/contents/name), with its cells if withCells; an error if the
// server cannot read it or its cells do not parse yet.
func (j *jupyter) contents(t *testing.T, name string, withCells bool) (savedNotebook, error) {
	t.Helper()
	q := "?content=0"
	if withCells {
		q = "?type=notebook&content=1"
	}
	path := url.PathEscape(name)
	if j.dir != "" {
		path = url.PathEscape(j.dir) + "/" + path
	}
	resp := request(t, "GET", j.base+"/api/contents/"+path+q, j.token, nil)
	if resp.code != http.StatusOK {
		return savedNotebook{}, fmt.Errorf("GET /api/contents/%s: %d %s", name, resp.code, resp.body)
	}
	var m struct {
		LastModified string          `json:"last_modified"`
		Content      json.RawMessage `json:"content"`
	}
	if err := json.Unmarshal(resp.body, &m); err != nil {
		return savedNotebook{}, fmt.Errorf("GET /api/contents/%s: %v", name, err)
	}
	s := savedNotebook{Modified: m.LastModified}
	if withCells {
		cells, err := jupytertest.ParseCells(m.Content)
		if err != nil {
			return savedNotebook{}, fmt.Errorf("GET /api/contents/%s: %v", name, err)
		}
		s.Cells = cells
	}
	return s, nil
}

// closeAndHalt clicks File → Close and Halt, and waits until the server
// has shut the notebook's kernel down.
func (j *jupyter) closeAndHalt(t *testing.T, nb *tab, name string) {
	t.Helper()
	nb.click(t, "#filelink", "#close_and_halt > a")
	waitFor(t, kernelStartLimit, "File → Close and Halt shuts the kernel of "+name+" down", func(paths *[]string) error {
		var sessions []struct {
			Path string
		}
		resp := request(t, "GET", j.base+"/api/sessions", j.token, nil)
		if resp.code != http.StatusOK {
			return fmt.Errorf("GET /api/sessions: %d", resp.code)
		}
		resp.json(t, http.StatusOK, &sessions)
		for _, s := range sessions {
			*paths = append(*paths, s.Path)
		}
		return nil
	}, func(paths *[]string) bool {
		for _, p := range *paths {
			if p == name {
				return false
			}
		}
		return true
	})
}

// kernelIDs are the kernels the server runs.
func (j *jupyter) kernelIDs(t *testing.T) []string {
	var kernels []struct{ ID string }
	request(t, "GET", j.base+"/api/kernels", j.token, nil).json(t, http.StatusOK, &kernels)
	var ids []string
	for _, k := range kernels {
		ids = append(ids, k.ID)
	}
	return ids
}

// keepOnFailure leaves the page of tb and the server's log in
// build/browser/failed/ if the test fails, and says where. A failed
// subtest fails its parent too: the parent (parent true) keeps its page
// only when none of its subtests kept one.
func (j *jupyter) keepOnFailure(t *testing.T, tb *tab, parent bool) {
	t.Cleanup(func() {
		if !t.Failed() || parent && j.kept > 0 {
			return
		}
		j.kept++
		dir := filepath.Join(j.out, "failed")
		base := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Errorf("keeping the failure: %v", err)
			return
		}
		png, log := base+".png", base+"-server.log"
		if err := tb.screenshot(png); err != nil {
			png = fmt.Sprintf("none (%v)", err)
		}
		if err := os.WriteFile(log, []byte(j.srv.output()), 0o644); err != nil {
			log = fmt.Sprintf("none (%v)", err)
		}
		t.Errorf("failed: the page as it was is in %s, the server's log in %s", png, log)
	})
}

// ---- what the page shows ----

// notebookState is what a notebook page shows, read from its DOM.
type notebookState struct {
	Kernel     string     `json:"kernel"`     // the kernel indicator's class: kernel_idle_icon, kernel_busy_icon, kernel_dead_icon...
	KernelName string     `json:"kernelName"` // the kernel's name next to it
	Dialog     string     `json:"dialog"`     // the text of a dialog on the page, if any
	Cells      []pageCell `json:"cells"`
	Tabs       int        `json:"tabs"`      // tabs in the code the editors draw
	DrawnTabs  int        `json:"drawnTabs"` // those drawn with a marker (a background image)
}

// pageCell is one code cell as the page shows it.
type pageCell struct {
	Prompt string      `json:"prompt"` // In [3]:, In [*]:, In [ ]:
	Text   string      `json:"text"`   // its outputs' text (streams, results)
	Errors string      `json:"errors"` // its error outputs' text
	Images []pageImage `json:"images"`
}

type pageImage struct {
	Width    int  `json:"width"` // natural size: 0 when the picture did not decode
	Height   int  `json:"height"`
	Complete bool `json:"complete"`
}

// notebookJS reads a notebook page: only reads, never acts.
const notebookJS = `(() => {
	const text = (sel, root) => [...(root || document).querySelectorAll(sel)].map(e => e.textContent);
	const icon = document.getElementById('kernel_indicator_icon');
	const tabs = [...document.querySelectorAll('.CodeMirror span.cm-tab')];
	return {
		kernel: icon ? icon.className : '',
		kernelName: text('#kernel_indicator .kernel_indicator_name').join(''),
		dialog: [...document.querySelectorAll('.modal')].filter(m => m.offsetParent !== null || getComputedStyle(m).display === 'block').map(m => m.innerText).join('\n'),
		cells: [...document.querySelectorAll('#notebook-container > .cell.code_cell')].map(c => ({
			prompt: text('.input_prompt', c).join(''),
			text: text('.output_subarea.output_text:not(.output_error) pre', c).join(''),
			errors: text('.output_subarea.output_error', c).join('\n'),
			images: [...c.querySelectorAll('.output_subarea img')].map(i => ({width: i.naturalWidth, height: i.naturalHeight, complete: i.complete})),
		})),
		tabs: tabs.length,
		drawnTabs: tabs.filter(s => getComputedStyle(s).backgroundImage !== 'none').length,
	};
})()`

func (tb *tab) readNotebook(st *notebookState) error { return tb.read(notebookJS, st) }

// waitNotebook reads the notebook page until done, within limit.
func (tb *tab) waitNotebook(t *testing.T, what string, limit time.Duration, done func(*notebookState) bool) *notebookState {
	t.Helper()
	return waitFor(t, limit, what, tb.readNotebook, done)
}

// says is what a dialog on the page says, if one is open.
func says(s *notebookState) string {
	if s.Dialog == "" {
		return ""
	}
	return fmt.Sprintf(", and a dialog says %q", s.Dialog)
}

func (s *notebookState) idle() bool {
	return s.Kernel == "kernel_idle_icon" && s.KernelName == kernelShownName
}

func (s *notebookState) dead() bool {
	return strings.Contains(s.Kernel, "dead") || strings.Contains(s.Kernel, "disconnected")
}

// running counts the cells that are running or waiting to: In [*].
func (s *notebookState) running() int {
	n := 0
	for _, c := range s.Cells {
		if c.running() {
			n++
		}
	}
	return n
}

// loading counts the pictures still being decoded.
func (s *notebookState) loading() int {
	n := 0
	for _, c := range s.Cells {
		for _, i := range c.Images {
			if !i.Complete {
				n++
			}
		}
	}
	return n
}

func (s *notebookState) rendered() int {
	n := 0
	for _, c := range s.Cells {
		n += c.rendered()
	}
	return n
}

var promptCount = regexp.MustCompile(`\[\s*(\d+|\*)\s*\]`)

// count is the cell's execution count: -1 while it runs or waits, 0 if it
// has not run.
func (c pageCell) count() int {
	m := promptCount.FindStringSubmatch(c.Prompt)
	switch {
	case m == nil:
		return 0
	case m[1] == "*":
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func (c pageCell) running() bool { return c.count() < 0 }

// loading counts the cell's pictures still being decoded.
func (c pageCell) loading() int {
	n := 0
	for _, i := range c.Images {
		if !i.Complete {
			n++
		}
	}
	return n
}

// rendered counts the cell's pictures that the browser drew.
func (c pageCell) rendered() int {
	n := 0
	for _, i := range c.Images {
		if i.Complete && i.Width > 0 && i.Height > 0 {
			n++
		}
	}
	return n
}

// onThePage joins the notebook as saved (which cell is which: ids, tags,
// sources, and what the kernel sent) with what the page shows of each
// cell, in order: the cells the workbook's checks read have the page's
// text, the page's rendered pictures and the page's errors; a cell without
// an execution count (In [ ]: Run All stopped before it) has "not run" in
// its error. It fails where the page shows less than the kernel sent: a
// picture not drawn, an error not shown.
func onThePage(t *testing.T, st *notebookState, saved []jupytertest.Cell) []jupytertest.Cell {
	t.Helper()
	if len(st.Cells) != len(saved) {
		t.Fatalf("the page shows %d code cells, the saved notebook has %d", len(st.Cells), len(saved))
	}
	cells := make([]jupytertest.Cell, len(saved))
	for i, c := range saved {
		p := st.Cells[i]
		if n := p.count(); n <= 0 {
			// Run All stopped before it: workbooktest.Check says whether it
			// should have (a student copy stops at its first test cell).
			c.Error = strings.TrimSpace("not run " + c.Error)
		}
		if len(p.Images) != c.Images {
			t.Errorf("cell %s: the kernel sent %d pictures, the page shows %d", c.ID, c.Images, len(p.Images))
		}
		if r := p.rendered(); r != len(p.Images) {
			t.Errorf("cell %s: %d of its %d pictures not drawn (no natural size): %+v", c.ID, len(p.Images)-r, len(p.Images), p.Images)
		}
		if c.Error != "" && p.Errors == "" && p.count() > 0 {
			t.Errorf("cell %s: the kernel reported an error (%s) that the page does not show", c.ID, c.Error)
		}
		if p.Errors != "" {
			c.Error = p.Errors
		}
		c.Text, c.Images = p.Text, p.rendered()
		cells[i] = c
	}
	return cells
}

// checkTabs: gofmt's tabs are drawn as blanks, without the arrow that
// Notebook's editor theme draws (kernel/kernel.css).
func checkTabs(t *testing.T, st *notebookState) {
	t.Helper()
	if st.Tabs == 0 {
		t.Errorf("no tab in the code the page draws: gofmt-indented code expected")
	}
	if st.DrawnTabs > 0 {
		t.Errorf("%d of the %d tabs in the code are drawn with a marker: kernel/kernel.css is not applied", st.DrawnTabs, st.Tabs)
	}
}

// ---- the tree page and typing ----

// waitTree waits until the tree page lists every notebook.
func (tb *tab) waitTree(t *testing.T, names []string) {
	t.Helper()
	waitFor(t, actionLimit, "the tree page lists the workbook", func(links *[]string) error {
		return tb.read(`[...document.querySelectorAll('#notebook_list a.item_link')].map(a => a.getAttribute('href'))`, links)
	}, func(links *[]string) bool {
		for _, n := range names {
			found := false
			for _, l := range *links {
				found = found || strings.HasSuffix(l, "/notebooks/"+n)
			}
			if !found {
				return false
			}
		}
		return true
	})
}

// typeCell clicks into the i-th cell (from 1) of the notebook, types code
// and presses Shift-Enter, which runs it.
func (tb *tab) typeCell(t *testing.T, i int, code string) {
	t.Helper()
	tb.click(t, fmt.Sprintf("#notebook-container > .cell:nth-child(%d) .CodeMirror", i))
	tb.do(t, "type "+code, chromedp.KeyEvent(code), shiftEnter)
}

// shiftEnter presses Shift-Enter as a keyboard does on a page that handles
// the key: a key down and a key up, without the character a key down
// produces when nothing handles it (which would land in the next cell).
func shiftEnter(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
			Modifiers: int64(chromedp.ModifierShift),
		})
		if err != nil {
			return chromedp.Void{}, err
		}
	}
	return chromedp.Void{}, nil
}
