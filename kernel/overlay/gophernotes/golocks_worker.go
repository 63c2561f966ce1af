//go:build golocks_kernel

package main

// `golocks-kernel worker`: this binary as a pool's worker process.
//
// A pool started from a notebook runs its calls in worker processes, and
// the worker is the kernel's own binary (cell.Func.Worker, and
// $GOLOCKS_WORKER in kernel.json), so that both kinds of functions run:
//
//   - a function the student declared in a cell: the pool sends the
//     notebook's declarations so far (cell.Lookup), which a fresh gomacro
//     interpreter, set up as the kernel's, interprets before calling it.
//     Editing the cell and running it again runs the new code;
//   - a compiled function of any package bound into the kernel (ours, the
//     standard library), found by its qualified name in gomacro's tables.
//
// pool.Serve does the rest (the call's arguments, the start line, reports).
// Nothing here writes to stdout: it is the call's own output.

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"reflect"
	"strings"

	interp "github.com/cosmos72/gomacro/fast"
	"github.com/cosmos72/gomacro/imports"

	"github.com/golocks/golocks/runtime/pool"
)

// isWorker says whether the process was started as a pool's worker.
func isWorker() bool {
	return len(os.Args) == 2 && os.Args[1] == "worker"
}

// serveWorker serves the call a pool sends (and, for a gated run made
// again, the same call again) and returns the exit status.
func serveWorker() int {
	f := &finder{}
	return pool.Serve(f.find)
}

// A finder is findFunc that keeps what it found for a call made again
// (pool.GatedRun.Again, which the stepper's Every makes hundreds of times):
// interpreting the notebook's declarations is most of such a call's cost.
// It keeps a notebook function only if its declarations declare no
// package-level variable: then nothing a call does can change what they
// define (functions, types, constants, imports), and the kept function is
// what a new interpreter would make. With a variable, the declarations are
// interpreted again, in a new interpreter, so that every call finds the
// variables as declared, as in a fresh process.
type finder struct {
	key string
	fn  reflect.Value
}

func (f *finder) find(c pool.Call) (reflect.Value, error) {
	key := c.Func + "\x00" + strings.Join(c.Decls, "\x00")
	if f.fn.IsValid() && key == f.key {
		return f.fn, nil
	}
	fn, err := findFunc(c)
	f.key, f.fn = "", reflect.Value{}
	if err == nil && len(c.Decls) > 0 && noVariables(c.Decls) {
		f.key, f.fn = key, fn
	}
	return fn, err
}

// noVariables says whether the declarations surely declare no
// package-level variable: each parses as Go, with no var declaration.
func noVariables(decls []string) bool {
	fset := token.NewFileSet()
	for _, src := range decls {
		file, err := parser.ParseFile(fset, "", "package p\n"+src, parser.SkipObjectResolution)
		if err != nil {
			return false
		}
		for _, d := range file.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
				return false
			}
		}
	}
	return true
}

// findFunc finds the function a call names: a notebook function (the call
// carries declarations) or a compiled one ("path/to/pkg.Name").
func findFunc(c pool.Call) (reflect.Value, error) {
	if len(c.Decls) > 0 {
		return notebookFunc(c.Func, c.Decls)
	}
	return compiledFunc(c.Func)
}

// notebookFunc interprets the notebook's declarations in a fresh
// interpreter and returns the function called name.
func notebookFunc(name string, decls []string) (reflect.Value, error) {
	ir := workerInterp()
	for i, src := range decls {
		if err := evalDecls(ir, src); err != nil {
			return reflect.Value{}, fmt.Errorf("the notebook's declarations (cell %d of %d that declared something): %w", i+1, len(decls), err)
		}
	}
	v := ir.ValueOf(name)
	if !v.IsValid() || v.Kind() != reflect.Func {
		return reflect.Value{}, fmt.Errorf("the notebook declares no function %s", name)
	}
	return v.ReflectValue(), nil
}

// workerInterp is an interpreter set up as the kernel's, without Jupyter:
// the display package, Display and ClearOutput (which do nothing useful
// here), time.Sleep and os.Exit as in Go. gomacro's own messages
// (warnings) go nowhere: never to stdout.
func workerInterp() *interp.Interp {
	// interp.New may warn on stdout (with GOROOT set, about generic
	// functions of the standard library it skips): not the call's output.
	stdout := os.Stdout
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stdout = null
		defer func() {
			os.Stdout = stdout
			null.Close()
		}()
	}
	ir := interp.New()
	ir.Comp.Stdout, ir.Comp.Stderr = io.Discard, io.Discard
	importPackage(ir, "display", "display")
	ir.DeclVar("Display", nil, stubDisplay)
	ir.DeclFunc("ClearOutput", func(bool) {})
	// A panic in a goroutine the function starts: say so on stderr and
	// exit with the status the Go runtime would (2), without its trace of
	// interpreter internals.
	ir.Comp.GoPanic = func(value any) {
		fmt.Fprintf(os.Stderr, "panic in a goroutine: %v\n", value)
		os.Exit(2)
	}
	return ir
}

// evalDecls interprets one cell's declarations; a compile error (gomacro
// panics with it) is returned.
func evalDecls(ir *interp.Interp, src string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v%s", r, undeclaredHint(fmt.Sprint(r)))
		}
	}()
	ir.Eval(src)
	return nil
}

// undeclaredHint explains the usual reason a worker misses a name the
// kernel has: a variable set with := at the top of a cell is a statement,
// which a worker does not run again.
func undeclaredHint(msg string) string {
	if !strings.Contains(msg, "undefined identifier") {
		return ""
	}
	return " (a worker process interprets the notebook's declarations only: a variable set with := at the top of a cell is not one; declare it with var, or pass the value as an argument)"
}

// compiledFunc finds a compiled function by its qualified name
// ("github.com/golocks/golocks/course/workbook.Work") in the packages compiled
// into the kernel.
func compiledFunc(qualified string) (reflect.Value, error) {
	slash := strings.LastIndex(qualified, "/")
	dot := strings.LastIndex(qualified, ".")
	if dot <= slash || dot == len(qualified)-1 {
		return reflect.Value{}, fmt.Errorf("%q is not a qualified function name (path/to/pkg.Name)", qualified)
	}
	path, name := qualified[:dot], qualified[dot+1:]
	p, ok := imports.Packages[path]
	if !ok {
		return reflect.Value{}, fmt.Errorf("package %s is not compiled into this kernel", path)
	}
	v, ok := p.Binds[name]
	if !ok || v.Kind() != reflect.Func {
		return reflect.Value{}, errors.New(qualified + " is not a function of a package compiled into this kernel")
	}
	return v, nil
}
