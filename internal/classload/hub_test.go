package classload

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The hub's and each student's server's logs outlive the class's folder:
// a test that fails after Close (which removes it) still shows why.
func TestLogsKeptAfterClose(t *testing.T) {
	dir := t.TempDir()
	c := &Class{dir: filepath.Join(dir, "class"), students: []Student{{Name: "glktests01"}, {Name: "glktests02"}}}
	if err := os.MkdirAll(filepath.Join(c.dir, "state", "logs"), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(c.dir, "hub.log"))
	if err != nil {
		t.Fatal(err)
	}
	c.logFile = f
	f.WriteString("[I JupyterHub] hub says hello\n")
	server := strings.Repeat("x", 100) + "\ngolocks: the kernel's last words\n"
	if err := os.WriteFile(c.serverLogPath("glktests01"), []byte(server), 0o600); err != nil {
		t.Fatal(err)
	}

	c.keepLogs()
	f.Close()
	if err := os.RemoveAll(c.dir); err != nil {
		t.Fatal(err)
	}
	if got := c.HubLog(1000); got != "[I JupyterHub] hub says hello\n" {
		t.Errorf("HubLog after the folder is gone = %q", got)
	}
	if got := c.ServerLog("glktests01", 40); !strings.HasPrefix(got, "[...]\n") || !strings.HasSuffix(got, "the kernel's last words\n") {
		t.Errorf("ServerLog, its last 40 bytes = %q", got)
	}
	if got := c.ServerLog("glktests02", 1000); got != "" {
		t.Errorf("ServerLog of a student who never started a server = %q, want nothing", got)
	}
}
