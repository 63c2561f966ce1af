//go:build !linux

package gate

// Install is Linux only: see the package doc.
func Install() (int, error) { return -1, ErrUnsupported }

// A Gate is Linux only: see the package doc.
type Gate struct{}

// Take is Linux only: see the package doc.
func Take(pid, fd int, watch []string) (*Gate, error) { return nil, ErrUnsupported }

// Calls is Linux only.
func (g *Gate) Calls() <-chan *Call { return nil }

// Close is Linux only.
func (g *Gate) Close() error { return nil }

// Open is Linux only.
func (g *Gate) Open() ([]string, error) { return nil, ErrUnsupported }
