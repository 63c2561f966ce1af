//go:build golocks_kernel

package main

// complete_request (Tab in a notebook).
//
// gomacro completes what the interpreter knows: the notebook's names,
// keywords, and `x.Sel` chains on imported packages, variables and types.
// On top of that, a student who has not imported a package yet gets its
// members anyway (`strings.Rep` -> Repeat) and its name (`filel` ->
// filelock), from the packages compiled into the kernel; and inside an
// import's quotes, the import paths (`"github.com/golocks/golocks/pkg/`).
// Jupyter counts cursor positions in Unicode code points, gomacro in bytes.

import (
	"errors"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	interp "github.com/cosmos72/gomacro/fast"
	"github.com/cosmos72/gomacro/go/scanner"
	"github.com/cosmos72/gomacro/imports"
)

// complete answers a complete_request: always "ok", with no matches when
// there is nothing to offer.
func (g *golocks) complete(r msgReceipt) {
	c := content(r)
	code, _ := c["code"].(string)
	cursor := len([]rune(code))
	if v, ok := c["cursor_pos"].(float64); ok {
		cursor = int(v)
	}
	pos := byteOffset(code, cursor)
	start, matches := g.completions(code, pos)
	if matches == nil {
		start, matches = pos, []string{}
	}
	reply(r, "complete_reply", map[string]any{
		"status":       "ok",
		"matches":      matches,
		"cursor_start": utf8.RuneCountInString(code[:start]),
		"cursor_end":   cursor,
		"metadata":     map[string]any{},
	})
}

// completions returns what may replace code[start:pos].
func (g *golocks) completions(code string, pos int) (start int, matches []string) {
	if start, partial, ok := importPathAt(code, pos); ok {
		for path := range imports.Packages {
			if strings.HasPrefix(path, partial) {
				matches = append(matches, path)
			}
		}
		sort.Strings(matches)
		return start, matches
	}
	head, found, _ := g.kernel.ir.CompleteWords(code, pos)
	words := selectorAt(code[:pos])
	if len(found) > 0 && len(words) != 1 {
		return len(head) - len(interp.TailIdentifier(head)), found
	}
	// What the interpreter does not know yet: packages not imported.
	if len(words) == 0 {
		return pos, nil
	}
	last := words[len(words)-1]
	start = pos - len(last)
	switch len(words) {
	case 1: // the notebook's names, keywords, and packages' names
		matches = found
		for _, p := range imports.Packages {
			if last != "" && strings.HasPrefix(p.Name, last) {
				matches = append(matches, p.Name)
			}
		}
	case 2: // a member of a package not imported yet
		for _, p := range packagesNamed(words[0]) {
			for name := range p.Binds {
				if strings.HasPrefix(name, last) {
					matches = append(matches, name)
				}
			}
			for name := range p.Types {
				if strings.HasPrefix(name, last) {
					matches = append(matches, name)
				}
			}
		}
	}
	return start, sortUnique(matches)
}

// packagesNamed returns the compiled-in packages whose name is name.
func packagesNamed(name string) []imports.Package {
	var found []imports.Package
	for _, p := range imports.Packages {
		if p.Name == name {
			found = append(found, p)
		}
	}
	return found
}

// selector is a chain of identifiers ending at the cursor: `a.b.c`, `a.`.
var selector = regexp.MustCompile(`[\pL_][\pL\pN_]*(\s*\.\s*[\pL_][\pL\pN_]*)*(\s*\.\s*)?$|[\pL_][\pL\pN_]*$`)

// selectorAt splits the identifier chain that ends code into its words
// (the last may be empty, right after a dot); nil if there is none.
func selectorAt(code string) []string {
	m := selector.FindString(code)
	if m == "" {
		return nil
	}
	words := strings.Split(m, ".")
	for i := range words {
		words[i] = strings.TrimSpace(words[i])
	}
	return words
}

// importLine is an import spec up to an open quote: `import "pa`,
// `import x "pa`, or inside an import block `	"pa`.
var (
	importLine  = regexp.MustCompile(`^\s*import\s+(?:[\pL_.][\pL\pN_]*\s+)?"([^"]*)$`)
	importBlock = regexp.MustCompile(`^\s*(?:[\pL_.][\pL\pN_]*\s+)?"([^"]*)$`)
	openImports = regexp.MustCompile(`(?m)^\s*import\s*\(`)
)

// importPathAt says whether the cursor is inside an import path's quotes,
// and where the path started and what of it is typed so far.
func importPathAt(code string, pos int) (start int, partial string, ok bool) {
	before := code[:pos]
	lineStart := strings.LastIndexByte(before, '\n') + 1
	line := before[lineStart:]
	if m := importLine.FindStringSubmatch(line); m != nil {
		return pos - len(m[1]), m[1], true
	}
	if m := importBlock.FindStringSubmatch(line); m != nil {
		// Inside `import (` with no `)` since.
		if locs := openImports.FindAllStringIndex(before[:lineStart], -1); len(locs) > 0 {
			if !strings.Contains(before[locs[len(locs)-1][1]:lineStart], ")") {
				return pos - len(m[1]), m[1], true
			}
		}
	}
	return 0, "", false
}

// byteOffset converts a cursor position in code points to a byte offset.
func byteOffset(code string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	n := 0
	for i := range code {
		if n == cursor {
			return i
		}
		n++
	}
	return len(code)
}

// sortUnique sorts names and drops repeats.
func sortUnique(names []string) []string {
	sort.Strings(names)
	out := names[:0]
	for i, n := range names {
		if i == 0 || n != names[i-1] {
			out = append(out, n)
		}
	}
	return out
}

// withoutCommands blanks the `$ command` and `%magic` lines at the top of a
// cell, which are not Go, keeping the line count (evalSpecialCommands runs
// them).
func withoutCommands(code string) string {
	lines := strings.Split(code, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if l[0] != '$' && l[0] != '%' {
			break
		}
		lines[i] = ""
	}
	return strings.Join(lines, "\n")
}

// endsEarly says whether a parse error is only that code stops too soon (a
// raw string or an expression left open at the end): is_complete's
// "incomplete", where more lines would help, rather than "invalid".
func endsEarly(err error, code string) bool {
	var list scanner.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return false
	}
	e := list[0]
	return strings.Contains(e.Msg, "not terminated") || e.Pos.Offset >= len(strings.TrimRight(code, " \t\r\n"))
}
