package kernel

// kernel/build.sh's own checks, without building a kernel.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A patch that no longer applies (its context moved: a new pinned
// version) fails the build, naming the patch, instead of landing in the
// wrong place or being skipped.
func TestPatchThatNoLongerApplies(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("the kernel build applies its patches with git apply: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyDir := filepath.Join(dir, "copy")
	patches := filepath.Join(dir, "patches", "gophernotes")
	for _, d := range []string{copyDir, patches} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(copyDir, "kernel.go"), []byte("package main\n\nfunc a() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// 01 applies; 02's context is not in the file.
	good := "Why: a test.\n\ndiff --git a/kernel.go b/kernel.go\n--- a/kernel.go\n+++ b/kernel.go\n@@ -1,3 +1,3 @@\n package main\n \n-func a() {}\n+func b() {}\n"
	stale := "Why: a test.\n\ndiff --git a/kernel.go b/kernel.go\n--- a/kernel.go\n+++ b/kernel.go\n@@ -1,3 +1,3 @@\n package main\n \n-func c() {}\n+func d() {}\n"
	for name, text := range map[string]string{"01-applies.patch": good, "02-stale.patch": stale} {
		if err := os.WriteFile(filepath.Join(patches, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("bash", "-c", `source kernel/build.sh && PATCHES=$1 && apply_patches gophernotes "$2" github.com/gopherdata/gophernotes`,
		"-", filepath.Join(dir, "patches"), copyDir)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "KERNEL_BUILD="+filepath.Join(dir, "build"))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("a stale patch was applied without error:\n%s", out)
	}
	want := "patch " + filepath.Join(patches, "02-stale.patch") + " no longer applies to gophernotes"
	if !strings.Contains(string(out), want) {
		t.Errorf("build output does not name the stale patch (%q):\n%s", want, out)
	}
	b, err := os.ReadFile(filepath.Join(copyDir, "kernel.go"))
	if err != nil || !strings.Contains(string(b), "func b()") {
		t.Errorf("the patch before the stale one was not applied: %q, %v", b, err)
	}
}
