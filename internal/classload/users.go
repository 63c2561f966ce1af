package classload

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
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

// A class's users are glk<tag>s<NN> (students) and glk<tag>o<NN>
// (outsiders), in group glk<tag>, with their homes in the class's folder.
var classUser = regexp.MustCompile(`^(glk[0-9a-f]{6})[so][0-9]{2}$`)

// removeStale removes the users and groups of classes whose process died
// without Close (killed by a test's timeout): a user of a class whose home
// is gone (a live class's folder holds its students' homes) and who runs
// nothing. A class being made now is never touched: its homes exist.
func removeStale() error {
	out, err := exec.Command("getent", "passwd").Output()
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	var errs []error
	tags := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) < 6 {
			continue
		}
		m := classUser.FindStringSubmatch(f[0])
		if m == nil || !strings.Contains(f[5], "/golocks-class-") {
			continue
		}
		if _, err := os.Stat(f[5]); err == nil {
			continue // its class is alive
		}
		uid, _ := strconv.Atoi(f[2])
		if len(processesOf([]int{uid})) > 0 {
			continue
		}
		tags[m[1]] = true
		errs = append(errs, removeUser(f[0]))
	}
	for tag := range tags {
		if g, err := user.LookupGroup(tag); err == nil {
			if members, _ := groupMembers(g.Name); len(members) == 0 {
				errs = append(errs, removeGroup(tag))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing the users of a class that was never closed: %w", err)
	}
	return nil
}

// groupMembers lists a group's supplementary members.
func groupMembers(name string) ([]string, error) {
	out, err := exec.Command("getent", "group", name).Output()
	if err != nil {
		return nil, err
	}
	f := strings.Split(strings.TrimSpace(string(out)), ":")
	if len(f) < 4 || f[3] == "" {
		return nil, nil
	}
	return strings.Split(f[3], ","), nil
}
