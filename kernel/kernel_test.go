//go:build e2e

package kernel

// The end-to-end test of the kernel: build it with `make install-kernel`
// into a private Jupyter folder, then drive it through Jupyter's own client
// (nbclient and jupyter_client, Debian's packages, run with /usr/bin/python3)
// with no Go toolchain on the PATH, and check what each notebook cell shows.
// The Jupyter plumbing is internal/jupytertest, shared with notebooks/.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golocks/golocks/internal/jupytertest"
)

const kernelName = jupytertest.KernelName

func TestKernel(t *testing.T) {
	// The build needs Go; only the Jupyter side below runs without it.
	k := jupytertest.InstallKernel(t)
	checkKernelSpec(t, filepath.Join(k.Data, "kernels", kernelName))

	t.Run("kernel_info", func(t *testing.T) {
		out := jupytertest.RunPython(t, k.Env, k.Dir, filepath.Join(k.Root, "kernel", "kernel_info.py"), kernelName)
		var info struct {
			Seconds float64
			Reply   struct {
				Implementation string
				LanguageInfo   struct{ Name, Version string } `json:"language_info"`
			}
		}
		if err := json.Unmarshal(jupytertest.LastLine(out), &info); err != nil {
			t.Fatalf("kernel_info.py output: %v\n%s", err, out)
		}
		if info.Reply.LanguageInfo.Name != "go" {
			t.Errorf("kernel_info language_info.name = %q, want go\n%s", info.Reply.LanguageInfo.Name, out)
		}
		t.Logf("kernel start to first reply: %.3fs (%s, %s)", info.Seconds,
			info.Reply.Implementation, info.Reply.LanguageInfo.Version)
	})

	t.Run("notebook", func(t *testing.T) {
		testNotebook(t, k)
	})
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
	// The kernel's own binary is the pool's worker: it runs notebook
	// functions and the compiled functions of every bound package.
	if ks.Language != "go" || ks.DisplayName == "" || ks.Env["GOLOCKS_WORKER"] != filepath.Join(bin, "golocks-kernel") {
		t.Errorf("kernel.json = %s", raw)
	}
	for _, f := range []string{"bin/golocks-kernel", "bin/golocks", "logo-64x64.png"} {
		if _, err := os.Stat(filepath.Join(spec, f)); err != nil {
			t.Errorf("kernelspec: %v", err)
		}
	}
}

// A cell of the test notebook, and what its output must show.
type cell struct {
	id, src string
	check   func(t *testing.T, out output)
}

// output is what one executed cell showed: its Text (streams and result)
// and Error (a panic, a compile error), "" if none.
type output = jupytertest.Cell

