//go:build e2e

package scripts_test

// TestDockerBuildStage runs the Dockerfile's build stage for real, in a
// scratch folder standing in for the container's file system: its COPY
// instructions (honouring .dockerignore) and its RUN commands, with the
// stage's ARG values. Then it checks everything the final stage copies out
// of it: a kernelspec whose kernel.json points where the image has it,
// static binaries, the workbook's student copy, and the solution copy only
// with SOLUTIONS=1. Its "broken" subtests show that each of those checks
// fails on a Dockerfile that breaks it.

import (
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/command"
)

// A buildRun is the build stage run in fsRoot, a scratch folder standing in
// for the container's /.
type buildRun struct {
	fsRoot string
	err    error // why it stopped, if it did
}

// builder runs build stages, each distinct one once: the kernel build takes
// minutes the first time.
type builder struct {
	dir  string // holds the scratch folders
	runs map[string]buildRun
}

func (b *builder) run(t *testing.T, r *repo, buildArgs map[string]string) buildRun {
	key := fmt.Sprint(buildArgs, r.edited[".dockerignore"])
	for _, in := range append(slices.Clone(r.global), r.build().instrs...) {
		key += "\n" + in.Original
	}
	if run, ok := b.runs[key]; ok {
		return run
	}
	run := buildRun{}
	run.fsRoot, run.err = os.MkdirTemp(b.dir, "fs")
	if run.err == nil {
		run.err = runStage(t, r, run.fsRoot, buildArgs)
	}
	b.runs[key] = run
	return run
}

// inFS maps an absolute path of the container to the scratch folder.
func inFS(fsRoot, p string) string { return filepath.Join(fsRoot, filepath.FromSlash(p)) }

// absLiteral finds an absolute path written into a RUN command.
var absLiteral = regexp.MustCompile(`(?:^|[\s=:'"(])/[\w.]`)

// runStage plays the build stage's WORKDIR, COPY and RUN instructions in
// fsRoot. ARG values that are absolute paths are mapped into fsRoot, and
// RUN commands must reach absolute paths only through them (a literal one
// would touch this machine's own file system).
func runStage(t *testing.T, r *repo, fsRoot string, buildArgs map[string]string) error {
	v := vars{}   // the values the Dockerfile sees
	env := vars{} // the same, mapped into fsRoot, for RUN
	workdir := "/"
	for _, in := range r.build().instrs {
		a := in.args()
		switch in.cmd() {
		case command.Arg:
			r.declare(in, v, buildArgs)
			for k, val := range v {
				env[k] = val
				if path.IsAbs(val) {
					env[k] = inFS(fsRoot, val)
				}
			}
		case command.Workdir:
			workdir = path.Join(workdir, r.expanded(a[0], v))
			if err := os.MkdirAll(inFS(fsRoot, workdir), 0o755); err != nil {
				return err
			}
		case command.Copy:
			if len(in.Flags) > 0 {
				return fmt.Errorf("line %d: COPY %s in the build stage: teach runStage about it", in.StartLine, in.Flags)
			}
			dest := r.expanded(a[len(a)-1], v)
			if !path.IsAbs(dest) {
				dir := strings.HasSuffix(dest, "/")
				dest = path.Join(workdir, dest)
				if dir {
					dest += "/"
				}
			}
			for _, src := range contextSources(r, in, v) {
				if err := copyFromContext(r, fsRoot, src, dest); err != nil {
					return fmt.Errorf("line %d: COPY %s: %w", in.StartLine, src, err)
				}
			}
		case command.Run:
			if len(in.Flags) > 0 || in.Attributes["json"] {
				return fmt.Errorf("line %d: RUN %s: only the shell form without flags; teach runStage the rest", in.StartLine, in.Flags)
			}
			if m := absLiteral.FindString(a[0]); m != "" {
				return fmt.Errorf("line %d: RUN uses a literal absolute path (%q): use an ARG, so this test can run it", in.StartLine, m)
			}
			start := time.Now()
			cmd := exec.Command("sh", "-c", a[0])
			cmd.Dir = inFS(fsRoot, workdir)
			cmd.Env = buildEnv(env)
			if out, err := runBoundedCmd(cmd, 20*time.Minute); err != nil {
				return fmt.Errorf("line %d: RUN %s: %v\n%s", in.StartLine, a[0], err, out)
			}
			t.Logf("line %d: RUN %.60s: %v", in.StartLine, a[0], time.Since(start).Round(time.Millisecond))
		default:
			return fmt.Errorf("line %d: %s in the build stage: teach runStage about it", in.StartLine, in.Value)
		}
	}
	return nil
}

