package scripts_test

// Tests of the Dockerfile without a Docker engine (there is none in CI):
//
//   - TestDockerfile reads it and checks what can go wrong in a build or a
//     class: COPY sources present in the build context and not dropped by
//     .dockerignore, the scripts RUN calls present and the ones CI runs,
//     base images pinned, no root user, authentication never disabled, port
//     8888, the labels, the stack's own start command kept;
//   - TestDockerBuildStage runs the build stage's steps for real, in a
//     scratch folder standing in for the container's file system: its COPY
//     instructions (honouring .dockerignore) and its RUN commands, with the
//     stage's ARG values, then checks that everything the final stage
//     copies out of it exists and is right: a kernelspec whose kernel.json
//     points where the image has it, static binaries, the workbook's student
//     copy, and the solution copy only with SOLUTIONS=1.

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// An instruction of a Dockerfile, continuation lines joined.
type instruction struct {
	line    int
	cmd     string            // upper case: FROM, RUN, COPY, ...
	args    string            // the rest of the line, flags included
	flags   map[string]string // --from, --chown, ... (COPY and ADD)
	words   []string          // COPY/ADD: sources then destination
	comment bool              // a comment line came right before it
}

// A stage: FROM image [AS name] and its instructions.
type stage struct {
	image, name string
	from        instruction
	instrs      []instruction
}

type dockerfile struct {
	globalArgs map[string]string // ARGs before the first FROM
	stages     []stage
	all        []instruction
}

func parseDockerfile(t *testing.T, file string) *dockerfile {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	df := &dockerfile{globalArgs: map[string]string{}}
	var cur *instruction
	var buf strings.Builder
	sawComment := false
	flush := func() {
		if cur == nil {
			return
		}
		cur.args = strings.TrimSpace(buf.String())
		df.all = append(df.all, *cur)
		cur, sawComment = nil, false
		buf.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			if cur == nil {
				sawComment = true
			}
			continue // comments inside a continued instruction are dropped, as Docker does
		}
		if trimmed == "" {
			if cur == nil {
				sawComment = false
			}
			continue
		}
		cont := strings.HasSuffix(line, "\\")
		if cont {
			line = strings.TrimSuffix(line, "\\")
		}
		if cur == nil {
			cmd, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
			cur = &instruction{line: n, cmd: strings.ToUpper(cmd), comment: sawComment}
			buf.WriteString(rest)
		} else {
			buf.WriteString(" " + strings.TrimSpace(line))
		}
		if !cont {
			flush()
		}
	}
	if cur != nil {
		t.Fatalf("%s: line %d: continued past the end of the file", file, cur.line)
	}

	for i := range df.all {
		in := &df.all[i]
		if in.cmd == "COPY" || in.cmd == "ADD" {
			in.flags = map[string]string{}
			fields := strings.Fields(in.args)
			for len(fields) > 0 && strings.HasPrefix(fields[0], "--") {
				k, v, _ := strings.Cut(strings.TrimPrefix(fields[0], "--"), "=")
				in.flags[k] = v
				fields = fields[1:]
			}
			if len(fields) > 0 && strings.HasPrefix(fields[0], "[") {
				if err := json.Unmarshal([]byte(strings.Join(fields, " ")), &in.words); err != nil {
					t.Fatalf("line %d: %s: %v", in.line, in.cmd, err)
				}
			} else {
				in.words = fields
			}
			if len(in.words) < 2 {
				t.Fatalf("line %d: %s needs a source and a destination", in.line, in.cmd)
			}
		}
		switch {
		case in.cmd == "FROM":
			f := strings.Fields(in.args)
			st := stage{image: f[0], from: *in}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			}
			df.stages = append(df.stages, st)
		case len(df.stages) == 0:
			if in.cmd != "ARG" {
				t.Fatalf("line %d: %s before the first FROM", in.line, in.cmd)
			}
			k, v, _ := strings.Cut(in.args, "=")
			df.globalArgs[k] = v
		default:
			s := &df.stages[len(df.stages)-1]
			s.instrs = append(s.instrs, *in)
		}
	}
	if len(df.stages) == 0 {
		t.Fatal("no FROM in the Dockerfile")
	}
	return df
}

