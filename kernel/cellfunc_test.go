//go:build e2e

package kernel

// The kernel's side of cell functions in processes: cell.Lookup, called
// from a cell (runtime/cell is compiled into the kernel, as the pool calls it),
// says which top-level notebook function a func value is, and hands over
// the notebook's declarations so far, for a worker process to interpret.

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/golocks/golocks/internal/jupytertest"
)

func TestCellLookup(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	res := runSession(t, k, kernelName, []step{
		{"run": `import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/golocks/golocks/runtime/cell"
)

const rounds = 3

type Count int

var total Count

// work adds n to total, rounds times.
func work(n int, path string) error {
	for i := 0; i < rounds; i++ {
		total += Count(n)
	}
	return nil
}

func (c Count) Twice() Count { return 2 * c }

x := 5 // a statement: not a declaration
fmt.Println("declared", x)

// show prints what cell.Lookup says of f.
func show(label string, f any) {
	fn, ok := cell.Lookup(f)
	decls, _ := json.Marshal(fn.Decls)
	fmt.Printf("%s: %s %v %v %s\n", label, fn.Name, ok, fn.Worker != "", decls)
}`},
		// A cell that does not compile defines nothing.
		{"run": "func broken() {\n\tundefinedThing()\n}"},
		{"run": `old := work
var alias = work
show("work", work)
show("alias", alias)
show("closure", func(n int, path string) error { return nil })
show("compiled", strings.ToUpper)
show("nil", nil)

func sameCell() {}
show("same cell", sameCell)`},
		// Redefined: the new work is found, the old value no more.
		{"run": `func work(n int, path string) error {
	return fmt.Errorf("the new work")
}
show("new work", work)
show("old work", old)`},
	})
	for i, r := range res {
		if c := r.Cells[0]; (i == 1) != (c.status() == "error") {
			t.Fatalf("cell %d: %s %v %s", i, c.status(), c.Errors, c.Stdout)
		}
	}
	lookups := map[string]struct {
		name  string
		ok    bool
		decls []string
	}{}
	for _, r := range res[2:] {
		for _, line := range strings.Split(strings.TrimSpace(r.Cells[0].Stdout), "\n") {
			label, rest, _ := strings.Cut(line, ": ")
			f := strings.SplitN(rest, " ", 4)
			if len(f) != 4 {
				t.Fatalf("lookup line %q", line)
			}
			var decls []string
			if err := json.Unmarshal([]byte(f[3]), &decls); err != nil {
				t.Fatalf("lookup line %q: %v", line, err)
			}
			lookups[label] = struct {
				name  string
				ok    bool
				decls []string
			}{f[0], f[1] == "true", decls}
			if f[1] == "true" && f[2] != "true" {
				t.Errorf("%s: Lookup names no worker binary", label)
			}
		}
	}

	for _, label := range []string{"work", "alias", "same cell", "new work"} {
		if !lookups[label].ok {
			t.Errorf("Lookup(%s) found nothing", label)
		}
	}
	for _, label := range []string{"closure", "compiled", "nil", "old work"} {
		if l := lookups[label]; l.ok {
			t.Errorf("Lookup(%s) found %q; want nothing", label, l.name)
		}
	}
	if n := lookups["alias"].name; n != "work" {
		t.Errorf("Lookup(alias of work) = %q, want work", n)
	}
	if n := lookups["same cell"].name; n != "sameCell" {
		t.Errorf("Lookup(a function of the same cell) = %q, want sameCell", n)
	}

	decls := strings.Join(lookups["work"].decls, "\n")
	for _, want := range []string{`"github.com/golocks/golocks/runtime/cell"`, "const rounds = 3", "type Count int",
		"var total Count", "// work adds n to total", "func work(n int, path string) error", "func (c Count) Twice() Count",
		"func show(label string, f any)", "var alias = work", "func sameCell()"} {
		if !strings.Contains(decls, want) {
			t.Errorf("the declarations lack %q:\n%s", want, decls)
		}
	}
	for _, unwanted := range []string{"x := 5", "fmt.Println(\"declared\"", "broken", "old := work", "show(\"work\""} {
		if strings.Contains(decls, unwanted) {
			t.Errorf("the declarations hold %q, which is not a declaration of a cell that compiled:\n%s", unwanted, decls)
		}
	}
	newDecls := lookups["new work"].decls
	if last := newDecls[len(newDecls)-1]; !strings.Contains(last, `fmt.Errorf("the new work")`) {
		t.Errorf("the redefinition is not the last declaration: %q", last)
	}
}