// buildEnv is the environment of a simulated RUN: this machine's, minus
// anything that would steer the build scripts (kernel folders, Jupyter's
// folders, make's flags), plus the stage's ARGs.
func buildEnv(args vars) []string {
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
func copyFromContext(r *repo, fsRoot, src, dest string) error {
	st, err := os.Stat(filepath.Join(r.root, filepath.FromSlash(src)))
	if err != nil {
		return err
	}
	kept, err := r.contextFiles(src)
	for _, rel := range kept {
		to := dest
		switch {
		case st.IsDir():
			to = path.Join(dest, strings.TrimPrefix(rel, src+"/"))
		case strings.HasSuffix(dest, "/"):
			to = path.Join(dest, path.Base(rel))
		}
		err = errors.Join(err, copyFile(filepath.Join(r.root, filepath.FromSlash(rel)), inFS(fsRoot, to)))
	}
	return err
}

func copyFile(from, to string) error {
	st, err := os.Stat(from)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(from)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(to), 0o755)
	}
	if err == nil {
		err = os.WriteFile(to, data, st.Mode().Perm())
	}
	return err
}

// checkBuild checks what the final stage takes from a run of the build
// stage: the kernelspec, as Jupyter will find it, and the workbook.
func checkBuild(t *testing.T, r *repo, run buildRun, solutions bool) (p problems) {
	if run.err != nil {
		return problems{run.err.Error()}
	}
	v := r.stageVars(r.final(), nil)
	spec := path.Join(v["KERNEL_PREFIX"], "share/jupyter/kernels/golocks")
	workbook := v["WORKBOOK"]
	var specCopied, workCopied bool
	for _, in := range r.final().instrs {
		if in.cmd() != command.Copy || in.flag("from") == "" {
			continue
		}
		a := in.args()
		dest := r.expanded(a[len(a)-1], v)
		for _, src := range a[:len(a)-1] {
			src = r.expanded(src, v)
			if _, err := os.Stat(inFS(run.fsRoot, src)); err != nil {
				p.at(in, "COPY --from=build %s: the build stage made no such thing: %v", src, err)
				continue
			}
			switch {
			case src == spec:
				specCopied = dest == spec // kernel.json's paths hold only at the same place
				if !specCopied {
					p.at(in, "the kernelspec is copied to %s; kernel.json points into %s", dest, spec)
				}
			case src == workbook && dest == "/home/jovyan/work":
				workCopied = true
			}
		}
	}
	if !specCopied || !workCopied {
		p.add("the final stage must copy %s (to the same path) and %s to /home/jovyan/work", spec, workbook)
		return p
	}
	p = append(p, checkKernelspec(t, inFS(run.fsRoot, spec))...)
	return append(p, checkWorkbook(r, inFS(run.fsRoot, workbook), solutions)...)
}

