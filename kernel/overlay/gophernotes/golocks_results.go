//go:build golocks_kernel

package main

// What a cell's last line shows.
//
// gophernotes showed every value of a cell's last expression, so a cell
// ending in fmt.Println("hi") showed "3 <nil>" after "hi": results Go
// itself discards when the call is a statement. Notebooks wrapped their
// calls in helpers to hide them, and a chart needed
// Display(display.PNG(png)) plumbing to be seen.
//
// The rule (kernel/README.md, "What a cell shows"): a cell ending in a
// value (x, x+1, len(s), int64(3): what Go does not accept as a
// statement) shows it, as before. A cell ending in a function or method
// call (what Go runs as a statement, discarding its results) shows
//   - the call's non-nil error, if it returned one: a failure is never
//     silent;
//   - else the picture it returned, if any: display.Data, an image, a value
//     with an HTML(), PNG(), SVG()... method, or bytes holding a PNG, JPEG
//     or GIF image (chart.Counts(...) returns ([]byte, error));
//   - else nothing.

import (
	"bytes"
	"go/ast"
	"image"
	"reflect"

	"github.com/cosmos72/gomacro/fast"
	"github.com/cosmos72/gomacro/xreflect"
)

// valueBuiltin reports whether name is a built-in function Go does not
// accept as a statement: a call of one is a value, shown.
func valueBuiltin(name string) bool {
	switch name {
	case "append", "cap", "complex", "imag", "len", "make", "new", "real", "min", "max":
		return true
	}
	return false
}

// shownResults is what the cell shows of the values of its last
// expression, last: all of them, or for a call its first non-nil error, else
// its first picture, else nothing.
func (g *golocks) shownResults(last ast.Node, vals []any, types []xreflect.Type) ([]any, []xreflect.Type) {
	if len(types) != len(vals) || !isCallStatement(g.kernel.ir.Comp, last) {
		return vals, types
	}
	errorType := reflect.TypeOf((*error)(nil)).Elem()
	for i, v := range vals {
		if v != nil && types[i] != nil && types[i].ReflectType() == errorType {
			return vals[i : i+1], types[i : i+1]
		}
	}
	for i, v := range vals {
		if v != nil && (g.kernel.canAutoRender(v, types[i]) || imageBytes(v) != nil) {
			return vals[i : i+1], types[i : i+1]
		}
	}
	return nil, nil
}

// isCallStatement reports whether node is a function or method call, which
// Go accepts as a statement: not a conversion (int64(3), []byte(s)) nor a
// built-in function Go refuses as a statement (len, append...).
func isCallStatement(c *fast.Comp, node ast.Node) bool {
	e, ok := node.(ast.Expr)
	if !ok {
		return false
	}
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.ArrayType, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType, *ast.StructType:
		return false // a conversion to a type literal
	case *ast.Ident:
		if sym := c.TryResolve(fun.Name); sym != nil {
			_, builtin := sym.Value.(fast.Builtin)
			return !builtin || !valueBuiltin(fun.Name)
		}
	}
	return !isType(c, call.Fun)
}

// isType reports whether e names a type in the notebook: T, pkg.T, *T.
func isType(c *fast.Comp, e ast.Expr) (yes bool) {
	defer func() {
		if recover() != nil { // gomacro reports "not a type" by panicking
			yes = false
		}
	}()
	return c.Type(e) != nil
}

// imageBytes returns v's bytes if v is a byte slice holding a PNG, JPEG or
// GIF image (as a chart is), else nil.
func imageBytes(v any) []byte {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() != reflect.Uint8 {
		return nil
	}
	b := rv.Bytes()
	if _, _, err := image.DecodeConfig(bytes.NewReader(b)); err != nil {
		return nil
	}
	return b
}

// renderImageBytes renders a cell's result that is a lone image held in
// bytes as that image; ok is false for any other result.
func renderImageBytes(vals []any) (data Data, ok bool) {
	var b []byte
	for _, v := range vals {
		if v == nil {
			continue
		}
		if b != nil {
			return Data{}, false // more than one value: shown as text
		}
		if b = imageBytes(v); b == nil {
			return Data{}, false
		}
	}
	if b == nil {
		return Data{}, false
	}
	_, format, _ := image.DecodeConfig(bytes.NewReader(b))
	mime := "image/" + format // png, jpeg, gif: the formats golocks_display.go registers
	return Data{Data: MIMEMap{mime: b, MIMETypeText: describeBytes(mime, b)}, Metadata: MIMEMap{}}, true
}
