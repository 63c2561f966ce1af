//go:build golocks_kernel

package main

// How a failed cell is reported: Jupyter's error message and reply carry
// ename (what kind of error), evalue (its message) and traceback (the
// lines a front-end shows, the first being "ename: evalue").
//
// gophernotes sent ename "ERROR" and no traceback for everything. Here the
// kind comes from what the cell was doing when it failed (see doEval): a
// `$`/`%` command ("error"), parsing ("syntax error"), compiling ("compile
// error"), running ("panic", "interrupt", "exit"). Syntax and compile
// errors show the cell's line with a caret under the column; a panic in
// compiled code shows the compiled frames it came from.

import (
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/cosmos72/gomacro/base"
	"github.com/cosmos72/gomacro/go/scanner"
)

// evalStage is what doEval was doing.
type evalStage int

const (
	stageCommand evalStage = iota // `$ command` and `%magic` lines
	stageParse
	stageCompile
	stageRun
)

// A cellError is a panic doEval recovered, with what it was doing then.
type cellError struct {
	stage evalStage
	value any
	stack string // compiled frames the panic came from, for stageRun
}

// newCellError is called in doEval's deferred recover, on the panicking
// stack, which is why it can still see the frames the panic came from.
func newCellError(stage evalStage, value any) error {
	e := &cellError{stage: stage, value: value}
	if stage == stageRun {
		e.stack = compiledFrames(string(debug.Stack()))
	}
	return e
}

func (e *cellError) Error() string {
	if err, ok := e.value.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(e.value)
}

func (e *cellError) Unwrap() error {
	err, _ := e.value.(error)
	return err
}

// describeError turns a cell's error into Jupyter's ename, evalue and
// traceback; code is the cell's code, for the line a compile error is on.
func describeError(err error, code string) (ename, evalue string, traceback []string) {
	var ce *cellError
	var exit exitError
	switch {
	case errors.Is(err, errInterrupted):
		return "interrupt", err.Error(), []string{"interrupt: " + err.Error() + "; the kernel and your variables are still here"}
	case errors.As(err, &exit):
		return "exit", exit.Error(), []string{"exit: " + exit.Error()}
	case !errors.As(err, &ce):
		return "error", err.Error(), lines("error", err.Error())
	}
	switch ce.stage {
	case stageCommand:
		return "error", ce.Error(), lines("error", ce.Error())
	case stageParse, stageCompile:
		ename = "compile error"
		if ce.stage == stageParse {
			ename = "syntax error"
		}
		var list scanner.ErrorList
		if errors.As(ce, &list) && len(list) > 0 {
			evalue = fmt.Sprintf("%d:%d: %s", list[0].Pos.Line, list[0].Pos.Column, list[0].Msg)
			for _, e := range list {
				traceback = append(traceback, fmt.Sprintf("%s: %d:%d: %s", ename, e.Pos.Line, e.Pos.Column, e.Msg))
				traceback = append(traceback, sourceLine(code, e.Pos.Line, e.Pos.Column)...)
			}
			return ename, evalue, traceback
		}
		evalue = ce.Error()
		line, col := 0, 0
		if m := position.FindStringSubmatch(evalue); m != nil {
			line, _ = strconv.Atoi(m[1])
			col, _ = strconv.Atoi(m[2])
			evalue = m[1] + ":" + m[2] + ": " + evalue[len(m[0]):]
		}
		return ename, evalue, append(lines(ename, evalue), sourceLine(code, line, col)...)
	}
	// stageRun
	if ce.value == base.SigInterrupt { // an interrupt that raced the end of the cell
		return "interrupt", errInterrupted.Error(), []string{"interrupt: " + errInterrupted.Error()}
	}
	evalue = ce.Error()
	traceback = lines("panic", evalue)
	if ce.stack != "" {
		traceback = append(traceback, "", "in compiled code:")
		traceback = append(traceback, strings.Split(ce.stack, "\n")...)
	}
	return "panic", evalue, traceback
}

// position is the file:line:column gomacro puts in front of its messages.
var position = regexp.MustCompile(`^[^\s:]+\.go:(\d+):(\d+):\s*`)

// lines is "ename: evalue", one line per line of evalue.
func lines(ename, evalue string) []string {
	return strings.Split(ename+": "+evalue, "\n")
}

// sourceLine shows line (counted from 1) of code with a caret under
// column, or nothing if there is no such line.
func sourceLine(code string, line, col int) []string {
	all := strings.Split(code, "\n")
	if line < 1 || line > len(all) {
		return nil
	}
	src := strings.ReplaceAll(all[line-1], "\t", "    ")
	out := []string{fmt.Sprintf("%4d | %s", line, src)}
	if col >= 1 {
		// Columns count bytes; tabs became four spaces above.
		prefix := all[line-1]
		if col-1 <= len(prefix) {
			prefix = prefix[:col-1]
		}
		pad := len(strings.ReplaceAll(prefix, "\t", "    "))
		out = append(out, "     | "+strings.Repeat(" ", pad)+"^")
	}
	return out
}

// compiledFrames picks, out of a panicking goroutine's stack
// (debug.Stack's format), the frames of compiled code the panic came from:
// those between the runtime's panic machinery and the interpreter. Empty
// when the panic came from interpreted code itself.
func compiledFrames(stack string) string {
	lines := strings.Split(stack, "\n")
	var out []string
	inPanic := false
	for i := 1; i+1 < len(lines); i += 2 {
		fn, file := lines[i], lines[i+1]
		switch {
		case strings.HasPrefix(fn, "panic("):
			inPanic, out = true, nil // frames above this are the recover's own
			continue
		case !inPanic, strings.HasPrefix(fn, "runtime."):
			continue
		case strings.HasPrefix(fn, "github.com/cosmos72/gomacro/"), strings.HasPrefix(fn, "reflect."):
			return strings.Join(out, "\n")
		}
		out = append(out, fn, file)
		if len(out) >= 20 {
			break
		}
	}
	return strings.Join(out, "\n")
}
