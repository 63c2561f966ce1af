//go:build !linux

package main

// processRoom: outside Linux the CLI does not count a user's processes and
// open files; the per-CPU cap alone bounds a run.
func processRoom() (room int, why string, limited bool) {
	return 0, "", false
}