// A function declared in a cell runs in real worker processes (the kernel's
// own binary, interpreting the notebook's declarations, with no Go on the
// PATH), as the seed's Pool(2).map(partial(work, ...), [1000, 2000]) does;
// after the cell is edited and run again, the new code runs. Compiled
// functions of the bound packages run there too; a closure is one clear
// error before any process starts; no worker is left behind.
func TestCellFunctionsInProcesses(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	res := runSession(t, k, kernelName, []step{
		{"run": `import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/golocks/golocks/runtime/pool"
	"github.com/golocks/golocks/course/workbook"
)

// work is the seed's: count to n in a file, reading and writing it each time.
func work(n int, path string) error {
	for i := 0; i < n; i++ {
		c := 0
		if b, err := os.ReadFile(path); err == nil {
			c, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if err := os.WriteFile(path, []byte(strconv.Itoa(c+1)), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("worker %d counted %d\n", os.Getpid(), n)
	return nil
}

os.Remove("parallel.txt")
err := pool.New(2).Map(work, []int{1000, 2000}, "parallel.txt")
b, _ := os.ReadFile("parallel.txt")
fmt.Printf("kernel %d: %v, count %s\n", os.Getpid(), err, b)`},
		{"run": `func work(n int, path string) error {
	fmt.Printf("the edited work: %d %s\n", n, path)
	return nil
}
err = pool.New(2).Map(work, []int{1, 2}, "edited")
fmt.Println("edited:", err)`},
		{"run": `os.Remove("compiled.txt")
err = pool.New(2).Map(workbook.Work, []int{10, 20}, "compiled.txt")
fmt.Println("compiled:", err)`},
		{"run": `closure := func(n int, path string) error { return nil }
fmt.Println("closure:", pool.New(2).Map(closure, []int{1}, "x"))`},
		{"procs": k.Data + " worker"},
	})
	for i, r := range res[:4] {
		if c := r.Cells[0]; c.status() != "ok" {
			t.Fatalf("cell %d: %s %+v\n%s", i, c.status(), c.Errors, c.output())
		}
	}
	out := res[0].Cells[0].Stdout
	m := regexp.MustCompile(`kernel (\d+): <nil>, count (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the two-process run: %q", out)
	}
	if n, _ := strconv.Atoi(m[2]); n < 1 || n > 3000 {
		t.Errorf("count %d, want 1..3000", n)
	}
	workers := map[string]bool{}
	for _, w := range regexp.MustCompile(`worker (\d+) counted (1000|2000)`).FindAllStringSubmatch(out, -1) {
		workers[w[1]] = true
	}
	if len(workers) != 2 || workers[m[1]] {
		t.Errorf("the calls ran in processes %v (the kernel is %s); want two workers, neither the kernel:\n%s", workers, m[1], out)
	}
	edited := res[1].Cells[0].Stdout
	if !strings.Contains(edited, "the edited work: 1 edited") || !strings.Contains(edited, "the edited work: 2 edited") || !strings.Contains(edited, "edited: <nil>") {
		t.Errorf("after editing work, the workers ran:\n%s", edited)
	}
	if c := res[2].Cells[0].Stdout; !strings.Contains(c, "compiled: <nil>") {
		t.Errorf("a compiled function in workers:\n%s", c)
	}
	if c := res[3].Cells[0].Stdout; !strings.Contains(c, "closure: pool:") || !strings.Contains(c, "top level") {
		t.Errorf("a closure: %q; want one clear error", c)
	}
	var left []string
	res[4].as(t, &left)
	if len(left) > 0 {
		t.Errorf("worker processes left: %q", left)
	}
}
