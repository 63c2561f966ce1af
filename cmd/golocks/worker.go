package main

import (
	"io"

	"github.com/golocks/golocks/course/workbook"
	"github.com/golocks/golocks/runtime/pool"
)

// workerCmd serves one call from a pool (runtime/pool starts `golocks worker`,
// with no arguments, and sends the call on its own channel): one of the
// workbook's compiled functions, workbook.Funcs. Its exit status is
// pool.Serve's: 0 the call returned nil, 1 it failed, 2 it was never made
// (arguments given here are refused the same way, before anything runs).
func workerCmd(args []string, stderr io.Writer) int {
	if len(args) > 0 {
		return report(usagef("takes no arguments (a pool sends the call on its own channel), not %q", args[0]), "worker", stderr)
	}
	return pool.Serve(pool.FindIn(workbook.Funcs()))
}
