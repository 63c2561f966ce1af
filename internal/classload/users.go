package classload

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// A Student is one local user of the class.
type Student struct {
	Name     string
	UID      int
	Home     string
	Password string
}

// randomHex returns n random bytes as hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// run runs a system command, with its output in the error.
func run(stdin string, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// addGroup makes the class's Unix group.
func addGroup(name string) error {
	return run("", "groupadd", name)
}

// addUser makes a local user with a home under homes (mode 0700), in
// group if it is not "", with a random password and no login shell.
func addUser(name, group, homes string) (Student, error) {
	pw, err := randomHex(12)
	if err != nil {
		return Student{}, err
	}
	home := filepath.Join(homes, name)
	args := []string{"--create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", "--user-group", "--key", "UMASK=077"}
	if group != "" {
		args = append(args, "--groups", group)
	}
	if err := run("", "useradd", append(args, name)...); err != nil {
		return Student{}, err
	}
	s := Student{Name: name, Home: home, Password: pw}
	u, err := user.Lookup(name)
	if err != nil {
		return s, err
	}
	if s.UID, err = strconv.Atoi(u.Uid); err != nil {
		return s, err
	}
	if err := os.Chmod(home, 0o700); err != nil {
		return s, err
	}
	return s, run(name+":"+pw+"\n", "chpasswd")
}

// removeUser deletes a user made by addUser (its home goes with the
// class's folder) and its own group.
func removeUser(name string) error {
	if _, err := user.Lookup(name); err != nil {
		return nil // never made, or already gone
	}
	return run("", "userdel", name)
}

func removeGroup(name string) error {
	if _, err := user.LookupGroup(name); err != nil {
		return nil
	}
	return run("", "groupdel", name)
}
