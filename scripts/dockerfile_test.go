package scripts_test

// Tests of the Dockerfile without a Docker engine (there is none in CI). The
// Dockerfile is read by BuildKit's own parser and the build context filtered
// by moby/patternmatcher, the code `docker build` runs, so the tests judge
// the file as Docker reads it.
//
// TestDockerfile checks what can go wrong in a build or a class: COPY
// sources present in the build context and not dropped by .dockerignore, the
// scripts RUN calls present and the ones CI runs, base images pinned, no
// root user, authentication never disabled, port 8888, the labels, the
// stack's own start command kept. TestDockerfileBroken shows that each check
// fails on a Dockerfile that breaks it. dockerbuild_test.go runs the build
// stage.

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ---- the Dockerfile and its build context ----

// An instruction of the Dockerfile, as BuildKit's parser reads it.
type instruction struct{ *parser.Node }

// cmd is the instruction's name in lower case, as in package command.
func (in instruction) cmd() string { return strings.ToLower(in.Value) }

// args are its arguments as Docker splits them: COPY's sources then its
// destination, RUN's command line (or its exec form's words).
func (in instruction) args() []string {
	var out []string
	for n := in.Next; n != nil; n = n.Next {
		out = append(out, n.Value)
	}
	return out
}

// flag is the value of its --name=value flag (COPY --from=build), or "".
func (in instruction) flag(name string) string {
	for _, f := range in.Flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v
		}
	}
	return ""
}

// A stage: FROM image [AS name] and the instructions up to the next FROM.
type stage struct {
	from        instruction
	image, name string
	instrs      []instruction
}

// vars are the values of ARGs, as shell.Lex looks them up.
type vars map[string]string

func (v vars) Get(k string) (string, bool) { s, ok := v[k]; return s, ok }
func (v vars) Keys() []string              { return slices.Collect(maps.Keys(v)) }

// repo is what the checks read: the Dockerfile, its build context and the
// files that make CI build the kernel the same way. Tests break it by
// editing files in memory, never on disk.
type repo struct {
	root   string
	edited map[string]string // file -> contents that replace the disk's

	global  []instruction // the ARGs before the first FROM
	globals vars          // their values
	stages  []stage       // the first is "build", the last the image
	lex     *shell.Lex
	ignore  *patternmatcher.PatternMatcher
}

// An edit breaks one file for a test: old, which must occur exactly once in
// it, becomes new; an empty old appends new.
type edit struct{ file, old, new string }

// errStaleEdit says a test's edit no longer matches the file it breaks.
var errStaleEdit = errors.New("the file changed: update the test's edit")

func loadRepo(root string, edits ...edit) (*repo, error) {
	r := &repo{root: root, edited: map[string]string{}}
	for _, e := range edits {
		text, err := r.read(e.file)
		if err != nil {
			return nil, err
		}
		if e.old == "" {
			text += e.new
		} else if n := strings.Count(text, e.old); n != 1 {
			return nil, fmt.Errorf("%w: %s has %q %d times, not once", errStaleEdit, e.file, e.old, n)
		}
		r.edited[e.file] = strings.Replace(text, e.old, e.new, 1)
	}

	text, err := r.read("Dockerfile")
	if err != nil {
		return nil, err
	}
	res, err := parser.Parse(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("Dockerfile: %w", err)
	}
	r.lex = shell.NewLex(res.EscapeToken)
	for _, n := range res.AST.Children {
		in := instruction{n}
		a := in.args()
		switch {
		case len(a) == 0 || (in.cmd() == command.Copy || in.cmd() == command.Add) && len(a) < 2:
			return nil, fmt.Errorf("Dockerfile line %d: %s needs more arguments", in.StartLine, in.Value)
		case in.cmd() == command.From:
			s := stage{from: in, image: a[0]}
			if len(a) == 3 && strings.EqualFold(a[1], "AS") {
				s.name = a[2]
			}
			r.stages = append(r.stages, s)
		case len(r.stages) == 0 && in.cmd() != command.Arg:
			return nil, fmt.Errorf("Dockerfile line %d: %s before the first FROM", in.StartLine, in.Value)
		case len(r.stages) == 0:
			r.global = append(r.global, in)
		default:
			s := &r.stages[len(r.stages)-1]
			s.instrs = append(s.instrs, in)
		}
	}
	r.globals = vars{}
	for _, in := range r.global {
		r.declare(in, r.globals, nil)
	}
	if len(r.stages) != 2 || r.stages[0].name != "build" {
		return nil, fmt.Errorf("Dockerfile: want two stages, FROM ... AS build, then the image")
	}

	text, err = r.read(".dockerignore")
	if err != nil {
		return nil, err
	}
	patterns, err := ignorefile.ReadAll(strings.NewReader(text))
	if err == nil {
		r.ignore, err = patternmatcher.New(patterns)
	}
	if err != nil {
		return nil, fmt.Errorf(".dockerignore: %w", err)
	}
	return r, nil
}