// checkKernelspec checks the kernelspec as the image has it in specDir:
// kernel.json points at static binaries there, jovyan can use them, and
// Jupyter finds it under the prefix, as the image's sys-prefix Jupyter will.
func checkKernelspec(t *testing.T, specDir string) (p problems) {
	raw, err := os.ReadFile(filepath.Join(specDir, "kernel.json"))
	var ks struct {
		Argv     []string
		Language string
		Env      map[string]string
	}
	if err == nil {
		err = json.Unmarshal(raw, &ks)
	}
	if err != nil {
		p.add("kernel.json: %v", err)
	}
	wantKernel := filepath.Join(specDir, "bin", "golocks-kernel") // spec/bin/... once fsRoot is /
	if len(ks.Argv) != 2 || ks.Argv[0] != wantKernel || ks.Argv[1] != "{connection_file}" || ks.Language != "go" ||
		ks.Env["GOLOCKS_WORKER"] != wantKernel { // the kernel's binary is also the pool's worker
		p.add("kernel.json does not point where the image has the kernel (%s):\n%s", wantKernel, raw)
	}
	// The final image has no Go and a different C library: the binaries
	// must need no dynamic loader.
	for _, bin := range []string{"golocks-kernel", "golocks"} {
		f, err := elf.Open(filepath.Join(specDir, "bin", bin))
		if err != nil {
			p.add("%s: %v", bin, err)
			continue
		}
		if slices.ContainsFunc(f.Progs, func(p *elf.Prog) bool { return p.Type == elf.PT_INTERP }) {
			p.add("%s is dynamically linked; the image needs a static binary (CGO_ENABLED=0)", bin)
		}
		f.Close()
	}
	// The image copies it as root: jovyan must be able to read and run it.
	filepath.WalkDir(specDir, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			p.add("%v", err)
			return err
		}
		st, _ := d.Info()
		want := fs.FileMode(0o004)
		if d.IsDir() || strings.Contains(f, "/bin/") {
			want = 0o005
		}
		if st.Mode().Perm()&want != want {
			p.add("%s is %v: others (jovyan) cannot use it", f, st.Mode().Perm())
		}
		return nil
	})
	cmd := exec.Command("jupyter", "kernelspec", "list", "--json")
	cmd.Env = append(buildEnv(nil), "HOME="+t.TempDir(), "JUPYTER_PATH="+filepath.Dir(filepath.Dir(specDir)))
	out, err := cmd.Output()
	var list struct {
		Kernelspecs map[string]struct {
			ResourceDir string `json:"resource_dir"`
		}
	}
	if err != nil || json.Unmarshal(out, &list) != nil || list.Kernelspecs["golocks"].ResourceDir != specDir {
		p.add("jupyter kernelspec list, the image's prefix on JUPYTER_PATH: %v\n%s\n(scripts/install-deps.sh installs Jupyter)", err, out)
	}
	return p
}

