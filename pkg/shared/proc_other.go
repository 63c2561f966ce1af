//go:build !linux

package shared

// Never called: without lockSupported no lock is ever opened.
func processAlive(pid int) bool { return true }

func processName(pid int) string { return "" }
