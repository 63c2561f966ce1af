//go:build e2e

package classload

import (
	"os"
	"os/user"
	"path/filepath"
	"testing"
)

// TestRemoveStale makes the users of a class whose process died (their
// homes are gone) and of a live one, and removes only the first.
func TestRemoveStale(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatalf("needs root (as CI has): it makes and removes local users")
	}
	live := filepath.Join(t.TempDir(), "golocks-class-live", "homes")
	if err := os.MkdirAll(live, 0o755); err != nil {
		t.Fatal(err)
	}
	deadTag, err := randomHex(3)
	if err != nil {
		t.Fatal(err)
	}
	liveTag, err := randomHex(3)
	if err != nil {
		t.Fatal(err)
	}
	dead, alive := "glk"+deadTag, "glk"+liveTag
	for _, g := range []string{dead, alive} {
		if err := addGroup(g); err != nil {
			t.Fatal(err)
		}
	}
	defer removeGroup(alive)
	defer removeGroup(dead)
	gone := filepath.Join(os.TempDir(), "golocks-class-"+deadTag+"-gone", "homes", dead+"s01")
	if err := run("", "useradd", "--no-create-home", "--home-dir", gone, "--shell", "/usr/sbin/nologin", "--user-group", "--groups", dead, dead+"s01"); err != nil {
		t.Fatal(err)
	}
	defer removeUser(dead + "s01")
	s, err := addUser(alive+"s01", alive, live)
	if err != nil {
		t.Fatal(err)
	}
	defer removeUser(s.Name)

	if err := removeStale(); err != nil {
		t.Fatal(err)
	}
	if _, err := user.Lookup(dead + "s01"); err == nil {
		t.Errorf("the user of a dead class is still there")
	}
	if _, err := user.LookupGroup(dead); err == nil {
		t.Errorf("the group of a dead class is still there")
	}
	if _, err := user.Lookup(s.Name); err != nil {
		t.Errorf("the user of a live class was removed: %v", err)
	}
	if _, err := user.LookupGroup(alive); err != nil {
		t.Errorf("the group of a live class was removed: %v", err)
	}
}