// checkWorkbook checks the workbook in dir: the student copy, solutions/
// only when asked; what .dockerignore keeps of each, and at least every
// committed file.
func checkWorkbook(r *repo, dir string, solutions bool) (p problems) {
	got := listTree(dir)
	var want, committed []string
	for _, c := range []struct{ dir, in string }{{"notebooks/student", ""}, {"notebooks/solution", "solutions/"}} {
		if c.in != "" && !solutions {
			continue
		}
		kept, err := r.contextFiles(c.dir)
		if err != nil {
			p.add("%v", err)
		}
		for _, f := range kept {
			want = append(want, c.in+strings.TrimPrefix(f, c.dir+"/"))
		}
		out, err := exec.Command("git", "-C", r.root, "ls-files", "-z", "--", c.dir).Output()
		if err != nil {
			p.add("git ls-files %s: %v", c.dir, err)
		}
		for _, f := range strings.FieldsFunc(string(out), func(r rune) bool { return r == 0 }) {
			committed = append(committed, c.in+strings.TrimPrefix(f, c.dir+"/"))
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		p.add("workbook in the image (solutions asked for: %v):\n%q\nwant:\n%q", solutions, got, want)
	}
	for _, f := range committed {
		if !slices.Contains(got, f) {
			p.add("committed %s is not in the image's workbook (.dockerignore?)", f)
		}
	}
	if !slices.ContainsFunc(got, func(f string) bool { return strings.HasSuffix(f, ".ipynb") && !strings.Contains(f, "/") }) {
		p.add("no notebook at the top of the image's work folder: %q", got)
	}
	return p
}

// listTree lists the files under dir, slash-separated and sorted, leaving
// out what the build context leaves out (Jupyter's checkpoints, caches).
func listTree(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.Name() == ".ipynb_checkpoints" || d.Name() == "__pycache__":
			return filepath.SkipDir
		case !d.IsDir():
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

func TestDockerBuildStage(t *testing.T) {
	root := repoRoot(t)
	b := &builder{dir: t.TempDir(), runs: map[string]buildRun{}}
	for _, solutions := range []string{"0", "1"} {
		t.Run("SOLUTIONS="+solutions, func(t *testing.T) {
			r, err := loadRepo(root)
			if err != nil {
				t.Fatal(err)
			}
			run := b.run(t, r, map[string]string{"SOLUTIONS": solutions})
			for _, p := range checkBuild(t, r, run, solutions == "1") {
				t.Error(p)
			}
		})
	}

	// Each check fails on a Dockerfile broken the way it guards against.
	// Edits of the final stage reuse the run above; the others run the
	// build stage again (seconds, once the kernel's packages are built).
	t.Run("broken", func(t *testing.T) {
		for _, c := range []struct {
			name string
			edit edit
			want []string
		}{
			{"ENV in the build stage", edit{"Dockerfile", "WORKDIR /src\n", "WORKDIR /src\nENV CGO_ENABLED=1\n"}, []string{"ENV in the build stage: teach runStage"}},
			{"RUN with a literal absolute path", edit{"Dockerfile", "WORKDIR /src\n", "WORKDIR /src\nRUN ls /etc\n"}, []string{"literal absolute path"}},
			{"RUN that fails", edit{"Dockerfile", "WORKDIR /src\n", "WORKDIR /src\nRUN false\n"}, []string{"RUN false: exit status 1"}},
			{"RUN in exec form", edit{"Dockerfile", "WORKDIR /src\n", "WORKDIR /src\nRUN [\"true\"]\n"}, []string{"only the shell form"}},
			{"COPY --from in the build stage", edit{"Dockerfile", "COPY cmd/ cmd/", "COPY --from=golang:1.26 cmd/ cmd/"}, []string{"teach runStage about it"}},
			{"kernelspec copied elsewhere", edit{"Dockerfile", "golocks ${KERNEL_PREFIX}/share/jupyter/kernels/golocks", "golocks /usr/share/jupyter/kernels/golocks"}, []string{"kernel.json points into"}},
			{"workbook not copied to work/", edit{"Dockerfile", workbookCopy + "\n", ""}, []string{"must copy"}},
			{"COPY what the build did not make", edit{"Dockerfile", "COPY --from=build ${WORKBOOK} ${WORKBOOK}", "COPY --from=build ${WORKBOOK}/docs ${WORKBOOK}"}, []string{"the build stage made no such thing"}},
			{"solutions always copied", edit{"Dockerfile", `if [ "$SOLUTIONS" = 1 ]`, "if true"}, []string{"workbook in the image (solutions asked for: false)"}},
			{"notebooks in a subfolder", edit{"Dockerfile", `cp -R notebooks/student/. "$WORKBOOK/"`, `cp -R notebooks/student "$WORKBOOK/"`}, []string{"workbook in the image", "no notebook at the top"}},
			{"a committed notebook left out", edit{".dockerignore", "", "notebooks/student/1-*\n"}, []string{"committed 1-"}},
			{"kernelspec spoiled after install", edit{"Dockerfile", `PREFIX="$KERNEL_PREFIX" kernel/build.sh install`, `PREFIX="$KERNEL_PREFIX" kernel/build.sh install && ` +
				`spec="$KERNEL_PREFIX/share/jupyter/kernels/golocks" && echo 'not json' > "$spec/kernel.json" && chmod o-r "$spec/kernel.json" && cp "$(command -v sh)" "$spec/bin/golocks"`},
				[]string{"kernel.json: invalid character", "kernel.json does not point where", "golocks is dynamically linked", "others (jovyan) cannot use it", "jupyter kernelspec list"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				r, err := loadRepo(root, c.edit)
				if err != nil {
					t.Fatal(err)
				}
				wantProblem(t, checkBuild(t, r, b.run(t, r, map[string]string{"SOLUTIONS": "0"}), false), c.want...)
			})
		}
	})
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
