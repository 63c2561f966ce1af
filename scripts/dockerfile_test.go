package scripts_test

// The Dockerfile's policy, read from its text: what a build that succeeds
// does not prove by itself. scripts/image_test.go builds and runs the image.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerfileLines is the Dockerfile's instructions, continuation lines
// joined, comments dropped.
func dockerfileLines(t *testing.T, text string) []string {
	t.Helper()
	var out []string
	var cur string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if s, ok := strings.CutSuffix(l, "\\"); ok {
			cur += s + " "
			continue
		}
		cur += l
		if strings.TrimSpace(cur) != "" {
			out = append(out, strings.TrimSpace(cur))
		}
		cur = ""
	}
	return out
}

// noAuth matches an empty token or password, or the XSRF check turned off.
var noAuth = regexp.MustCompile(`(?i)(token|password)\s*=\s*(''|""|["']?[\],\s]|["']?$)|disable_check_xsrf`)

// checkDockerfile returns what is wrong with the Dockerfile's text.
func checkDockerfile(t *testing.T, text string) []string {
	var bad []string
	lines := dockerfileLines(t, text)
	args := map[string]string{}
	var froms, users []string
	for _, l := range lines {
		word, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(word) {
		case "ARG":
			if k, v, ok := strings.Cut(rest, "="); ok && len(froms) == 0 {
				args[k] = v
			}
		case "FROM":
			froms = append(froms, strings.Fields(rest)[0])
		case "USER":
			users = append(users, strings.TrimSpace(rest))
		}
	}
	// Every base image pinned: a date tag for Debian, an exact Go release.
	pins := map[string]*regexp.Regexp{
		"${DEBIAN}": regexp.MustCompile(`^docker\.io/library/debian:bookworm-20\d{6}-slim(@sha256:[0-9a-f]{64})?$`),
		"${GOLANG}": regexp.MustCompile(`^docker\.io/library/golang:1\.\d+\.\d+-bookworm(@sha256:[0-9a-f]{64})?$`),
	}
	for _, f := range froms {
		re, ok := pins[f]
		if !ok {
			bad = append(bad, "FROM "+f+": base images come from the DEBIAN or GOLANG argument")
			continue
		}
		if v := args[strings.Trim(f, "${}")]; !re.MatchString(v) {
			bad = append(bad, "ARG "+strings.Trim(f, "${}")+"="+v+": not pinned (want "+re.String()+")")
		}
	}
	if len(froms) == 0 || froms[len(froms)-1] != "${DEBIAN}" {
		bad = append(bad, "the final stage is not the Debian base")
	}
	// The server runs as the student, uid 1000 gid 100, not root.
	if len(users) == 0 || users[len(users)-1] != "1000:100" {
		bad = append(bad, "the last USER is "+strings.Join(users, ",")+", want 1000:100")
	}
	for _, must := range []string{"STOPSIGNAL ", "HEALTHCHECK ", `ENTRYPOINT ["tini"`, "EXPOSE 8888"} {
		found := false
		for _, l := range lines {
			found = found || strings.HasPrefix(l, must)
		}
		if !found {
			bad = append(bad, "no "+strings.TrimSpace(must))
		}
	}
	// Authentication is never turned off, and no sudo is installed.
	for _, l := range lines {
		if noAuth.MatchString(l) || strings.Contains(strings.ReplaceAll(l, "command -v sudo", ""), "sudo") {
			bad = append(bad, "disables authentication or installs sudo: "+l)
		}
	}
	return bad
}

func TestDockerfilePolicy(t *testing.T) {
	root := repoRoot(t)
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range checkDockerfile(t, string(b)) {
		t.Error("Dockerfile: " + p)
	}
	conf, err := os.ReadFile(filepath.Join(root, "scripts", "image-jupyter-config.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, off := range []string{".token", ".password", "disable_check_xsrf", "allow_root"} {
		if strings.Contains(string(conf), off) {
			t.Errorf("scripts/image-jupyter-config.py sets %s: the image keeps Jupyter's token authentication", off)
		}
	}

	// Each check fails on a Dockerfile that breaks it.
	for _, c := range []struct{ old, new string }{
		{"ARG DEBIAN=docker.io/library/debian:bookworm-20", "ARG DEBIAN=docker.io/library/debian:bookworm-slim\n#"},
		{"ENV HOME=", "ENV JUPYTER_TOKEN= HOME="},
		{"golang:1.26.8-bookworm", "golang:latest"},
		{"USER 1000:100\nEXPOSE", "USER root\nEXPOSE"},
		{"STOPSIGNAL SIGTERM", ""},
		{`CMD ["jupyter", "notebook"]`, `CMD ["jupyter", "notebook", "--NotebookApp.token="]`},
		{"FROM ${DEBIAN}\n", "FROM ubuntu:24.04\n"},
	} {
		if !strings.Contains(string(b), c.old) {
			t.Errorf("stale broken case: the Dockerfile has no %q", c.old)
			continue
		}
		broken := strings.Replace(string(b), c.old, c.new, 1)
		if len(checkDockerfile(t, broken)) == 0 {
			t.Errorf("replacing %q with %q passes the policy", c.old, c.new)
		}
	}
}

// repoRoot is the repository the tests run in (they run in scripts/).
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}
