package kernel

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBindings holds kernel/bindings.txt to the homes it documents: every
// importable package under pkg/, runtime/ and course/ ships to students and
// is listed; nothing else is.
func TestBindings(t *testing.T) {
	out, err := exec.Command("go", "list", "-m").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	module := strings.TrimSpace(string(out))
	listed, err := Bindings("bindings.txt", module)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-f", `{{if ne .Name "main"}}{{.ImportPath}}{{end}}`, "../pkg/...", "../runtime/...", "../course/...")
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var homes []string
	for _, p := range strings.Fields(string(out)) {
		if !strings.Contains(p, "/internal/") && !strings.HasSuffix(p, "/internal") {
			homes = append(homes, p)
		}
	}
	slices.Sort(homes)
	sorted := slices.Sorted(slices.Values(listed))
	if !slices.Equal(sorted, homes) {
		t.Errorf("kernel/bindings.txt lists\n\t%s\nbut pkg/, runtime/ and course/ hold\n\t%s", strings.Join(sorted, "\n\t"), strings.Join(homes, "\n\t"))
	}
}
