package workbook_test

import (
	"testing"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/pool"
)

// The registry's keys are the names a pool sends, and each call returns a
// map of its own.
func TestFuncs(t *testing.T) {
	funcs := workbook.Funcs()
	if len(funcs) < 6 {
		t.Fatalf("%d functions, want the six worker functions", len(funcs))
	}
	for key, f := range funcs {
		name, err := pool.FuncName(f)
		if err != nil || name != key {
			t.Errorf("key %q: pool.FuncName gives %q, %v", key, name, err)
		}
	}
	clear(funcs)
	if len(workbook.Funcs()) == 0 {
		t.Error("clearing one registry emptied the next")
	}
	if _, ok := workbook.Funcs()["github.com/golocks/golocks/course/workbook.Work"]; !ok {
		t.Error("workbook.Work is not served under its qualified name")
	}
}
