package pool

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"unicode"

	"github.com/golocks/golocks/runtime/cell"
)

// A call is one task made ready to run: its function, its arguments, and
// how to show it. Everything a run could refuse is found while making it,
// before any process or goroutine starts.
type call struct {
	text   string          // workbook.Work(1000, "parallel.txt"), for results and errors
	fn     reflect.Value   // the function (goroutines)
	args   []reflect.Value // its arguments in the parameter types (goroutines)
	wire   Call            // what the worker process is sent (processes)
	worker string          // the program that runs it (processes)
}

// goroutineCalls makes MapFunc's calls: any function, closures included.
func goroutineCalls(tasks []Task) ([]*call, error) {
	calls := make([]*call, len(tasks))
	for i, t := range tasks {
		fn := reflect.ValueOf(t.Func)
		if err := runnable(fn, displayName(t.Func), len(t.Args)); err != nil {
			return nil, fmt.Errorf("pool: %w", err)
		}
		c := &call{text: describe(displayName(t.Func), t.Args), fn: fn}
		var err error
		if c.args, err = argValues(fn.Type(), t.Args, true); err != nil {
			return nil, fmt.Errorf("pool: %s: %w", c.text, err)
		}
		calls[i] = c
	}
	return calls, nil
}

// processCalls makes the calls of Map and Run: a notebook's top-level
// function (run by the kernel's binary) or a compiled one known by name
// (run by the pool's worker), with arguments that travel as JSON.
func (s settings) processCalls(tasks []Task) ([]*call, error) {
	calls := make([]*call, len(tasks))
	compiledWorker := "" // looked up once, for the first compiled function
	for i, t := range tasks {
		// What cannot go by name (a closure, a method value) is said before
		// what runnable says of it, which may follow from it (a method
		// expression takes its receiver first).
		fn := reflect.ValueOf(t.Func)
		if err := isFunc(fn, displayName(t.Func)); err != nil {
			return nil, fmt.Errorf("pool: %w", err)
		}
		c := &call{fn: fn}
		var err error
		if nf, ok := cell.Lookup(t.Func); ok {
			c.text = describe(nf.Name, t.Args)
			c.wire = Call{Func: nf.Name, Decls: nf.Decls}
			if c.worker, err = notebookWorker(nf); err != nil {
				return nil, fmt.Errorf("pool: %s: %w", c.text, err)
			}
		} else {
			c.text = describe(compiledName(fn), t.Args)
			name, err := funcName(fn)
			if err != nil {
				return nil, fmt.Errorf("pool: %s: %w", c.text, err)
			}
			if compiledWorker == "" {
				if compiledWorker, err = s.compiledWorker(); err != nil {
					return nil, err
				}
			}
			c.wire, c.worker = Call{Func: name}, compiledWorker
		}
		if err := runnable(fn, displayName(t.Func), len(t.Args)); err != nil {
			return nil, fmt.Errorf("pool: %w", err)
		}
		args, err := argValues(fn.Type(), t.Args, false)
		if err != nil {
			return nil, fmt.Errorf("pool: %s: %w", c.text, err)
		}
		for j, a := range args {
			data, err := encodeArg(a, paramType(fn.Type(), j))
			if err != nil {
				return nil, fmt.Errorf("pool: %s: argument %d (%s) cannot go to a worker process: %w", c.text, j+1, a.Type(), err)
			}
			c.wire.Args = append(c.wire.Args, data)
		}
		calls[i] = c
	}
	return calls, nil
}

// argValues returns args as values of ft's parameter types, as many as
// runnable let through: each must be assignable to its parameter, or of the
// same kind and convertible (a string for a named string type, a Count for
// an int). A nil argument stands for the parameter's zero value in a
// goroutine (if that can be nil); a worker process is never sent one.
func argValues(ft reflect.Type, args []any, nilOK bool) ([]reflect.Value, error) {
	vals := make([]reflect.Value, len(args))
	for i, a := range args {
		pt := paramType(ft, i)
		v := reflect.ValueOf(a)
		switch {
		case !v.IsValid() && nilOK && nilable(pt):
			vals[i] = reflect.Zero(pt)
		case !v.IsValid():
			return nil, fmt.Errorf("argument %d is nil: pass a %s", i+1, pt)
		case v.Type().AssignableTo(pt):
			vals[i] = v
		case v.Kind() == pt.Kind() && v.Type().ConvertibleTo(pt):
			vals[i] = v.Convert(pt)
		default:
			return nil, fmt.Errorf("argument %d is a %s; the function takes a %s", i+1, v.Type(), pt)
		}
	}
	return vals, nil
}

func nilable(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map, reflect.Func, reflect.Chan:
		return true
	}
	return false
}

