//go:build !unix

package filelock

import (
	"os"
	"path/filepath"

	"github.com/gofrs/flock"

	"github.com/golocks/golocks/internal/regular"
)

// A file is one gofrs Flock on the lock file. Outside Unix (Windows:
// LockFileEx) the Lock uses gofrs/flock as it is; its Unlock closes the
// file, so the next Lock opens it again (see file_unix.go for why Unix
// does better).
type file struct {
	fl *flock.Flock
}

func openFile(path string) (*file, error) {
	fl := flock.New(path, flock.SetPermissions(0o644))
	// Open it now, as on Unix, so that a bad path shows at once.
	f, err := regular.Open(path, os.O_CREATE|os.O_RDONLY, 0o644)
	if err != nil {
		return nil, err
	}
	f.Close()
	return &file{fl: fl}, nil
}

func (f *file) tryLock() (bool, error) { return f.fl.TryLock() }
func (f *file) lock() error            { return f.fl.Lock() }
func (f *file) unlock() error          { return f.fl.Unlock() }
func (f *file) close() error           { return f.fl.Close() }

// A fileID is a lock file's identity: the key of the process's waiters.
// Outside Unix it is the lock file's absolute path (gofrs' Flock gives no
// file identity), so two paths to one file wait apart.
type fileID string

func (f *file) id() (fileID, error) {
	p, err := filepath.Abs(f.fl.Path())
	return fileID(p), err
}
