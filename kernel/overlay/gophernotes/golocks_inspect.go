//go:build golocks_kernel

package main

// inspect_request (Shift-Tab in a notebook) and the `%doc NAME` command:
// the Go doc comment of the name under the cursor.
//
// The kernel runs with no Go toolchain and no source tree, so the docs of
// the packages compiled into it (ours, github.com/gofrs/flock, every
// standard package gomacro binds, and the builtins) are generated at build
// time by kernel/gendoc into golocks_docs.json.gz and embedded; they are
// decoded on the first request, not at start. A name the notebook declared
// shows its own declaration and comment; a variable shows its type and
// that type's doc; `p.Map` on a *pool.Pool variable shows Pool.Map.

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"log"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	interp "github.com/cosmos72/gomacro/fast"
	"github.com/cosmos72/gomacro/xreflect"
)

//go:embed golocks_docs.json.gz
var docsGz []byte

// A docPackage is one package's documentation, as kernel/gendoc writes it.
type docPackage struct {
	Name    string            `json:"name"`
	Doc     string            `json:"doc"`
	Members map[string]string `json:"members"` // "Name", "Type.Method" -> declaration and doc
}

// docs are the embedded docs, decoded once, when first needed.
var docs = sync.OnceValue(func() map[string]docPackage {
	all := map[string]docPackage{}
	zr, err := gzip.NewReader(bytes.NewReader(docsGz))
	if err == nil {
		err = json.NewDecoder(zr).Decode(&all)
	}
	if err != nil {
		log.Printf("golocks: reading the embedded docs: %v", err)
	}
	return all
})

// inspect answers an inspect_request.
func (g *golocks) inspect(r msgReceipt) {
	c := content(r)
	code, _ := c["code"].(string)
	cursor := utf8.RuneCountInString(code)
	if v, ok := c["cursor_pos"].(float64); ok {
		cursor = int(v)
	}
	data := map[string]any{}
	text, found := g.docFor(nameAt(code, byteOffset(code, cursor)))
	if found {
		data["text/plain"] = text
	}
	reply(r, "inspect_reply", map[string]any{
		"status":   "ok",
		"found":    found,
		"data":     data,
		"metadata": map[string]any{},
	})
}

// nameAt is the identifier chain under the cursor (`strings.Rep|eat`,
// `p.Ma|p`, `|filelock`), split at its dots.
func nameAt(code string, pos int) []string {
	end := pos
	for end < len(code) {
		r, size := utf8.DecodeRuneInString(code[end:])
		if !isIdent(r) {
			break
		}
		end += size
	}
	words := selectorAt(code[:end])
	if len(words) > 0 && words[len(words)-1] == "" {
		words = words[:len(words)-1] // `strings.|`: the package
	}
	return words
}

func isIdent(r rune) bool {
	return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') || r > utf8.RuneSelf
}

// docFor documents a name: words is `pkg.Name`, `pkg.Type.Method`,
// `variable.Method`, `Name`...
func (g *golocks) docFor(words []string) (string, bool) {
	if len(words) == 0 {
		return "", false
	}
	// What the notebook declared: `work`, `Counter`, `Counter.Inc`.
	if len(words) <= 2 {
		if src, ok := g.decls.declared(strings.Join(words, ".")); ok {
			return src, true
		}
	}
	c := g.kernel.ir.Comp
	if sym := c.TryResolve(words[0]); sym != nil {
		switch v := sym.Value.(type) {
		case *interp.Import:
			if sym.Const() {
				return member(v.Path, words[1:])
			}
		case interp.Builtin, *interp.Builtin:
			if len(words) == 1 {
				return member("builtin", words)
			}
		}
		return g.typeDoc(words, sym.Type)
	}
	// A package not imported yet, by its name.
	for _, path := range pathsNamed(words[0]) {
		if s, ok := member(path, words[1:]); ok {
			return s, true
		}
	}
	if len(words) == 1 {
		if s, ok := docs()["builtin"].Members[words[0]]; ok {
			return s, true
		}
	}
	return "", false
}

// member documents a package (no names) or one of its members.
func member(path string, names []string) (string, bool) {
	p, ok := docs()[path]
	if !ok {
		return "", false
	}
	if len(names) == 0 || names[0] == "" {
		return fmt.Sprintf("package %s // import %q\n\n%s", p.Name, path, p.Doc), true
	}
	if len(names) > 2 {
		names = names[:2]
	}
	s, ok := p.Members[strings.Join(names, ".")]
	return s, ok
}

// typeDoc documents a notebook variable (words[0], of type t) or the field
// or method that words[1:] select from it.
func (g *golocks) typeDoc(words []string, t xreflect.Type) (string, bool) {
	c := g.kernel.ir.Comp
	if t == nil {
		return "", false
	}
	if len(words) == 1 {
		s := fmt.Sprintf("%s %s", words[0], t)
		if d, ok := namedTypeDoc(t); ok {
			s += "\n\n" + d
		}
		return s, true
	}
	for i, w := range words[1:] {
		field, isField, method, isMethod, err := c.TryLookupFieldOrMethod(t, w)
		switch {
		case err != nil:
			return "", false
		case isMethod && i == len(words)-2:
			recv := t
			if recv.Kind() == xreflect.Ptr && recv.Name() == "" {
				recv = recv.Elem()
			}
			if s, ok := member(recv.PkgPath(), []string{recv.Name(), w}); ok {
				return s, true
			}
			if s, ok := g.decls.declared(recv.Name() + "." + w); ok { // a notebook type's method
				return s, true
			}
			return fmt.Sprintf("%s.%s %s", recv, w, method.Type), true
		case isField:
			t = field.Type
			if i == len(words)-2 {
				s := fmt.Sprintf("field %s %s", w, t)
				if d, ok := namedTypeDoc(t); ok {
					s += "\n\n" + d
				}
				return s, true
			}
		default:
			return "", false
		}
	}
	return "", false
}

// namedTypeDoc is the doc of t's named type (through one pointer), if a
// documented package declares it.
func namedTypeDoc(t xreflect.Type) (string, bool) {
	if t.Kind() == xreflect.Ptr && t.Name() == "" {
		t = t.Elem()
	}
	if t.Name() == "" || t.PkgPath() == "" {
		return "", false
	}
	return member(t.PkgPath(), []string{t.Name()})
}

// pathsNamed returns the documented packages named name, ours first.
func pathsNamed(name string) []string {
	var paths []string
	for path, p := range docs() {
		if p.Name == name {
			paths = append(paths, path)
		}
	}
	sort.Slice(paths, func(i, j int) bool {
		return strings.Count(paths[i], "/") > strings.Count(paths[j], "/") ||
			strings.Count(paths[i], "/") == strings.Count(paths[j], "/") && paths[i] < paths[j]
	})
	return paths
}

// docCommand is `%doc NAME`: NAME's doc, for the pager.
var docCommand = regexp.MustCompile(`^%doc\s+(\S+)\s*$`)

// page returns the doc `%doc NAME` asks for.
func (g *golocks) page(line string) (string, error) {
	m := docCommand.FindStringSubmatch(strings.TrimSpace(line))
	if m == nil {
		return "", fmt.Errorf("usage: %%doc NAME, for example %%doc strings.Repeat")
	}
	words := strings.Split(m[1], ".")
	if s, ok := g.docFor(words); ok {
		return s, nil
	}
	return "", fmt.Errorf("%%doc: no documentation for %s", m[1])
}