// FuncName returns the name by which a worker process finds the compiled
// function f: its qualified name as the Go runtime knows it, such as
// "github.com/golocks/golocks/course/workbook.Work". Map sends it to the
// worker, and a worker's registry is keyed by it (see FindIn).
//
// It is an error for anything a worker could not find by name: nil, a value
// that is not a function, a function literal or closure, a method value or
// method, an instance of a generic function, or a function made at run time
// (by reflect.MakeFunc; in a notebook, a function literal or closure that the
// interpreter made).
func FuncName(f any) (string, error) {
	v := reflect.ValueOf(f)
	if err := isFunc(v, displayName(f)); err != nil {
		return "", fmt.Errorf("pool: %w", err)
	}
	name, err := funcName(v)
	if err != nil {
		return "", fmt.Errorf("pool: %w", err)
	}
	return name, nil
}

// funcName is FuncName of a function value.
func funcName(v reflect.Value) (string, error) {
	rf := runtime.FuncForPC(v.Pointer())
	if rf == nil {
		return "", errors.New("a function the Go runtime has no name for")
	}
	name := rf.Name()
	return name, checkFuncName(name)
}

// checkFuncName says why a worker could not find a function by its runtime
// name, if it could not. The names look like "path/to/pkg.Func"; the last
// element of the path may itself contain dots, escaped as %2e.
func checkFuncName(name string) error {
	base := name[strings.LastIndexByte(name, '/')+1:]
	_, ident, ok := strings.Cut(base, ".")
	switch {
	case strings.HasPrefix(name, "reflect.") && strings.Contains(name, "makeFunc"):
		return errors.New("a function made at run time (in a notebook: a function literal or a closure) cannot run in another process; declare it at the top level of a cell: func name(...) {...}")
	case !ok:
		return fmt.Errorf("%s is not a function a worker can find by name", name)
	case strings.HasSuffix(ident, "-fm"):
		return fmt.Errorf("%s is a method value; pass a top-level function (a method's receiver cannot go to another process)", strings.TrimSuffix(ident, "-fm"))
	case strings.Contains(ident, "["):
		return fmt.Errorf("%s is an instance of a generic function; pass a non-generic top-level function", base)
	case strings.Contains(ident, ".func") || strings.Contains(ident, ".gowrap"):
		return fmt.Errorf("%s is a function literal or a closure; only a function declared at the top level can run in another process", base)
	case !isIdent(ident):
		return fmt.Errorf("%s is a method or a nested function; pass a function declared at the top level", base)
	}
	return nil
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(unicode.IsLetter(r) || r == '_' || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// displayName is how errors and results name f: a notebook function's own
// name, a compiled function's package-qualified name ("workbook.Work"), or
// "func" for a function literal a notebook made.
func displayName(f any) string {
	if nf, ok := cell.Lookup(f); ok {
		return nf.Name
	}
	v := reflect.ValueOf(f)
	if v.Kind() != reflect.Func || v.IsNil() {
		return fmt.Sprintf("%v", f)
	}
	return compiledName(v)
}

// compiledName is a compiled function's name without its package's path.
func compiledName(fn reflect.Value) string {
	rf := runtime.FuncForPC(fn.Pointer())
	if rf == nil || strings.HasPrefix(rf.Name(), "reflect.") {
		return "func"
	}
	name := rf.Name()
	return strings.ReplaceAll(name[strings.LastIndexByte(name, '/')+1:], "%2e", ".")
}

// describe spells a call as Go would: work(1000, "parallel.txt"). Each
// argument is shown as JSON (how it travels), cut short if long, with the
// password of any URL in it hidden (a Redis server's, say): the text goes
// into errors, which end up in terminals and notebooks.
func describe(name string, args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		s := fmt.Sprintf("%v", a)
		if b, err := json.Marshal(a); err == nil {
			s = string(b)
		}
		s = urlPassword.ReplaceAllString(s, "${1}xxxxx@")
		if r := []rune(s); len(r) > 40 {
			s = string(r[:39]) + "…"
		}
		parts[i] = s
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// urlPassword matches the "user:password@" of a URL ("redis://:secret@host")
// up to the password, which the replacement hides.
var urlPassword = regexp.MustCompile(`([a-z][a-z0-9+.-]*://[^:/@\s"]*:)[^@\s"]*@`)

// notebookWorker is the kernel's binary that interprets a notebook function.
func notebookWorker(nf cell.Func) (string, error) {
	if nf.Worker == "" {
		return "", fmt.Errorf("the kernel named no worker binary for notebook function %s", nf.Name)
	}
	path, err := exec.LookPath(nf.Worker)
	if err != nil {
		return "", fmt.Errorf("the kernel's worker binary %s: %w", nf.Worker, errors.Unwrap(err))
	}
	return path, nil
}
