// Command genbind writes gomacro "import _b" bindings for Go packages into
// the imports folder of a build copy of gophernotes, so the rebuilt kernel
// has those packages compiled in and needs no Go toolchain at run time.
//
// It is what a notebook cell `import _b "some/path"` does, without a
// notebook: gomacro loads each package's exported API with
// golang.org/x/tools/go/packages (running `go get` and `go list` in the
// imports folder, which must therefore sit inside a module that can resolve
// the packages) and writes one Go file per package. Generic functions and
// types are skipped by gomacro: an API a notebook calls must not be generic.
//
// Usage (kernel/build.sh runs it):
//
//	genbind -gopath BUILD/gopath path/to/pkg1 path/to/pkg2 ...
//
// gomacro finds the imports folder through a GOPATH-shaped tree:
// GOPATH/src/github.com/gopherdata/gophernotes/imports. We set the GOPATH
// it looks in from a flag rather than the environment, so the `go` commands
// gomacro runs keep the caller's GOPATH and module cache.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/build"
	"os"
	"path/filepath"
	"strings"

	"github.com/cosmos72/gomacro/base/genimport"
	"github.com/cosmos72/gomacro/base/paths"
	"github.com/cosmos72/gomacro/fast"
	"github.com/cosmos72/gomacro/imports"

	// Importing gophernotes' imports package makes gomacro write the
	// bindings there (its init sets paths.SymbolFromImportsPackage) and
	// lets us check that what we generate matches what the kernel compiles.
	_ "github.com/gopherdata/gophernotes/imports"
)

const importsPkg = "github.com/gopherdata/gophernotes/imports"

func main() {
	gopath := flag.String("gopath", "", "GOPATH-shaped tree holding src/"+importsPkg+" (required)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: genbind -gopath DIR package...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *gopath == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*gopath, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "genbind:", err)
		os.Exit(1)
	}
}

func run(gopath string, pkgs []string) error {
	abs, err := filepath.Abs(gopath)
	if err != nil {
		return err
	}
	// paths.GetImportsSrcDir reads build.Default.GOPATH lazily, on first use.
	build.Default.GOPATH = abs
	want := filepath.Join(abs, "src", filepath.FromSlash(importsPkg))
	got := paths.GetImportsSrcDir()
	if got != want {
		return fmt.Errorf("gomacro would write bindings to %s, want %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(want, "a_package.go")); err != nil {
		return fmt.Errorf("no gophernotes copy in %s: %w", want, err)
	}

	ir := fast.New()
	// fast.New copies its globals after creating the importer, which keeps
	// writing to the copy's (unreachable) output; point it at ours.
	ir.Comp.Importer = genimport.DefaultImporter(&ir.Comp.Output)
	for _, pkg := range pkgs {
		// gomacro skips a package it already has a table for. Standard
		// library packages all have one, frozen at Go 1.18; dropping it makes
		// gomacro write a fresh table from the Go that builds the kernel, and
		// that table's init (in gophernotes' imports package, which runs
		// after gomacro's own) replaces the old one in the running kernel.
		delete(imports.Packages, pkg)

		// gomacro reports what it skipped (generic names) as warnings on
		// its output; collect them to say plainly what the kernel lacks.
		var log bytes.Buffer
		ir.Comp.Stdout, ir.Comp.Stderr = &log, &log
		// One package per call, so an error names the package that failed.
		_, err := ir.ImportPackagesOrError(map[string]fast.PackageName{pkg: "_b"})
		if err != nil {
			os.Stderr.Write(log.Bytes())
			return fmt.Errorf("bindings for %s: %w", pkg, err)
		}
		fmt.Printf("genbind: %s\n", pkg)
		if skipped := skippedNames(log.String()); len(skipped) > 0 {
			fmt.Printf("genbind:   not in the kernel (generic): %s\n", strings.Join(skipped, ", "))
		}
	}
	return nil
}

// skippedNames picks the names out of gomacro's
// "// warning: skipping import of NAME: importing generic ..." lines.
// Skips in packages the loaded package depends on are reported the
// same way, with the package name in front.
func skippedNames(log string) []string {
	const marker = "skipping import of "
	var names []string
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, marker)
		if i < 0 {
			continue
		}
		name, _, _ := strings.Cut(line[i+len(marker):], ":")
		names = append(names, strings.TrimSpace(name))
	}
	return names
}
