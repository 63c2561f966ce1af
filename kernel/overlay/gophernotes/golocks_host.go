//go:build golocks_kernel

package main

// The kernel as the golocks library sees it: a cell.Host.
//
// cell.Context() is the running cell's context, which an interrupt cancels
// (golocks_interrupt.go). cell.Lookup(f) tells a process pool which
// top-level notebook function f is, and the notebook's declarations so far,
// so that a worker process (this binary, `golocks-kernel worker`: see
// golocks_worker.go) can interpret them and call the same function: the
// student's own code runs in the racing processes.

import (
	"context"
	"go/ast"
	"go/token"
	"os"
	"reflect"
	"strings"
	"sync"
	"unsafe"

	"github.com/cosmos72/gomacro/ast2"
	"github.com/cosmos72/gomacro/fast"
	"github.com/cosmos72/gomacro/go/etoken"

	"github.com/golocks/golocks/runtime/cell"
)

// host is the kernel's cell.Host.
type host struct{ g *golocks }

// Context returns the running cell's context, or, between cells, one that
// is never done.
func (h host) Context() context.Context {
	if c := h.g.cells.running.Load(); c != nil {
		return c.ctx
	}
	return context.Background()
}

// Lookup reports which top-level notebook function f is, comparing f's
// function value with each declared function's, now: after a cell redefines
// `work`, the old value matches nothing. A closure, a method value or a
// compiled function matches nothing.
func (h host) Lookup(f any) (cell.Func, bool) {
	name, decls, ok := h.g.decls.lookup(f)
	if !ok {
		return cell.Func{}, false
	}
	worker, err := os.Executable()
	if err != nil {
		worker = os.Args[0]
	}
	return cell.Func{Name: name, Decls: decls, Worker: worker}, true
}

// declarations are the notebook's top-level declarations so far, one
// source string per cell that declared something, in the order the cells
// ran, and the names of the functions among them.
type declarations struct {
	ir *fast.Interp

	mu    sync.Mutex
	cells []string
	funcs map[string]bool
	// source is each declared name's declaration, with its comment, for
	// inspect_request: "work", "Counter", "Counter.Inc".
	source map[string]string
}

// record, called with d.mu held, keeps the declarations of a cell that compiled (before it runs,
// so that a pool started in the same cell sees them): imports, constants,
// types, variables and functions (with methods), with the comments between
// them, sliced from the cell's code as the parser saw it. Statements (`x :=
// 5`, a call) are not declarations: a worker must not run them again.
func (d *declarations) record(code string, fset *etoken.FileSet, nodes []ast.Node) {
	var src []byte
	prevEnd := 0
	var funcs []string
	named := map[string]string{}
	for _, n := range nodes {
		start, end := offset(fset, n.Pos()), offset(fset, n.End())
		if start < 0 || end > len(code) || start > end {
			continue
		}
		gap := prevEnd
		prevEnd = end
		// From the end of the previous node: keeps a declaration's doc
		// comment.
		text := strings.TrimSpace(code[gap:end])
		switch n := n.(type) {
		case *ast.FuncDecl:
			switch {
			case n.Recv == nil:
				funcs = append(funcs, n.Name.Name)
				named[n.Name.Name] = text
			case len(n.Recv.List) == 0:
				continue // a gomacro macro, not Go
			default:
				named[receiverName(n.Recv.List[0].Type)+"."+n.Name.Name] = text
			}
		case *ast.GenDecl:
			// import, const, type, var
			for _, s := range n.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					named[s.Name.Name] = text
				case *ast.ValueSpec:
					for _, id := range s.Names {
						named[id.Name] = text
					}
				}
			}
		default:
			continue
		}
		src = append(src, text...)
		src = append(src, '\n')
	}
	if len(src) == 0 {
		return
	}
	d.cells = append(d.cells, string(src))
	if d.funcs == nil {
		d.funcs, d.source = map[string]bool{}, map[string]string{}
	}
	for _, f := range funcs {
		d.funcs[f] = true
	}
	for name, text := range named {
		d.source[name] = text
	}
}

// receiverName is the type name of a method's receiver: T for T and *T.
func receiverName(x ast.Expr) string {
	switch t := x.(type) {
	case *ast.StarExpr:
		return receiverName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr: // a generic type, which gomacro skips anyway
		return receiverName(t.X)
	}
	return ""
}

// declared returns the source of a name the notebook declared ("work",
// "Counter.Inc"), if it did.
func (d *declarations) declared(name string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	s, ok := d.source[name]
	return s, ok
}

// compile compiles a cell's parsed code and, if it compiles, records its
// declarations (record). Holding d.mu meanwhile keeps a Lookup from another
// goroutine off the interpreter's maps while the compiler changes them.
func (d *declarations) compile(code string, nodes []ast.Node, src ast2.Ast) *fast.Expr {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.ir.CompileAst(src) // panics on a compile error: nothing recorded
	d.record(code, d.ir.Comp.Fileset, nodes)
	return e
}

// offset is pos's byte offset in its file (the cell), or -1.
func offset(fset *etoken.FileSet, pos token.Pos) int {
	if !pos.IsValid() {
		return -1
	}
	return fset.Position(pos).Offset
}

// lookup finds the declared function whose value is f's.
func (d *declarations) lookup(f any) (name string, decls []string, ok bool) {
	if f == nil {
		return "", nil, false
	}
	want := funcData(f)
	d.mu.Lock()
	defer d.mu.Unlock()
	for n := range d.funcs {
		v := d.ir.ValueOf(n)
		if !v.IsValid() || v.Kind() != reflect.Func {
			continue
		}
		fv := v.Interface()
		if fv != nil && funcData(fv) == want && v.Type() == reflect.TypeOf(f) {
			return n, append([]string(nil), d.cells...), true
		}
	}
	return "", nil, false
}

// funcData is the data word of an interface holding a func: the function
// value's pointer, which tells two functions of one signature apart (a
// func's reflect Pointer() is its code, shared by every function gomacro
// builds the same way).
func funcData(f any) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&f))[1]
}
