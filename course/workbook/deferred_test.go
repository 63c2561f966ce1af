package workbook_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// A deferred Close whose error is joined into the named result must assign
// that result, not a variable of the same name declared in a block
// (`v, err := Open(...)` inside a case): then the Close error is silently
// dropped, as IncrementShared's once was. A Close error cannot be provoked
// from outside (munmap and close of valid mappings and descriptors do not
// fail short of an I/O error), so this test reads the code: in every
// function of the package, a deferred function literal that assigns a
// named result must reach that very result.
func TestDeferredErrorsReachTheResult(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		for _, problem := range lostDeferredResults(t, f, nil) {
			t.Error(problem)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no source files checked")
	}

	// The check catches the bug it exists for: IncrementShared as it was.
	const old = `package shared
func Increment(mode, path string, n int) (err error) {
	switch mode {
	case "racy":
		v, err := OpenValue(path)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, v.Close()) }()
		return nil
	}
	return nil
}`
	if problems := lostDeferredResults(t, "increment.go", old); len(problems) != 1 {
		t.Errorf("the old IncrementShared: %q, want its one lost Close error", problems)
	}
}

// lostDeferredResults lists the deferred assignments in a file (or src)
// that miss the function's named result they mean.
func lostDeferredResults(t *testing.T, name string, src any) []string {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, name, src, 0) // with object resolution
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, d := range file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil || fn.Type.Results == nil {
			continue
		}
		results := map[string]*ast.Object{}
		for _, field := range fn.Type.Results.List {
			for _, id := range field.Names {
				results[id.Name] = id.Obj
			}
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			def, ok := n.(*ast.DeferStmt)
			if !ok {
				return true
			}
			lit, ok := def.Call.Fun.(*ast.FuncLit)
			if !ok {
				return true
			}
			ast.Inspect(lit.Body, func(n ast.Node) bool {
				as, ok := n.(*ast.AssignStmt)
				if !ok || as.Tok != token.ASSIGN {
					return true
				}
				for _, lhs := range as.Lhs {
					id, ok := lhs.(*ast.Ident)
					if want, named := results[id.Name]; ok && named && id.Obj != want {
						problems = append(problems, fset.Position(id.Pos()).String()+": the deferred "+id.Name+" is not "+fn.Name.Name+"'s result "+id.Name+" but a variable declared in a block")
					}
				}
				return true
			})
			return true
		})
	}
	return problems
}
