package stepper_test

import (
	"os"
	"testing"

	"github.com/golocks/golocks/course/stepper"
	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/pool"
)

// The test binary is also the worker the stepper's processes run in, as
// `golocks worker` is for the terminal tool.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		os.Exit(pool.Serve(pool.FindIn(workbook.Funcs())))
	}
	os.Exit(m.Run())
}

// opts are every test's options: this binary as the worker, quiet.
func opts(more ...stepper.Option) []stepper.Option {
	return append([]stepper.Option{stepper.Worker(os.Args[0]), stepper.Output(discard{}, discard{}), stepper.Env("GORACE=atexit_sleep_ms=0")}, more...)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