func (r *repo) read(file string) (string, error) {
	if text, ok := r.edited[file]; ok {
		return text, nil
	}
	b, err := os.ReadFile(filepath.Join(r.root, filepath.FromSlash(file)))
	return string(b), err
}

func (r *repo) build() stage { return r.stages[0] }
func (r *repo) final() stage { return r.stages[len(r.stages)-1] }

// expand substitutes ARG values into word as Docker does; unset says
// whether it named an ARG without a value.
func (r *repo) expand(word string, v vars) (s string, unset bool) {
	res, err := r.lex.ProcessWordWithMatches(word, v)
	if err != nil {
		return word, true
	}
	return res.Result, len(res.Unmatched) > 0
}

func (r *repo) expanded(word string, v vars) string { s, _ := r.expand(word, v); return s }

// declare adds the names of an ARG instruction to v: a build argument,
// else its default, else the global ARG's (a global ARG is seen in a stage
// only once redeclared there, as Docker has it).
func (r *repo) declare(in instruction, v vars, buildArgs map[string]string) {
	for _, a := range in.args() {
		k, def, hasDefault := strings.Cut(a, "=")
		switch val, ok := buildArgs[k]; {
		case ok:
			v[k] = val
		case hasDefault:
			v[k] = r.expanded(def, v)
		default:
			v[k] = r.globals[k]
		}
	}
}

// stageVars are the ARG values a stage sees by its end.
func (r *repo) stageVars(s stage, buildArgs map[string]string) vars {
	v := vars{}
	for _, in := range s.instrs {
		if in.cmd() == command.Arg {
			r.declare(in, v, buildArgs)
		}
	}
	return v
}

// excluded says whether .dockerignore leaves rel (slash-separated, relative
// to the context) out of the build context.
func (r *repo) excluded(rel string) (bool, error) {
	return r.ignore.MatchesOrParentMatches(path.Clean(rel))
}

// contextFiles lists the regular files under src (a file or a folder,
// slash-separated, relative to the context) that the build context keeps.
func (r *repo) contextFiles(src string) ([]string, error) {
	var kept []string
	err := filepath.WalkDir(filepath.Join(r.root, filepath.FromSlash(src)), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(r.root, p)
		out, err := r.excluded(filepath.ToSlash(rel))
		if !out {
			kept = append(kept, filepath.ToSlash(rel))
		}
		return err
	})
	return kept, err
}

// problems are what a check finds wrong, each with its Dockerfile line.
type problems []string

func (p *problems) at(in instruction, format string, a ...any) {
	*p = append(*p, fmt.Sprintf("line %d: ", in.StartLine)+fmt.Sprintf(format, a...))
}

func (p *problems) add(format string, a ...any) { *p = append(*p, fmt.Sprintf(format, a...)) }

// ---- the checks that need no build ----

