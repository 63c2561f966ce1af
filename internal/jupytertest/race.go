package jupytertest

// The race detector's kernel: `make test-race-kernel` runs the kernel's and
// the notebooks' tests with RaceEnv set, so InstallKernel builds the kernel
// (and its worker processes, the same binary) with Go's race detector,
// sends every report to files in the test's folder, and fails the test for
// each race in the kernel's own code.

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// RaceEnv, set, makes InstallKernel install a kernel built with the race
// detector, and fail the test for a data race in it. Set to a folder (an
// absolute path), every report is also copied there, the notebooks' own
// races included.
const RaceEnv = "GOLOCKS_TEST_RACE_KERNEL"

// watchRaces makes a folder for the race detector's reports in dir and
// returns the GORACE setting that sends them there; when the test ends, a
// race in the kernel's own code fails it, with the report.
func watchRaces(t *testing.T, dir string) string {
	t.Helper()
	reports := filepath.Join(dir, "race")
	if err := os.MkdirAll(reports, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if keep := os.Getenv(RaceEnv); filepath.IsAbs(keep) {
			if err := keepRaceReports(reports, keep, t.Name()); err != nil {
				t.Errorf("keeping the race reports: %v", err)
			}
		}
		kernel, student, err := readRaceReports(reports)
		if err != nil {
			t.Errorf("reading the race detector's reports: %v", err)
		}
		if len(student) > 0 {
			t.Logf("the race detector saw %d races in the notebooks' own interpreted code (what the workbook's racy exercises do)", len(student))
		}
		for _, r := range kernel {
			t.Errorf("a data race in the kernel (%s):\n%s", r.file, r.text)
		}
	})
	// halt_on_error=0: a race is reported and the kernel goes on, so that
	// one test run finds every race it reaches.
	return "GORACE=log_path=" + filepath.Join(reports, "report") + " halt_on_error=0"
}

// keepRaceReports copies the report files in dir to keep, named after the
// test.
func keepRaceReports(dir, keep, test string) error {
	files, err := filepath.Glob(filepath.Join(dir, "report.*"))
	if err != nil || len(files) == 0 {
		return err
	}
	if err := os.MkdirAll(keep, 0o755); err != nil {
		return err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		name := strings.ReplaceAll(test, "/", "_") + "." + filepath.Base(f)
		if err := os.WriteFile(filepath.Join(keep, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// A raceReport is one report of the race detector.
type raceReport struct {
	file, text string
}

// readRaceReports reads every report in dir and sorts them: races in the
// kernel, and races in the notebooks' own code (student).
func readRaceReports(dir string) (kernel, student []raceReport, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "report.*"))
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return kernel, student, err
		}
		for _, text := range splitRaceReports(string(b)) {
			r := raceReport{file: filepath.Base(f), text: text}
			if interpretedRace(text) {
				student = append(student, r)
			} else {
				kernel = append(kernel, r)
			}
		}
	}
	return kernel, student, nil
}

const raceBanner = "WARNING: DATA RACE"

// splitRaceReports splits a race log into its reports.
func splitRaceReports(log string) []string {
	var out []string
	for _, part := range strings.Split(log, raceBanner)[1:] {
		// A report ends at the detector's line of "=".
		if i := strings.Index(part, "\n=================="); i >= 0 {
			part = part[:i]
		}
		out = append(out, raceBanner+"\n"+strings.TrimSpace(part))
	}
	return out
}

// interpretedRace reports whether a race is between two accesses that
// interpreted code made to its own variables: the workbook's racy exercises
// (`count = c + 1` in four goroutines) race on purpose. gomacro compiles
// each expression and assignment of a cell into a closure made by a method
// of its compiler or of a symbol ("fast.(*Comp).varSetExpr.func151",
// "fast.(*Symbol).intExpr.func38"), which reads or writes the variable's
// slot: such an access's innermost frame is one of those. Every other
// frame is the kernel's: the interpreter's own machinery (its statement
// loop, "fast.(*Code).Exec.exec.func2", its Run, Interp and Env methods,
// the closures that take a variable's address and set the Env's flags),
// gophernotes, zmq4, our packages.
func interpretedRace(report string) bool {
	accesses := 0
	for _, frame := range accessFrames(report) {
		accesses++
		if !compiledCellFrame.MatchString(frame) {
			return false
		}
	}
	return accesses >= 2
}

// compiledCellFrame matches the innermost frame of an access made by
// interpreted code to a variable: a closure gomacro compiled a cell's
// expression or assignment into.
var compiledCellFrame = regexp.MustCompile(`^github\.com/cosmos72/gomacro/fast\.\(\*(Comp|Symbol)\)\.[A-Za-z0-9_]+\.func\d+(\.\d+)*\(\)$`)

// accessFrames returns the innermost frame (function) of each access a
// report names ("Read at ... by goroutine 7:", "Previous write at ...").
func accessFrames(report string) []string {
	var frames []string
	lines := strings.Split(report, "\n")
	for i, l := range lines {
		if !accessLine.MatchString(strings.TrimSpace(l)) {
			continue
		}
		for _, f := range lines[i+1:] {
			f = strings.TrimSpace(f)
			if f == "" || strings.HasPrefix(f, "/") || strings.Contains(f, ".go:") {
				continue
			}
			if isRuntimeFrame(f) {
				continue // sync/atomic, the race runtime's own helpers
			}
			frames = append(frames, f)
			break
		}
	}
	return frames
}

var accessLine = regexp.MustCompile(`^(Previous )?([Rr]ead|[Ww]rite|[Aa]tomic read|[Aa]tomic write)( of size \d+)? at 0x[0-9a-f]+ by (main goroutine|goroutine \d+):$`)

// isRuntimeFrame: frames above the code that made an access (memmove,
// typedmemmove, reflect's copy helpers), which say nothing of who made it.
func isRuntimeFrame(f string) bool {
	for _, p := range []string{"runtime.", "internal/", "sync/atomic.", "reflect.typedmemmove", "reflect.Value.Set", "reflect.Value.Int", "reflect.Value.SetInt"} {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}

// String is a report's first lines, for a test's log.
func (r raceReport) String() string {
	return fmt.Sprintf("%s: %.300s", r.file, r.text)
}
