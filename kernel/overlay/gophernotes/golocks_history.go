//go:build golocks_kernel

package main

// history_request: what this kernel ran, for front-ends that ask (a
// console's up arrow, %history-like tools, Jupyter's conformance suite).
// ipykernel keeps its history in a database across sessions; this kernel
// keeps the cells of its own session in memory, as session 1.

import (
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// historySession is the session number of this kernel's own history.
const historySession = 1

type history struct {
	mu      sync.Mutex
	entries []historyEntry
}

type historyEntry struct {
	line   int    // the cell's execution count
	input  string // its code
	output string // its result's text/plain, if it had one
}

// add records a cell that ran with store_history.
func (h *history) add(line int, input, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, historyEntry{line, input, output})
}

// reply answers a history_request: hist_access_type "tail" (the last n
// cells), "range" (lines start <= line < stop of a session; 0 and negative
// sessions count back from this one, which is the only one there is) or
// "search" (cells whose code matches a glob pattern, optionally unique,
// the last n).
func (h *history) reply(req map[string]any) map[string]any {
	h.mu.Lock()
	entries := append([]historyEntry(nil), h.entries...)
	h.mu.Unlock()

	num := func(k string, def int) int {
		if v, ok := req[k].(float64); ok {
			return int(v)
		}
		return def
	}
	output, _ := req["output"].(bool)
	var picked []historyEntry
	switch req["hist_access_type"] {
	case "tail":
		picked = last(entries, num("n", 10))
	case "range":
		if s := num("session", 0); s == historySession || s <= 0 {
			start, stop := num("start", 0), num("stop", 0)
			for _, e := range entries {
				if e.line >= start && (stop <= 0 || e.line < stop) {
					picked = append(picked, e)
				}
			}
		}
	case "search":
		pattern, _ := req["pattern"].(string)
		match := glob(pattern)
		unique, _ := req["unique"].(bool)
		seen := map[string]bool{}
		for i := len(entries) - 1; i >= 0; i-- { // newest first, for unique
			e := entries[i]
			if !match.MatchString(e.input) || (unique && seen[e.input]) {
				continue
			}
			seen[e.input] = true
			picked = append([]historyEntry{e}, picked...)
		}
		if n := num("n", 0); n > 0 {
			picked = last(picked, n)
		}
	}
	list := make([]any, 0, len(picked))
	for _, e := range picked {
		var item any = e.input
		if output {
			var out any // null when the cell showed no result
			if e.output != "" {
				out = e.output
			}
			item = []any{e.input, out}
		}
		list = append(list, []any{historySession, e.line, item})
	}
	return map[string]any{"status": "ok", "history": list}
}

func last(entries []historyEntry, n int) []historyEntry {
	if n >= 0 && n < len(entries) {
		return entries[len(entries)-n:]
	}
	return entries
}

// glob compiles a history search pattern as IPython reads it (SQLite's
// GLOB): * is any text, ? any one character, [...] a set ([^...] its
// complement); the whole code must match.
func glob(pattern string) *regexp.Regexp {
	var re strings.Builder
	re.WriteString(`(?s)^`)
	for rest := pattern; rest != ""; {
		c := rest[0]
		switch {
		case c == '*':
			re.WriteString(`.*`)
		case c == '?':
			re.WriteString(`.`)
		case c == '[' && strings.IndexByte(rest[1:], ']') >= 0:
			j := strings.IndexByte(rest[1:], ']')
			re.WriteString(rest[:j+2])
			rest = rest[j+2:]
			continue
		default:
			r, size := utf8.DecodeRuneInString(rest)
			re.WriteString(regexp.QuoteMeta(string(r)))
			rest = rest[size:]
			continue
		}
		rest = rest[1:]
	}
	re.WriteString(`$`)
	r, err := regexp.Compile(re.String())
	if err != nil {
		return regexp.MustCompile(`^$.`) // a broken set: matches nothing
	}
	return r
}
