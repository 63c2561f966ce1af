//go:build !unix

package regular

import (
	"io"
	"io/fs"
	"os"
)

// Open is os.OpenFile for a regular file only (see the package doc). Outside
// Unix there are no FIFOs or devices to open by a path a user types, nor an
// O_NOFOLLOW: it checks the path's type before the open (Check) and the
// file's after it.
func Open(path string, flag int, perm fs.FileMode) (*os.File, error) {
	if err := Check(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag, perm)
	if err != nil {
		return nil, explain(path, err)
	}
	st, err := f.Stat()
	if err == nil {
		err = notRegular("open", path, st.Mode())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadFile is os.ReadFile for a regular file only.
func ReadFile(path string) ([]byte, error) {
	f, err := Open(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// WriteFile is os.WriteFile for a regular file only.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := Open(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
