//go:build !unix

package filelock_test

import "errors"

// rawIncrement, the floor of the benchmarks, is flock(2): Unix only.
func rawIncrement(n int, file, lock string) error {
	return errors.New("raw-increment: flock(2) is Unix only")
}