var (
	goImage     = regexp.MustCompile(`^golang:1\.26\.\d+-bookworm$`)
	dateTag     = regexp.MustCompile(`^quay\.io/jupyter/base-notebook:\d{4}-\d{2}-\d{2}$`)
	repoScript  = regexp.MustCompile(`(?:^|[\s;&|(])((?:\./)?(?:[\w.-]+/)+[\w.-]+\.(?:sh|py|mk))\b`)
	authDisable = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(NotebookApp|ServerApp|IdentityProvider|PasswordIdentityProvider)\.(token|password)\b`),
		regexp.MustCompile(`(?i)\bJUPYTER_TOKEN\b`),
		regexp.MustCompile(`(?i)\b(token|password)\s*=\s*(''|""|\s|$)`),
		regexp.MustCompile(`(?i)disable_check_xsrf|allow_unauthenticated_access|--no-?auth`),
	}
)

// checks are the static checks, each a subtest of TestDockerfile.
var checks = []struct {
	name  string
	check func(*repo) problems
}{
	{"base images pinned", checkBases},
	{"COPY sources in the build context", checkSources},
	{"RUN calls the scripts CI runs", checkScripts},
	{"final stage", checkFinal},
	{"authentication left on", checkAuth},
}

// checkBases: every base image at a pinned tag and every stage explained;
// Go 1.26 on Debian 12 to build, the Jupyter stack at a dated tag to run.
func checkBases(r *repo) (p problems) {
	stages := map[string]bool{}
	for _, s := range r.stages {
		if img, unset := r.expand(s.image, r.globals); !stages[img] { // not an earlier stage
			if _, tag, _ := strings.Cut(path.Base(img), ":"); tag == "" || tag == "latest" || unset {
				p.at(s.from, "FROM %s: pin a tag (not latest)", s.image)
			}
		}
		if len(s.from.PrevComment) == 0 {
			p.at(s.from, "FROM %s: say what the stage is for in a comment above it", s.image)
		}
		stages[s.name] = true
	}
	if !goImage.MatchString(r.build().image) {
		p.add("build stage FROM %s, want an official Go 1.26 Debian 12 image (golang:1.26.N-bookworm)", r.build().image)
	}
	if !dateTag.MatchString(r.final().image) {
		p.add("final stage FROM %s, want quay.io/jupyter/base-notebook at a dated tag", r.final().image)
	}
	return p
}

// checkSources: what COPY takes from the build context is there, and
// .dockerignore keeps some of it.
func checkSources(r *repo) (p problems) {
	for _, s := range r.stages {
		v := r.stageVars(s, nil)
		for _, in := range s.instrs {
			if in.cmd() == command.Add {
				p.at(in, "use COPY, not ADD")
			}
			if in.cmd() != command.Copy || in.flag("from") != "" {
				continue
			}
			for _, src := range contextSources(r, in, v) {
				if path.IsAbs(src) || src == ".." || strings.HasPrefix(src, "../") {
					p.at(in, "COPY %s: outside the build context", src)
					continue
				}
				matches, _ := filepath.Glob(filepath.Join(r.root, filepath.FromSlash(src)))
				if len(matches) == 0 {
					p.at(in, "COPY %s: no such file in the build context", src)
				}
				for _, m := range matches {
					rel, _ := filepath.Rel(r.root, m)
					if kept, err := r.contextFiles(filepath.ToSlash(rel)); err != nil {
						p.at(in, "COPY %s: %v", rel, err)
					} else if len(kept) == 0 {
						p.at(in, "COPY %s: .dockerignore leaves nothing of it in the context", rel)
					}
				}
			}
		}
	}
	return p
}

// contextSources are a COPY's sources, expanded and cleaned.
func contextSources(r *repo, in instruction, v vars) []string {
	a := in.args()
	var out []string
	for _, src := range a[:max(len(a)-1, 0)] {
		out = append(out, path.Clean(r.expanded(src, v)))
	}
	return out
}

// checkScripts: the scripts RUN calls are in the image's context, and the
// kernel is built by kernel/build.sh, the recipe CI runs too.
func checkScripts(r *repo) (p problems) {
	var copied []string // what the build stage's COPYs bring in
	for _, in := range r.build().instrs {
		if in.cmd() == command.Copy && in.flag("from") == "" {
			copied = append(copied, contextSources(r, in, r.stageVars(r.build(), nil))...)
		}
	}
	var calls []string
	for _, s := range r.stages {
		for _, in := range s.instrs {
			if in.cmd() != command.Run {
				continue
			}
			var scripts []string
			for _, m := range repoScript.FindAllStringSubmatch(strings.Join(in.args(), " "), -1) {
				scripts = append(scripts, path.Clean(m[1]))
			}
			slices.Sort(scripts)
			for _, script := range slices.Compact(scripts) {
				calls = append(calls, script)
				st, err := os.Stat(filepath.Join(r.root, script))
				out, _ := r.excluded(script)
				switch {
				case err != nil:
					p.at(in, "RUN calls %s: %v", script, err)
				case st.Mode()&0o111 == 0:
					p.at(in, "RUN calls %s, which is not executable", script)
				case s.name == "build" && !slices.ContainsFunc(copied, func(c string) bool {
					return c == "." || script == c || strings.HasPrefix(script, c+"/")
				}):
					p.at(in, "RUN calls %s, which no COPY of the stage brings in", script)
				case out:
					p.at(in, "RUN calls %s, which .dockerignore leaves out", script)
				}
			}
		}
	}
	if !slices.Contains(calls, "kernel/build.sh") {
		p.add("no RUN calls kernel/build.sh: the image must build the kernel with the script CI runs")
	}
	if !runs(r.build(), "kernel/build.sh build") || !runs(r.build(), `PREFIX="$KERNEL_PREFIX" kernel/build.sh install`) {
		p.add("the build stage must run kernel/build.sh build, then install with PREFIX=$KERNEL_PREFIX")
	}
	// CI runs `make test`, whose kernel tests run make kernel /
	// install-kernel, which run this same script.
	if mk, err := r.read("kernel/kernel.mk"); err != nil {
		p.add("%v", err)
	} else if !strings.Contains(mk, "kernel/build.sh build") || !strings.Contains(mk, "kernel/build.sh install") {
		p.add("kernel/kernel.mk (make kernel, run by CI) no longer runs kernel/build.sh")
	}
	mf, _ := r.read("Makefile")
	ci, _ := r.read(".ci/run")
	if !strings.Contains(mf, "include kernel/kernel.mk") || !strings.Contains(ci, "make test") {
		p.add("CI (.ci/run: make test) must reach kernel/kernel.mk through the root Makefile")
	}
	return p
}

func runs(s stage, cmd string) bool {
	return slices.ContainsFunc(s.instrs, func(in instruction) bool {
		return in.cmd() == command.Run && strings.Contains(strings.Join(in.args(), " "), cmd)
	})
}

// checkFinal: the image is the Jupyter stack's as hubs expect it: its start
// command, its non-root user, port 8888, labels; the kernel where the stack's
// Jupyter looks; jovyan owns the work folder; no Go toolchain.
func checkFinal(r *repo) (p problems) {
	var user string
	var exposed []string
	labels := map[string]bool{}
	for _, in := range r.final().instrs {
		switch in.cmd() {
		case command.User:
			user = strings.Join(in.args(), " ")
		case command.Expose:
			exposed = append(exposed, in.args()...)
		case command.Label:
			a := in.args() // key, value, "=", key, value, "=", ...
			for i := 0; i < len(a); i += 3 {
				labels[a[i]] = true
			}
		case command.Cmd, command.Entrypoint:
			p.at(in, "%s: keep the stack's own start command (start-notebook.py, start-singleuser.py for hubs)", in.Value)
		case command.Copy:
			if from := in.flag("from"); from != "" && from != "build" {
				p.at(in, "COPY --from=%s: only the build stage is copied from", from)
			}
			a := in.args()
			if dest := a[len(a)-1]; strings.HasPrefix(dest, "/home/jovyan") && in.flag("chown") != "${NB_UID}:${NB_GID}" {
				p.at(in, "COPY into %s without --chown=${NB_UID}:${NB_GID}: jovyan could not save there", dest)
			}
			for _, src := range a[:len(a)-1] {
				if strings.HasPrefix(src, "/usr/local/go") || strings.HasPrefix(src, "/go/") {
					p.at(in, "COPY %s: no Go toolchain in the final image", src)
				}
			}
		}
	}
	switch u, _, _ := strings.Cut(user, ":"); u {
	case "":
		p.add("final stage: no USER (want USER ${NB_UID}, the stack's jovyan)")
	case "root", "0":
		p.add("final stage: the last USER is %s; want the stack's non-root user, ${NB_UID}", user)
	case "${NB_UID}", "$NB_UID", "jovyan", "1000":
	default:
		p.add("final stage: USER %s; want ${NB_UID} (jovyan)", user)
	}
	if !slices.Contains(exposed, "8888") {
		p.add("final stage exposes %v, want 8888", exposed)
	}
	for _, k := range []string{"source", "version", "description"} {
		if !labels["org.opencontainers.image."+k] {
			p.add("final stage labels: no org.opencontainers.image.%s; want org.opencontainers.image.source, version and description", k)
		}
	}
	// The kernelspec's absolute paths hold only under the stack's CONDA_DIR,
	// in both stages (the image's RUN checks CONDA_DIR itself).
	build, final := r.stageVars(r.build(), nil)["KERNEL_PREFIX"], r.stageVars(r.final(), nil)["KERNEL_PREFIX"]
	if build != "/opt/conda" || final != build {
		p.add("KERNEL_PREFIX = %q (build) / %q (final), want /opt/conda, the stack's CONDA_DIR", build, final)
	}
	return p
}

// checkAuth: nothing in the image sets or disables Jupyter's token.
func checkAuth(r *repo) (p problems) {
	all := slices.Clone(r.global)
	for _, s := range r.stages {
		all = append(append(all, s.from), s.instrs...)
	}
	for _, in := range all {
		for _, re := range authDisable {
			if m := re.FindString(in.Original); m != "" {
				p.at(in, "%s ... %q: never set or disable Jupyter's token or password in the image", in.Value, m)
			}
		}
	}
	return p
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestDockerfile(t *testing.T) {
	r, err := loadRepo(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.check(r) {
				t.Error(p)
			}
		})
	}
}

// staticProblems are all the static checks find in the repository with
// edits, or why it cannot be read.
func staticProblems(t *testing.T, root string, edits ...edit) problems {
	r, err := loadRepo(root, edits...)
	if errors.Is(err, errStaleEdit) {
		t.Fatal(err)
	}
	if err != nil {
		return problems{err.Error()}
	}
	var all problems
	for _, c := range checks {
		all = append(all, c.check(r)...)
	}
	return all
}

// wantProblem fails t unless one of got mentions each of want.
func wantProblem(t *testing.T, got problems, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, w) }) {
			t.Errorf("no problem mentions %q; found:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// redisInstall is the final stage's one stretch as root, before its USER:
// without both, the image has no USER at all.
const redisInstall = "USER root\nRUN apt-get update -qq && \\\n    apt-get install -y -qq --no-install-recommends redis-server >/dev/null && \\\n    rm -rf /var/lib/apt/lists/*\n"

const (
	buildFrom    = "FROM golang:1.26.8-bookworm AS build"
	finalFrom    = "FROM quay.io/jupyter/base-notebook:2025-03-14"
	installLine  = `RUN kernel/build.sh build && PREFIX="$KERNEL_PREFIX" kernel/build.sh install`
	workbookCopy = "COPY --from=build --chown=${NB_UID}:${NB_GID} ${WORKBOOK} /home/jovyan/work"
)

// Each static check fails on a Dockerfile (or a file it relies on) broken
// the way it guards against.
func TestDockerfileBroken(t *testing.T) {
	root := repoRoot(t)
	for _, c := range []struct {
		name           string
		file, old, new string // the edit; file "" is the Dockerfile
		want           string
	}{
		{"two stages", "", " AS build", "", "want two stages"},
		{"build image unpinned", "", buildFrom, "FROM golang AS build", "pin a tag"},
		{"build image latest", "", buildFrom, "FROM golang:latest AS build", "pin a tag"},
		{"build image from an unset ARG", "", buildFrom, "FROM golang:${GO}-bookworm AS build", "pin a tag"},
		{"build image another Go", "", buildFrom, "FROM golang:1.25.3-bookworm AS build", "want an official Go 1.26 Debian 12 image"},
		{"final image latest", "", finalFrom, "FROM quay.io/jupyter/base-notebook:latest", "pin a tag"},
		{"final image not the stack's", "", finalFrom, "FROM jupyter/base-notebook:2025-03-14", "want quay.io/jupyter/base-notebook at a dated tag"},
		{"stage unexplained", "", "# Build stage: Go 1.26 on Debian 12 builds the kernel with kernel/build.sh,\n# the recipe `make kernel` and CI run, and stages the workbook.\n", "", "say what the stage is for in a comment above it"},
		{"ADD", "", "COPY pkg/ pkg/", "ADD pkg/ pkg/", "use COPY, not ADD"},
		{"COPY a missing folder", "", "COPY cmd/ cmd/", "COPY commands/ cmd/", "COPY commands: no such file"},
		{"COPY from outside the context", "", "COPY cmd/ cmd/", "COPY ../cmd/ cmd/", "outside the build context"},
		{"COPY an absolute path", "", "COPY cmd/ cmd/", "COPY /etc/passwd cmd/", "outside the build context"},
		{"COPY what .dockerignore drops", ".dockerignore", "", "pkg\n", "COPY pkg: .dockerignore leaves nothing"},
		{"RUN a missing script", "", "RUN go mod download", "RUN scripts/fetch.sh && go mod download", "RUN calls scripts/fetch.sh: "},
		{"RUN a script that cannot run", "", "RUN go mod download", "RUN scripts/run.mk && go mod download", "not executable"},
		{"RUN a script not copied", "", "RUN go mod download", "RUN scripts/run.sh && go mod download", "which no COPY of the stage brings in"},
		{"RUN a script .dockerignore drops", ".dockerignore", "", "kernel/build.sh\n", "which .dockerignore leaves out"},
		{"kernel built without build.sh", "", installLine, "RUN make kernel", "no RUN calls kernel/build.sh"},
		{"kernel installed without the prefix", "", installLine, "RUN kernel/build.sh build && kernel/build.sh install", "then install with PREFIX=$KERNEL_PREFIX"},
		{"CI builds the kernel another way", "kernel/kernel.mk", "kernel/build.sh build", "go build ./kernel", "kernel/kernel.mk (make kernel, run by CI) no longer runs kernel/build.sh"},
		{"CI does not reach kernel.mk", "Makefile", "include kernel/kernel.mk", "", "must reach kernel/kernel.mk"},
		{"CI does not run make test", ".ci/run", "make test", "make vet", "must reach kernel/kernel.mk"},
		{"own start command", "", "EXPOSE 8888", "EXPOSE 8888\nCMD [\"jupyter\", \"lab\"]", "keep the stack's own start command"},
		{"own entrypoint", "", "EXPOSE 8888", "EXPOSE 8888\nENTRYPOINT [\"jupyter\"]", "keep the stack's own start command"},
		{"COPY from another image", "", "COPY --from=build ${WORKBOOK} ${WORKBOOK}", "COPY --from=python:3 /etc/hosts /etc/hosts", "only the build stage is copied from"},
		{"Go in the image", "", "COPY --from=build ${WORKBOOK} ${WORKBOOK}", "COPY --from=build /usr/local/go /usr/local/go", "no Go toolchain"},
		{"work folder not jovyan's", "", workbookCopy, "COPY --from=build ${WORKBOOK} /home/jovyan/work", "jovyan could not save there"},
		{"no USER", "", redisInstall + "USER ${NB_UID}\n", "", "no USER"},
		{"root user", "", "USER ${NB_UID}\n", "USER ${NB_UID}\nUSER root\n", "want the stack's non-root user"},
		{"uid 0", "", "USER ${NB_UID}\n", "USER 0:0\n", "want the stack's non-root user"},
		{"another user", "", "USER ${NB_UID}\n", "USER nobody\n", "want ${NB_UID} (jovyan)"},
		{"another port", "", "EXPOSE 8888", "EXPOSE 8080", "want 8888"},
		{"a label missing", "", "      org.opencontainers.image.version=\"${VERSION}\" \\\n", "", "no org.opencontainers.image.version"},
		{"kernel outside CONDA_DIR", "", "ARG KERNEL_PREFIX=/opt/conda", "ARG KERNEL_PREFIX=/usr/local", "want /opt/conda"},
		{"token set by ENV", "", "EXPOSE 8888", "EXPOSE 8888\nENV JUPYTER_TOKEN=\"\"", "never set or disable Jupyter's token"},
		{"token emptied in a config", "", "EXPOSE 8888", "EXPOSE 8888\nRUN echo \"c.IdentityProvider.token = ''\" >> jupyter_server_config.py", "never set or disable Jupyter's token"},
		{"XSRF check off", "", "EXPOSE 8888", "EXPOSE 8888\nENV DOCKER_STACKS_JUPYTER_CMD=\"lab --ServerApp.disable_check_xsrf=True\"", "never set or disable Jupyter's token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.file == "" {
				c.file = "Dockerfile"
			}
			wantProblem(t, staticProblems(t, root, edit{c.file, c.old, c.new}), c.want)
		})
	}
}
