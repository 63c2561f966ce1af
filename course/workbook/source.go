package workbook

import _ "embed" // for Source

// Source is the Go source of Work (the file work.go), exactly as compiled
// into the worker processes. Print it in a notebook to show the code that
// races rather than a copy that could drift from it.
//
//go:embed work.go
var Source string