func testNotebook(t *testing.T, k *jupytertest.Kernel) {
	pkgs, err := Bindings(filepath.Join(k.Root, "kernel", "bindings.txt"), "github.com/golocks/golocks")
	if err != nil || len(pkgs) == 0 {
		t.Fatalf("kernel/bindings.txt: %v, %d packages", err, len(pkgs))
	}
	cells := notebookCells(pkgs)

	work := filepath.Join(k.Dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(work, "kernel-test.ipynb"), filepath.Join(k.Dir, "kernel-test.out.ipynb")
	writeNotebook(t, in, cells)

	start := time.Now()
	outs, summary := k.RunNotebook(t, in, out, 60)
	t.Logf("notebook, %d cells: %v; %s", len(cells), time.Since(start).Round(time.Millisecond), summary)
	if len(outs) != len(cells) {
		t.Fatalf("%d cells in, %d out", len(cells), len(outs))
	}
	for i, c := range cells {
		t.Run(c.id, func(t *testing.T) {
			o := outs[i]
			c.check(t, o)
			if t.Failed() {
				t.Logf("cell source:\n%s\noutput:\n%s\nerror: %s", c.src, o.Text, o.Error)
			}
		})
	}
}

// notebookCells is the test notebook.
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

func show(args ...any) { fmt.Println(args...) }
show("ready")`, wants("ready")},

		{"no-go", `if p, err := exec.LookPath("go"); err != nil {
	show("no go:", err)
} else {
	show("go found at", p)
}`, wants("no go:")},

		// A "$" line is run by /bin/sh, as Jupyter's "!": quotes, pipes
		// and globs mean what they do in a terminal.
		{"shell", "$ printf '%s|%s\\n' \"two  words\" x | tr a-z A-Z", wants("TWO  WORDS|X")},
	}
	for _, p := range pkgs {
		cells = append(cells, cell{"import-" + filepath.Base(p),
			fmt.Sprintf("import %q\nshow(\"imported\")", p), wants("imported")})
	}
	cells = append(cells, []cell{
		// The seed's Exercise 2: two real processes racing on one file.
		// Their messages must stream into this cell.
		{"unlocked", `os.Remove("parallel.txt")
errU := pool.New(2).Map(workbook.Work, []int{1000, 2000}, "parallel.txt")
nU, errRU := workbook.ReadCount("parallel.txt")
show("unlocked:", nU, errU, errRU)`, func(t *testing.T, o output) {
			noError(t, o)
			// The first worker always finds no file; read errors are
			// chance (under load the workers may not overlap).
			if !strings.Contains(o.Text, "File doesn't exist, starting to count from 0.") {
				t.Error("no seed message from the workers in this cell")
			}
			n := intAfter(t, o.Text, `unlocked: (\d+) <nil> <nil>`)
			if n < 1 || n > 3000 {
				t.Errorf("unlocked count = %d, want 1..3000", n)
			}
			t.Logf("unlocked run counted %d of 3000, %d read errors", n,
				strings.Count(o.Text, "File read error"))
		}},

		// Exercise 4: the same with the lock held for each whole call.
		{"locked", `os.Remove("locked.txt")
errL := pool.New(2).Map(workbook.WorkLocked, []int{1000, 2000}, "locked.txt", "locked.lock")
nL, errRL := workbook.ReadCount("locked.txt")
show("locked:", nL, errL, errRL)`, func(t *testing.T, o output) {
			noError(t, o)
			wantIn(t, o, "locked: 3000 <nil> <nil>")
			if strings.Contains(o.Text, "File read error") {
				t.Error("read errors with the lock held")
			}
		}},

		// Exercise 8: a value in shared memory, its lock held around each
		// read-add-write, in two worker processes.
		{"shared-value", `os.Remove("value.bin")
v, errV := shared.OpenValue("value.bin")
errS := pool.New(2).Map(workbook.IncrementShared, []int{20000, 20000}, "locked", "value.bin", "")
show("shared:", v.Get(), errV, errS)
v.Close()
nG, errG := workbook.Goroutines("mutex", 4, 10000)
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
			if n := strings.Count(o.Text, "once\n"); n != 1 {
				t.Errorf("sync.OnceFunc ran %d times", n)
			}
			wantIn(t, o, "joined: true")
		}},

		// A panic in a cell is reported, and the kernel lives on.
		{"panic", `panic("boom from a cell")`, func(t *testing.T, o output) {
			if !strings.Contains(o.Error, "boom from a cell") {
				t.Errorf("panic not reported as the cell's error: %q", o.Error)
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

		// What a cell's last line shows (kernel/README.md, "What a cell
		// shows"): a call shows what it printed, not the results Go
		// discards ("3 <nil>")...
		{"call-println", `fmt.Println("hi")`, exactly("hi\n")},
		{"call-method", `import "strings"
var sb strings.Builder
sb.WriteString("abc")`, exactly("")},
		{"call-func-literal", `(func() (int, bool) { return 7, true })()`, exactly("")},
		// ... a value shows itself: an expression, a conversion, a
		// built-in Go refuses as a statement, a function value.
		{"value-expr", "x := 41\nx + 1", exactly("42")},
		{"value-conversion", "int64(3)", exactly("3")},
		{"value-conversion-named", "type celsius float64\ncelsius(21.5)", exactly("21.5")},
		{"value-conversion-pkg", `time.Duration(1500)`, exactly("1.5µs")},
		{"value-builtin", `len("abcd")`, exactly("4")},
		{"value-func", "strings.ToUpper", func(t *testing.T, o output) {
			noError(t, o)
			if o.Text == "" {
				t.Error("a function value shows nothing")
			}
		}},
		// ... a call's non-nil error is shown, never dropped...
		{"call-error", `os.ReadFile("/nonexistent/golocks")`, func(t *testing.T, o output) {
			noError(t, o)
			if !strings.Contains(o.Text, "no such file") || strings.Contains(o.Text, "[]") {
				t.Errorf("want only the call's error, got %q", o.Text)
			}
		}},
		// ... and a picture (a chart's PNG bytes) shows itself, with no
		// Display; so does the chart's value, and its error if it failed.
		{"call-chart", `chart.Counts("three runs", []int{1000, 2000, 3000}, 3000)`, pictures(1)},
		{"value-chart", `png, _ := chart.Counts("three runs", []int{1000, 2000, 3000}, 3000)
png`, pictures(1)},
		{"call-chart-error", `func failed() ([]byte, error) { return nil, errors.New("no picture today") }
failed()`, func(t *testing.T, o output) {
			noError(t, o)
			if o.Text != "no picture today" || o.Images != 0 {
				t.Errorf("want the error as the cell's result, got %q and %d pictures", o.Text, o.Images)
			}
		}},
	}...)
	return cells
}

func wants(s string) func(*testing.T, output) {
	return func(t *testing.T, o output) {
		noError(t, o)
		wantIn(t, o, s)
	}
}

// exactly wants the cell's text (streams and result) to be text, and no
// error.
func exactly(text string) func(*testing.T, output) {
	return func(t *testing.T, o output) {
		noError(t, o)
		if o.Text != text || o.Images != 0 {
			t.Errorf("cell shows %q and %d pictures, want exactly %q", o.Text, o.Images, text)
		}
	}
}

// pictures wants the cell to show n PNG pictures and no text.
func pictures(n int) func(*testing.T, output) {
	return func(t *testing.T, o output) {
		noError(t, o)
		if o.Images != n || o.Text != "" {
			t.Errorf("cell shows %d pictures and %q, want %d pictures and no text", o.Images, o.Text, n)
		}
	}
}

func noError(t *testing.T, o output) {
	t.Helper()
	if o.Error != "" {
		t.Errorf("cell error: %s", o.Error)
	}
}

func wantIn(t *testing.T, o output, s string) {
	t.Helper()
	if !strings.Contains(o.Text, s) {
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