// stageArgs are the ARG values a stage sees (global ARGs only once
// redeclared in the stage, as Docker has it), overridden by buildArgs.
func (df *dockerfile) stageArgs(s stage, buildArgs map[string]string) map[string]string {
	vars := map[string]string{}
	for _, in := range s.instrs {
		if in.cmd != "ARG" {
			continue
		}
		k, v, hasDefault := strings.Cut(in.args, "=")
		if !hasDefault {
			v = df.globalArgs[k]
		}
		if b, ok := buildArgs[k]; ok {
			v = b
		}
		vars[k] = strings.Trim(v, `"`)
	}
	return vars
}

func expand(s string, vars map[string]string) string {
	return os.Expand(s, func(k string) string { return vars[k] })
}

func (df *dockerfile) stage(t *testing.T, name string) stage {
	t.Helper()
	for _, s := range df.stages {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no stage %q in the Dockerfile", name)
	return stage{}
}

func (df *dockerfile) final() stage { return df.stages[len(df.stages)-1] }

// ---- .dockerignore, as Docker reads it (moby/patternmatcher) ----

type ignorePattern struct {
	re     *regexp.Regexp
	negate bool
	text   string
}

type dockerignore []ignorePattern

func readDockerignore(t *testing.T, file string) dockerignore {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	var pats dockerignore
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := ignorePattern{text: line}
		if strings.HasPrefix(line, "!") {
			p.negate, line = true, strings.TrimSpace(line[1:])
		}
		line = strings.TrimPrefix(path.Clean("/"+line), "/")
		p.re = regexp.MustCompile("^" + globToRegexp(line) + "$")
		pats = append(pats, p)
	}
	return pats
}

