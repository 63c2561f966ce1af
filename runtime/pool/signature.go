package pool

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// runnable is the one place that says which functions a pool runs, and
// with how many arguments: fn must be a non-nil function that returns
// nothing or an error (the error is the call's outcome), and nargs must
// fit its parameters (at least all but the variadic one). name names the
// function in the error.
//
// Both ends of a call check with it: the caller (Map, Run, Start, MapFunc)
// before any process or goroutine starts, and the worker (Serve) again on
// the function it found for a Call that arrived over its channel, since a
// request may come from anything that speaks the protocol, and a worker's
// find may return another function than the caller had. Each argument is
// then checked against paramType of its position: on the caller's side as
// a Go value (argValues), and as the JSON it travels as by decodeArg, the
// worker's own decoding, which encodeArg runs before anything is sent.
func runnable(fn reflect.Value, name string, nargs int) error {
	if err := isFunc(fn, name); err != nil {
		return err
	}
	ft := fn.Type()
	in := ft.NumIn()
	switch {
	case ft.NumOut() > 1 || ft.NumOut() == 1 && ft.Out(0) != errorType:
		return fmt.Errorf("%s returns %s: a pool's function returns nothing or an error", name, results(ft))
	case ft.IsVariadic() && nargs < in-1:
		return fmt.Errorf("%s takes at least %d arguments %s, not %d", name, in-1, params(ft), nargs)
	case !ft.IsVariadic() && nargs != in:
		return fmt.Errorf("%s takes %d arguments %s, not %d", name, in, params(ft), nargs)
	}
	return nil
}

// isFunc is runnable's first question, which FuncName asks too: is fn a
// function at all?
func isFunc(fn reflect.Value, name string) error {
	switch {
	case !fn.IsValid():
		return errors.New("no function to call (nil)")
	case fn.Kind() != reflect.Func:
		return fmt.Errorf("%s is a %s, not a function", name, fn.Type())
	case fn.IsNil():
		return fmt.Errorf("the function is a nil %s", fn.Type())
	}
	return nil
}

var errorType = reflect.TypeFor[error]()

// paramType is the type of argument i of a function of type ft, variadic
// arguments included.
func paramType(ft reflect.Type, i int) reflect.Type {
	if ft.IsVariadic() && i >= ft.NumIn()-1 {
		return ft.In(ft.NumIn() - 1).Elem()
	}
	return ft.In(i)
}

// params and results spell a function's parameter and result types.
func params(ft reflect.Type) string {
	var p []string
	for i := range ft.NumIn() {
		t := ft.In(i).String()
		if ft.IsVariadic() && i == ft.NumIn()-1 {
			t = "..." + ft.In(i).Elem().String()
		}
		p = append(p, t)
	}
	return "(" + strings.Join(p, ", ") + ")"
}

func results(ft reflect.Type) string {
	var r []string
	for i := range ft.NumOut() {
		r = append(r, ft.Out(i).String())
	}
	if len(r) == 1 {
		return r[0]
	}
	return "(" + strings.Join(r, ", ") + ")"
}
