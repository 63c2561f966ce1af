// Command gendoc writes the Go documentation of the packages compiled into
// the kernel, for the kernel's inspect_request (Shift-Tab in a notebook) and
// its `%doc NAME` command: the kernel runs without a Go toolchain or source
// tree, so the doc comments travel inside the binary.
//
// Usage (kernel/build.sh runs it in the repository's root):
//
//	gendoc -o docs.json.gz [-std] package...
//
// With -std it also documents every standard-library package gomacro has
// bindings for, and the builtin functions (`len`, `append`...). The output
// is a gzipped JSON object: import path -> {name, doc, members}, where
// members maps "Name" and "Type.Method" to the declaration as source
// followed by its doc comment as text.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/doc"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cosmos72/gomacro/imports"
)

// A docPackage is what the kernel knows of one package.
type docPackage struct {
	Name    string            `json:"name"`
	Doc     string            `json:"doc"`
	Members map[string]string `json:"members"`
}

func main() {
	out := flag.String("o", "", "output file (gzipped JSON), required")
	std := flag.Bool("std", false, "also document the standard library packages gomacro binds, and the builtins")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gendoc -o docs.json.gz [-std] package...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	pkgs := flag.Args()
	if *std {
		pkgs = append(pkgs, "builtin")
		pkgs = append(pkgs, boundStd()...)
	}
	if err := run(*out, pkgs); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// boundStd lists the standard library packages gomacro has tables for.
func boundStd() []string {
	var std []string
	for path := range imports.Packages {
		first, _, _ := strings.Cut(path, "/")
		if !strings.Contains(first, ".") && !strings.HasPrefix(path, "internal/") && !strings.Contains(path, "/internal/") {
			std = append(std, path)
		}
	}
	sort.Strings(std)
	return std
}

func run(out string, pkgs []string) error {
	listed, err := goList(pkgs)
	if err != nil {
		return err
	}
	all := map[string]docPackage{}
	for _, l := range listed {
		p, err := document(l)
		if err != nil {
			return fmt.Errorf("%s: %w", l.ImportPath, err)
		}
		all[l.ImportPath] = p
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err := json.NewEncoder(zw).Encode(all); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	fmt.Printf("gendoc: %d packages, %d KB\n", len(all), buf.Len()/1024)
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// listedPackage is what `go list -json` says of a package.
type listedPackage struct {
	ImportPath, Name, Dir string
	GoFiles               []string
}

// goList finds each package's source files as the Go toolchain builds them
// for this platform. A package that does not exist here (gomacro binds a
// few that newer Go versions dropped) is skipped.
func goList(pkgs []string) ([]listedPackage, error) {
	cmd := exec.Command("go", append([]string{"list", "-e", "-json=ImportPath,Name,Dir,GoFiles,Error"}, pkgs...)...)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	var list []listedPackage
	dec := json.NewDecoder(bytes.NewReader(raw))
	for dec.More() {
		var p struct {
			listedPackage
			Error *struct{ Err string }
		}
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		if p.Error != nil || len(p.GoFiles) == 0 {
			continue
		}
		list = append(list, p.listedPackage)
	}
	return list, nil
}

// document reads a package's doc comments.
func document(l listedPackage) (docPackage, error) {
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range l.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(l.Dir, name), nil, parser.ParseComments)
		if err != nil {
			return docPackage{}, err
		}
		files = append(files, f)
	}
	var mode doc.Mode
	if l.ImportPath == "builtin" {
		mode = doc.AllDecls // its names (len, append...) are lower case
	}
	d, err := doc.NewFromFiles(fset, files, l.ImportPath, mode)
	if err != nil {
		return docPackage{}, err
	}
	p := docPackage{Name: d.Name, Doc: text(d, d.Doc), Members: map[string]string{}}
	add := func(name string, decl ast.Node, comment string) {
		p.Members[name] = strings.TrimSpace(source(fset, decl) + "\n\n" + text(d, comment))
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			for _, n := range v.Names {
				add(n, v.Decl, v.Doc)
			}
		}
	}
	funcs := func(prefix string, fs []*doc.Func) {
		for _, f := range fs {
			add(prefix+f.Name, f.Decl, f.Doc)
		}
	}
	values(d.Consts)
	values(d.Vars)
	funcs("", d.Funcs)
	for _, t := range d.Types {
		values(t.Consts)
		values(t.Vars)
		funcs("", t.Funcs)
		funcs(t.Name+".", t.Methods)
		// A type's entry also lists its constructors and methods.
		var extra []string
		for _, f := range append(append([]*doc.Func(nil), t.Funcs...), t.Methods...) {
			extra = append(extra, source(fset, f.Decl))
		}
		s := source(fset, t.Decl) + "\n\n" + text(d, t.Doc)
		if len(extra) > 0 {
			s = strings.TrimSpace(s) + "\n\n" + strings.Join(extra, "\n")
		}
		p.Members[t.Name] = strings.TrimSpace(s)
	}
	return p, nil
}

// source prints a declaration as Go source (function bodies are gone: go/doc
// drops them).
func source(fset *token.FileSet, decl ast.Node) string {
	if fd, ok := decl.(*ast.FuncDecl); ok {
		fd.Body, fd.Doc = nil, nil
	}
	if gd, ok := decl.(*ast.GenDecl); ok {
		gd.Doc = nil
	}
	var buf bytes.Buffer
	if err := format.Node(&buf, fset, decl); err != nil {
		return ""
	}
	return buf.String()
}

// text renders a doc comment as plain text.
func text(d *doc.Package, comment string) string {
	return string(d.Text(comment))
}