func globToRegexp(g string) string {
	var b strings.Builder
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		case c == '[':
			j := strings.IndexByte(g[i:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(g[i : i+j+1])
			i += j
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// excluded says whether the build context leaves out rel (slash-separated,
// relative to the context): the last pattern matching it or one of its
// parent folders decides.
func (d dockerignore) excluded(rel string) bool {
	rel = path.Clean(rel)
	out := false
	for _, p := range d {
		for q := rel; ; q = path.Dir(q) {
			if p.re.MatchString(q) {
				out = !p.negate
				break
			}
			if q == "." || !strings.Contains(q, "/") {
				break
			}
		}
	}
	return out
}

// contextFiles lists the regular files under src (a file or a folder,
// slash-separated, relative to the context root) that the context keeps.
func contextFiles(t *testing.T, root, src string, ign dockerignore) (kept []string) {
	t.Helper()
	start := filepath.Join(root, filepath.FromSlash(src))
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !ign.excluded(rel) {
			kept = append(kept, rel)
		}
		return nil
	})
	if err != nil {
		t.Errorf("COPY %s: %v", src, err)
	}
	return kept
}

func TestDockerignoreMatcher(t *testing.T) {
	ign := dockerignore{}
	for _, p := range []string{".git", "build", "**/.ipynb_checkpoints", "*.test", "docs/*.md", "!docs/keep.md"} {
		neg := strings.HasPrefix(p, "!")
		ign = append(ign, ignorePattern{re: regexp.MustCompile("^" + globToRegexp(strings.TrimPrefix(p, "!")) + "$"), negate: neg})
	}
	for rel, want := range map[string]bool{
		".git/HEAD": true, "build/kernel/golocks/kernel.json": true, "kernel/build.sh": false,
		"notebooks/student/.ipynb_checkpoints/x.ipynb": true, ".ipynb_checkpoints/y": true,
		"scripts.test": true, "pkg/x.test": false, "docs/a.md": true, "docs/keep.md": false,
		"buildx/a": false,
	} {
		if got := ign.excluded(rel); got != want {
			t.Errorf("excluded(%q) = %v, want %v", rel, got, want)
		}
	}
}

// ---- the static checks ----

var (
	dateTag     = regexp.MustCompile(`^quay\.io/jupyter/base-notebook:\d{4}-\d{2}-\d{2}$`)
	goImage     = regexp.MustCompile(`^golang:1\.26\.\d+-bookworm$`)
	repoScript  = regexp.MustCompile(`(?:^|[\s;&|(])((?:\./)?(?:[\w.-]+/)+[\w.-]+\.(?:sh|py|mk))\b`)
	absLiteral  = regexp.MustCompile(`(?:^|[\s=:'"(])/[\w.]`)
	authDisable = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(NotebookApp|ServerApp|IdentityProvider|PasswordIdentityProvider)\.(token|password)\b`),
		regexp.MustCompile(`(?i)\bJUPYTER_TOKEN\b`),
		regexp.MustCompile(`(?i)\b(token|password)\s*=\s*(''|""|\s|$)`),
		regexp.MustCompile(`(?i)disable_check_xsrf|allow_unauthenticated_access|--no-?auth`),
	}
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	df := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	ign := readDockerignore(t, filepath.Join(root, ".dockerignore"))
	if len(df.stages) != 2 {
		t.Fatalf("%d stages, want 2 (build, final)", len(df.stages))
	}
	build, final := df.stage(t, "build"), df.final()

	t.Run("base images pinned", func(t *testing.T) {
		names := map[string]bool{}
		for _, s := range df.stages {
			img := expand(s.image, df.globalArgs)
			if !names[img] { // not an earlier stage
				_, tag, hasTag := strings.Cut(path.Base(img), ":")
				if !hasTag || tag == "" || tag == "latest" || strings.Contains(img, "$") {
					t.Errorf("line %d: FROM %s: pin a tag (not latest)", s.from.line, s.image)
				}
			}
			if !s.from.comment {
				t.Errorf("line %d: FROM %s: say what the stage is for in a comment above it", s.from.line, s.image)
			}
			names[s.name] = true
		}
		if !goImage.MatchString(build.image) {
			t.Errorf("build stage FROM %s, want an official Go 1.26 Debian 12 image (golang:1.26.N-bookworm)", build.image)
		}
		if !dateTag.MatchString(final.image) {
			t.Errorf("final stage FROM %s, want quay.io/jupyter/base-notebook at a dated tag", final.image)
		}
	})

	t.Run("COPY sources in the build context", func(t *testing.T) {
		for _, s := range df.stages {
			vars := df.stageArgs(s, nil)
			for _, in := range s.instrs {
				if in.cmd == "ADD" {
					t.Errorf("line %d: use COPY, not ADD", in.line)
				}
				if in.cmd != "COPY" || in.flags["from"] != "" {
					continue
				}
				for _, src := range in.words[:len(in.words)-1] {
					src = path.Clean(expand(src, vars))
					if path.IsAbs(src) || strings.HasPrefix(src, "..") {
						t.Errorf("line %d: COPY %s: outside the build context", in.line, src)
						continue
					}
					matches, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(src)))
					if len(matches) == 0 {
						t.Errorf("line %d: COPY %s: no such file in the build context", in.line, src)
						continue
					}
					for _, m := range matches {
						rel, _ := filepath.Rel(root, m)
						kept := contextFiles(t, root, filepath.ToSlash(rel), ign)
						if len(kept) == 0 {
							t.Errorf("line %d: COPY %s: .dockerignore leaves nothing of it in the context", in.line, rel)
						}
					}
				}
			}
		}
	})

	t.Run("RUN calls the scripts CI runs", func(t *testing.T) {
		copied := copiedPaths(df, build)
		var calls []string
		for _, s := range df.stages {
			for _, in := range s.instrs {
				if in.cmd != "RUN" {
					continue
				}
				seen := map[string]bool{}
				for _, m := range repoScript.FindAllStringSubmatch(in.args, -1) {
					script := path.Clean(m[1])
					if seen[script] {
						continue
					}
					seen[script] = true
					calls = append(calls, script)
					st, err := os.Stat(filepath.Join(root, script))
					switch {
					case err != nil:
						t.Errorf("line %d: RUN calls %s: %v", in.line, script, err)
					case st.Mode()&0o111 == 0:
						t.Errorf("line %d: RUN calls %s, which is not executable", in.line, script)
					case s.name == "build" && !underAny(script, copied):
						t.Errorf("line %d: RUN calls %s, which no COPY of the stage brings in", in.line, script)
					case ign.excluded(script):
						t.Errorf("line %d: RUN calls %s, which .dockerignore leaves out", in.line, script)
					}
				}
			}
		}
		if !slices.Contains(calls, "kernel/build.sh") {
			t.Errorf("no RUN calls kernel/build.sh: the image must build the kernel with the script CI runs")
		}
		if !runs(build, "kernel/build.sh build") || !runs(build, `PREFIX="$KERNEL_PREFIX" kernel/build.sh install`) {
			t.Errorf("the build stage must run kernel/build.sh build, then install with PREFIX=$KERNEL_PREFIX")
		}
		// CI runs `make test`, whose kernel tests run make kernel /
		// install-kernel, which run this same script.
		mk, err := os.ReadFile(filepath.Join(root, "kernel", "kernel.mk"))
		if err != nil || !strings.Contains(string(mk), "kernel/build.sh build") || !strings.Contains(string(mk), "kernel/build.sh install") {
			t.Errorf("kernel/kernel.mk (make kernel, run by CI) no longer runs kernel/build.sh (%v)", err)
		}
		mf, _ := os.ReadFile(filepath.Join(root, "Makefile"))
		ci, _ := os.ReadFile(filepath.Join(root, ".ci", "run"))
		if !strings.Contains(string(mf), "include kernel/kernel.mk") || !strings.Contains(string(ci), "make test") {
			t.Errorf("CI (.ci/run: make test) must reach kernel/kernel.mk through the root Makefile")
		}
	})

	t.Run("final stage", func(t *testing.T) {
		var user string
		var exposed, hasLabels []string
		for _, in := range final.instrs {
			switch in.cmd {
			case "USER":
				user = in.args
			case "EXPOSE":
				exposed = append(exposed, strings.Fields(in.args)...)
			case "LABEL":
				for _, k := range []string{"org.opencontainers.image.source", "org.opencontainers.image.version", "org.opencontainers.image.description"} {
					if strings.Contains(in.args, k+"=") {
						hasLabels = append(hasLabels, k)
					}
				}
			case "CMD", "ENTRYPOINT":
				t.Errorf("line %d: %s: keep the stack's own start command (start-notebook.py, start-singleuser.py for hubs)", in.line, in.cmd)
			case "COPY":
				if src := in.flags["from"]; src != "" && src != "build" {
					t.Errorf("line %d: COPY --from=%s: only the build stage is copied from", in.line, src)
				}
				dest := in.words[len(in.words)-1]
				if strings.HasPrefix(dest, "/home/jovyan") && in.flags["chown"] != "${NB_UID}:${NB_GID}" {
					t.Errorf("line %d: COPY into %s without --chown=${NB_UID}:${NB_GID}: jovyan could not save there", in.line, dest)
				}
				for _, src := range in.words[:len(in.words)-1] {
					if strings.HasPrefix(src, "/usr/local/go") || strings.HasPrefix(src, "/go/") {
						t.Errorf("line %d: COPY %s: no Go toolchain in the final image", in.line, src)
					}
				}
			}
		}
		switch u, _, _ := strings.Cut(user, ":"); u {
		case "":
			t.Error("final stage: no USER (want USER ${NB_UID}, the stack's jovyan)")
		case "root", "0":
			t.Errorf("final stage: the last USER is %s; want the stack's non-root user, ${NB_UID}", user)
		case "${NB_UID}", "$NB_UID", "jovyan", "1000":
		default:
			t.Errorf("final stage: USER %s; want ${NB_UID} (jovyan)", user)
		}
		if !slices.Contains(exposed, "8888") {
			t.Errorf("final stage exposes %v, want 8888", exposed)
		}
		if len(hasLabels) != 3 {
			t.Errorf("final stage labels: %v, want org.opencontainers.image.source, version and description", hasLabels)
		}
	})

	t.Run("authentication left on", func(t *testing.T) {
		for _, in := range df.all {
			for _, re := range authDisable {
				if m := re.FindString(in.args); m != "" {
					t.Errorf("line %d: %s ... %q: never set or disable Jupyter's token or password in the image", in.line, in.cmd, m)
				}
			}
		}
	})
}

// copiedPaths are the context paths a stage's COPY instructions bring in.
func copiedPaths(df *dockerfile, s stage) []string {
	vars := df.stageArgs(s, nil)
	var out []string
	for _, in := range s.instrs {
		if in.cmd == "COPY" && in.flags["from"] == "" {
			for _, src := range in.words[:len(in.words)-1] {
				out = append(out, path.Clean(expand(src, vars)))
			}
		}
	}
	return out
}

func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") || d == "." {
			return true
		}
	}
	return false
}

func runs(s stage, cmd string) bool {
	for _, in := range s.instrs {
		if in.cmd == "RUN" && strings.Contains(in.args, cmd) {
			return true
		}
	}
	return false
}

// ---- the build stage, run ----

func TestDockerBuildStage(t *testing.T) {
	root := repoRoot(t)
	df := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	ign := readDockerignore(t, filepath.Join(root, ".dockerignore"))
	build, final := df.stage(t, "build"), df.final()

	for _, solutions := range []string{"0", "1"} {
		t.Run("SOLUTIONS="+solutions, func(t *testing.T) {
			fsRoot := t.TempDir() // stands in for the build container's /
			vars := runStage(t, root, fsRoot, df, build, ign, map[string]string{"SOLUTIONS": solutions})
			checkFinalCopies(t, root, fsRoot, df, final, vars, solutions == "1")
		})
	}
}

// inFS maps an absolute path of the container to the scratch folder.
func inFS(fsRoot, p string) string { return filepath.Join(fsRoot, filepath.FromSlash(p)) }

// runStage plays a stage's WORKDIR, COPY and RUN instructions in fsRoot.
// ARG values that are absolute paths are mapped into fsRoot, and RUN
// commands must reach absolute paths only through them (a literal one would
// touch this machine's own file system).
func runStage(t *testing.T, root, fsRoot string, df *dockerfile, s stage, ign dockerignore, buildArgs map[string]string) map[string]string {
	t.Helper()
	vars := map[string]string{} // the values the Dockerfile sees
	env := map[string]string{}  // the same, mapped into fsRoot, for RUN
	workdir := "/"
	for _, in := range s.instrs {
		switch in.cmd {
		case "ARG":
			k, _, _ := strings.Cut(in.args, "=")
			v := df.stageArgs(stage{instrs: []instruction{in}}, buildArgs)[k]
			vars[k] = v
			if path.IsAbs(v) {
				env[k] = inFS(fsRoot, v)
			} else {
				env[k] = v
			}
		case "ENV":
			t.Fatalf("line %d: ENV in the build stage: teach runStage about it", in.line)
		case "WORKDIR":
			workdir = path.Join(workdir, expand(in.args, vars))
			if err := os.MkdirAll(inFS(fsRoot, workdir), 0o755); err != nil {
				t.Fatal(err)
			}
		case "COPY":
			if in.flags["from"] != "" {
				t.Fatalf("line %d: COPY --from in the build stage", in.line)
			}
			raw := expand(in.words[len(in.words)-1], vars)
			dest := raw
			if !path.IsAbs(dest) {
				dest = path.Join(workdir, dest)
			}
			if strings.HasSuffix(raw, "/") {
				dest += "/"
			}
			for _, src := range in.words[:len(in.words)-1] {
				copyFromContext(t, root, fsRoot, path.Clean(expand(src, vars)), dest, ign)
			}
		case "RUN":
			if m := absLiteral.FindString(in.args); m != "" {
				t.Fatalf("line %d: RUN uses a literal absolute path (%q): use an ARG, so this test can run it", in.line, m)
			}
			start := time.Now()
			cmd := exec.Command("sh", "-c", in.args)
			cmd.Dir = inFS(fsRoot, workdir)
			cmd.Env = buildEnv(env)
			out, err := runBoundedCmd(cmd, 20*time.Minute)
			if err != nil {
				t.Fatalf("line %d: RUN %s: %v\n%s", in.line, in.args, err, out)
			}
			t.Logf("line %d: RUN %.60s: %v", in.line, in.args, time.Since(start).Round(time.Millisecond))
		default:
			t.Fatalf("line %d: %s in the build stage: teach runStage about it", in.line, in.cmd)
		}
	}
	return vars
}

// buildEnv is the environment of a simulated RUN: this machine's, minus
// anything that would steer the build scripts (kernel folders, Jupyter's
// folders, make's flags), plus the stage's ARGs.
func buildEnv(args map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "KERNEL_") || strings.HasPrefix(k, "JUPYTER") || k == "PREFIX" ||
			k == "MAKEFLAGS" || k == "MFLAGS" || k == "MAKELEVEL" || args[k] != "" {
			continue
		}
		env = append(env, kv)
	}
	for k, v := range args {
		env = append(env, k+"="+v)
	}
	return env
}

// copyFromContext does COPY src dest: a folder's contents into dest, a file
// into dest (or into it, when dest ends in /), leaving out what
// .dockerignore excludes.
func copyFromContext(t *testing.T, root, fsRoot, src, dest string, ign dockerignore) {
	t.Helper()
	st, err := os.Stat(filepath.Join(root, filepath.FromSlash(src)))
	if err != nil {
		t.Fatalf("COPY %s: %v", src, err)
	}
	kept := contextFiles(t, root, src, ign)
	for _, rel := range kept {
		var to string
		switch {
		case st.IsDir():
			to = path.Join(dest, strings.TrimPrefix(rel, src+"/"))
		case strings.HasSuffix(dest, "/"):
			to = path.Join(dest, path.Base(rel))
		default:
			to = dest
		}
		copyFile(t, filepath.Join(root, filepath.FromSlash(rel)), inFS(fsRoot, to))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	st, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, st.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

// checkFinalCopies checks what the final stage takes from the build stage.
func checkFinalCopies(t *testing.T, root, fsRoot string, df *dockerfile, final stage, buildVars map[string]string, solutions bool) {
	t.Helper()
	vars := df.stageArgs(final, nil)
	prefix := vars["KERNEL_PREFIX"]
	if prefix != "/opt/conda" || buildVars["KERNEL_PREFIX"] != prefix {
		t.Errorf("KERNEL_PREFIX = %q (build) / %q (final), want /opt/conda, the stack's CONDA_DIR", buildVars["KERNEL_PREFIX"], prefix)
	}
	spec := path.Join(prefix, "share/jupyter/kernels/golocks")
	workbook := vars["WORKBOOK"]
	var specCopied, workCopied bool
	for _, in := range final.instrs {
		if in.cmd != "COPY" || in.flags["from"] == "" {
			continue
		}
		dest := expand(in.words[len(in.words)-1], vars)
		for _, src := range in.words[:len(in.words)-1] {
			src = expand(src, vars)
			if _, err := os.Stat(inFS(fsRoot, src)); err != nil {
				t.Errorf("line %d: COPY --from=build %s: the build stage made no such thing: %v", in.line, src, err)
				continue
			}
			switch {
			case src == spec:
				specCopied = dest == spec // kernel.json's paths hold only at the same place
				if !specCopied {
					t.Errorf("line %d: the kernelspec is copied to %s; kernel.json points into %s", in.line, dest, spec)
				}
			case src == workbook && dest == "/home/jovyan/work":
				workCopied = true
			}
		}
	}
	if !specCopied || !workCopied {
		t.Fatalf("the final stage must copy %s (to the same path) and %s to /home/jovyan/work", spec, workbook)
	}

	// The kernelspec, as the image has it.
	specDir := inFS(fsRoot, spec)
	raw, err := os.ReadFile(filepath.Join(specDir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ks struct {
		Argv     []string
		Language string
		Env      map[string]string
	}
	if err := json.Unmarshal(raw, &ks); err != nil {
		t.Fatalf("kernel.json: %v", err)
	}
	wantKernel := filepath.Join(specDir, "bin", "golocks-kernel") // spec/bin/... once fsRoot is /
	if len(ks.Argv) != 2 || ks.Argv[0] != wantKernel || ks.Argv[1] != "{connection_file}" || ks.Language != "go" ||
		ks.Env["GOLOCKS_WORKER"] != filepath.Join(specDir, "bin", "golocks") {
		t.Errorf("kernel.json does not point where the image has the kernel (%s):\n%s", wantKernel, raw)
	}
	for _, bin := range []string{ks.Argv[0], ks.Env["GOLOCKS_WORKER"]} {
		checkStatic(t, bin)
	}
	// The image copies it as root: jovyan must be able to read and run it.
	filepath.WalkDir(specDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return err
		}
		st, _ := d.Info()
		want := fs.FileMode(0o004)
		if d.IsDir() || strings.Contains(p, "/bin/") {
			want = 0o005
		}
		if st.Mode().Perm()&want != want {
			t.Errorf("%s is %v: others (jovyan) cannot use it", p, st.Mode().Perm())
		}
		return nil
	})

	// Jupyter finds it under the prefix, as the image's sys-prefix Jupyter will.
	cmd := exec.Command("jupyter", "kernelspec", "list", "--json")
	cmd.Env = append(buildEnv(nil), "HOME="+t.TempDir(), "JUPYTER_PATH="+inFS(fsRoot, path.Join(prefix, "share/jupyter")))
	out, err := cmd.Output()
	var list struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
		}
	}
	if err != nil || json.Unmarshal(out, &list) != nil || list.Kernelspecs["golocks"].ResourceDir != specDir {
		t.Errorf("jupyter kernelspec list, the image's prefix on JUPYTER_PATH: %v\n%s\n(scripts/install-deps.sh installs Jupyter)", err, out)
	}

	// The workbook: the student copy; solutions/ only when asked. What
	// .dockerignore keeps of each folder, and at least every committed file.
	ign := readDockerignore(t, filepath.Join(root, ".dockerignore"))
	got := listTree(t, inFS(fsRoot, workbook))
	var want, committed []string
	for _, c := range []struct{ dir, in string }{{"notebooks/student", ""}, {"notebooks/solution", "solutions/"}} {
		if c.in != "" && !solutions {
			continue
		}
		kept := contextFiles(t, root, c.dir, ign)
		for _, f := range kept {
			want = append(want, c.in+strings.TrimPrefix(f, c.dir+"/"))
		}
		for _, f := range gitFiles(t, root, c.dir) {
			committed = append(committed, c.in+strings.TrimPrefix(f, c.dir+"/"))
		}
	}
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("workbook in the image (solutions asked for: %v):\n%q\nwant:\n%q", solutions, got, want)
	}
	for _, f := range committed {
		if !slices.Contains(got, f) {
			t.Errorf("committed %s is not in the image's workbook (.dockerignore?)", f)
		}
	}
	if !slices.ContainsFunc(got, func(f string) bool { return strings.HasSuffix(f, ".ipynb") && !strings.Contains(f, "/") }) {
		t.Errorf("no notebook at the top of the image's work folder: %q", got)
	}
}

// gitFiles lists the committed files under dir (slash-separated, relative
// to the repository).
func gitFiles(t *testing.T, root, dir string) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--", dir)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git ls-files %s: %v", dir, err)
	}
	return strings.FieldsFunc(string(out), func(r rune) bool { return r == 0 })
}

// listTree lists the files under dir, slash-separated, leaving out what the
// build context leaves out (Jupyter's checkpoints, caches).
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == ".ipynb_checkpoints" || d.Name() == "__pycache__" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Errorf("%v", err)
	}
	sort.Strings(out)
	return out
}

// checkStatic: the final image has no Go and a different C library, so the
// binaries must need no dynamic loader.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Errorf("%s: %v", bin, err)
		return
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked; the image needs a static binary (CGO_ENABLED=0)", bin)
		}
	}
}

// runBoundedCmd runs cmd with its output collected, killing its process
// group when it outlives limit.
func runBoundedCmd(cmd *exec.Cmd, limit time.Duration) ([]byte, error) {
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	setPgid(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return []byte(out.String()), err
	case <-time.After(limit):
		killGroup(cmd)
		<-done
		return []byte(out.String()), fmt.Errorf("still running after %v: killed", limit)
	}
}
