//go:build unix

package main

import "golang.org/x/sys/unix"

// canCreateIn says why this process cannot create files in dir, if it
// cannot (access(2) with the real uid, which is the one golocks runs as).
func canCreateIn(dir string) error {
	return unix.Access(dir, unix.W_OK|unix.X_OK)
}
