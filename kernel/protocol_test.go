//go:build e2e

package kernel

// Jupyter's messaging protocol 5.3, as front-ends use it: Jupyter's own
// conformance suite (jupyter_kernel_test) with Go samples for every test it
// has, and what the suite does not look at: control replies on the control
// channel, completion of names not imported yet, the docs inspect shows,
// pictures' text/plain, shutdown.

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/golocks/golocks/internal/jupytertest"
)

// TestConformance runs kernel/conformance.py: jupyter_kernel_test's
// KernelTests (Debian's python3-jupyter-kernel-test) with Go samples. Every
// test must pass and none may be skipped.
func TestConformance(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	if out, err := exec.Command(jupytertest.Python, "-c", "import jupyter_kernel_test").CombinedOutput(); err != nil {
		t.Fatalf("Jupyter's conformance suite is missing (%v): %s\ninstall it: apt-get install -y --no-install-recommends python3-jupyter-kernel-test (scripts/install-deps.sh test)", err, out)
	}
	cmd := exec.Command(jupytertest.Python, "-m", "unittest", "-v", "conformance")
	cmd.Dir = filepath.Join(k.Root, "kernel")
	cmd.Env = append(append([]string(nil), k.Env...), "GOLOCKS_KERNEL="+kernelName)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("jupyter_kernel_test: %v\n%s", err, out)
	}
	summary := regexp.MustCompile(`(?m)^Ran (\d+) tests?`).FindStringSubmatch(string(out))
	if summary == nil || strings.Contains(string(out), "skipped") || !regexp.MustCompile(`(?m)^OK$`).Match(out) {
		t.Fatalf("jupyter_kernel_test did not pass every test, or skipped some:\n%s", out)
	}
	t.Logf("jupyter_kernel_test: %s tests, all passed", summary[1])
}

func TestProtocol(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	res := runSession(t, k, kernelName, []step{
		{"control": "kernel_info_request"},
		{"run": `import (
	"github.com/golocks/golocks/course/chart"
	"github.com/golocks/golocks/runtime/pool"
	"image"
)
p := pool.New(2)
png, err := chart.Counts("three runs", []int{1000, 2000, 3000}, 3000)
Display(display.PNG(png))
img := image.NewRGBA(image.Rect(0, 0, 640, 480))`},
		{"run": "img"},
		{"complete": "strings.Rep"},
		{"complete": "filel"},
		{"complete": `import "github.com/golocks/golocks/pkg/fi`},
		{"complete": "p.Ma"},
		{"complete": "nothing_starts_like_this"},
		{"inspect": "strings.Repeat"},
		{"inspect": "filelock.New"},
		{"inspect": "p.Map"},
		{"inspect": "pool.Pool.Map"},
		{"control": "shutdown_request", "content": map[string]any{"restart": false}},
		{"exits": true},
	})

	var info stepResult = res[0]
	if info.ReplyType != "kernel_info_reply" {
		t.Errorf("kernel_info on the control channel: got %q there; want kernel_info_reply", info.ReplyType)
	}
	r := info.Reply
	lang, _ := r["language_info"].(map[string]any)
	if r["status"] != "ok" || r["protocol_version"] != "5.3" || r["implementation"] == "" || r["banner"] == "" ||
		lang["name"] != "go" || lang["file_extension"] != ".go" || lang["mimetype"] == nil {
		t.Errorf("kernel_info_reply %v", r)
	}
	if links, _ := r["help_links"].([]any); len(links) == 0 {
		t.Errorf("kernel_info_reply has no help_links: %v", r)
	}

	// Pictures: the PNG travels whole, its text/plain is one short line.
	pictures := 0
	for i, c := range []cellResult{res[1].Cells[0], res[2].Cells[0]} {
		if c.status() != "ok" {
			t.Fatalf("picture cell %d: %v %v", i, c.Reply, c.Errors)
		}
		for _, d := range c.Display {
			if _, ok := d.Data["image/png"]; !ok {
				continue
			}
			pictures++
			plain, _ := d.Data["text/plain"].(string)
			if plain == "" || len(plain) >= 200 || !strings.Contains(plain, "PNG image") {
				t.Errorf("picture %d's text/plain is %d bytes: %.300q; want one short line", pictures, len(plain), plain)
			}
		}
	}
	if pictures != 2 {
		t.Errorf("%d pictures shown, want 2 (display.PNG and an image.Image result)", pictures)
	}

	completions := []struct {
		code string
		want []string
	}{
		{"strings.Rep", []string{"Repeat", "Replace", "ReplaceAll"}},
		{"filel", []string{"filelock"}},
		{`import "github.com/golocks/golocks/pkg/fi`, []string{"github.com/golocks/golocks/pkg/filelock"}},
		{"p.Ma", []string{"Map"}},
		{"nothing_starts_like_this", nil},
	}
	for i, c := range completions {
		var reply struct {
			Status      string
			Matches     []string
			CursorStart int `json:"cursor_start"`
			CursorEnd   int `json:"cursor_end"`
		}
		res[3+i].as(t, &reply)
		if reply.Status != "ok" || reply.Matches == nil || reply.CursorEnd != len(c.code) {
			t.Errorf("complete %q: %+v; want status ok, a list of matches, cursor_end at the end", c.code, reply)
		}
		for _, w := range c.want {
			if !slices.Contains(reply.Matches, w) {
				t.Errorf("complete %q: %v lacks %q", c.code, reply.Matches, w)
			}
		}
		if c.want == nil && len(reply.Matches) != 0 {
			t.Errorf("complete %q: %v; want none", c.code, reply.Matches)
		}
	}

	docs := []struct{ name, want string }{
		{"strings.Repeat", "Repeat returns a new string consisting of count copies"},
		{"filelock.New", "func New(path string)"},
		{"p.Map", "func (p *Pool) Map("},
		{"pool.Pool.Map", "func (p *Pool) Map("},
	}
	for i, d := range docs {
		var reply struct {
			Status string
			Found  bool
			Data   map[string]string
		}
		res[8+i].as(t, &reply)
		if reply.Status != "ok" || !reply.Found || !strings.Contains(reply.Data["text/plain"], d.want) {
			t.Errorf("inspect %q: %+v; want its docs, with %q", d.name, reply, d.want)
		}
	}

	if sd := res[12]; sd.ReplyType != "shutdown_reply" || sd.Reply["status"] != "ok" || sd.Reply["restart"] != false {
		t.Errorf("shutdown on the control channel: %s %v; want shutdown_reply, status ok", sd.ReplyType, sd.Reply)
	}
	if !res[13].yes(t) {
		t.Error("the kernel did not exit after shutdown_request")
	}
}
