package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// latencySamples is what bench/latency.py prints (seconds).
type latencySamples struct {
	Start     []float64 `json:"start_s"`
	FirstCell []float64 `json:"first_cell_s"`
	WarmCell  []float64 `json:"warm_cell_s"`
	// Interrupt is, per cell kind and interrupt mode ("loop/message"...),
	// the time from the interrupt to the interrupted cell's reply.
	Interrupt map[string][]float64 `json:"interrupt_s"`
	Notebooks []struct {
		Path       string    `json:"path"`
		Start      []float64 `json:"start_s"`
		Cells      []float64 `json:"cells_s"`
		CodeCells  int       `json:"code_cells"`
		ErrorCells []int     `json:"error_cells"`
	} `json:"notebooks"`
}

type latencyReport struct {
	Samples latencySamples
	Notes   []string // e.g. no notebooks yet
	Errors  []string // the kernel did not start, a cell hung: fails the bench
}

// warmCells is how many trivial cells follow the first one on each kernel.
const warmCells = 4

// measureLatency runs bench/latency.py on the kernelspec folder o.Kernel,
// installed in a private Jupyter data folder so the user's own Jupyter
// set-up neither matters nor changes.
func measureLatency(o options, progress io.Writer) latencyReport {
	var lr latencyReport
	notebooks, err := filepath.Glob(o.Notebooks)
	if err != nil {
		lr.Errors = append(lr.Errors, fmt.Sprintf("-notebooks %q: %v", o.Notebooks, err))
		return lr
	}
	sort.Strings(notebooks)
	if len(notebooks) == 0 {
		note := fmt.Sprintf("no notebooks match %s yet: the whole-notebook latency is skipped", o.Notebooks)
		fmt.Fprintln(progress, "bench: NOTE: "+note)
		lr.Notes = append(lr.Notes, note)
	}
	spec, err := filepath.Abs(o.Kernel)
	if err != nil {
		lr.Errors = append(lr.Errors, err.Error())
		return lr
	}
	tmp, err := os.MkdirTemp("", "golocks-bench-jupyter-")
	if err != nil {
		lr.Errors = append(lr.Errors, err.Error())
		return lr
	}
	defer os.RemoveAll(tmp)
	data := filepath.Join(tmp, "data")
	if err := os.MkdirAll(filepath.Join(data, "kernels"), 0o755); err != nil {
		lr.Errors = append(lr.Errors, err.Error())
		return lr
	}
	name := filepath.Base(spec)
	if err := os.Symlink(spec, filepath.Join(data, "kernels", name)); err != nil {
		lr.Errors = append(lr.Errors, err.Error())
		return lr
	}
	script, err := filepath.Abs(filepath.Join(filepath.Dir(o.Reference), "latency.py"))
	if err != nil {
		lr.Errors = append(lr.Errors, err.Error())
		return lr
	}
	args := []string{script, name, strconv.Itoa(o.LatencyRuns), strconv.Itoa(warmCells),
		strconv.Itoa(o.NotebookRuns), "120"}
	for _, nb := range notebooks {
		abs, err := filepath.Abs(nb)
		if err != nil {
			lr.Errors = append(lr.Errors, err.Error())
			return lr
		}
		args = append(args, abs)
	}
	fmt.Fprintf(progress, "  notebook latency: %d kernel starts, %d notebooks × %d runs\n", o.LatencyRuns, len(notebooks), o.NotebookRuns)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, o.Python, args...)
	cmd.Env = jupyterEnv(tmp, data)
	cmd.Dir = tmp
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		lr.Errors = append(lr.Errors, fmt.Sprintf("latency.py: %v: %s", err, tail(stderr.String(), 2000)))
		return lr
	}
	out := bytes.TrimSpace(stdout.Bytes())
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		out = out[i+1:]
	}
	if err := json.Unmarshal(out, &lr.Samples); err != nil {
		lr.Errors = append(lr.Errors, fmt.Sprintf("latency.py output: %v: %s", err, tail(stdout.String(), 500)))
	}
	for _, nb := range lr.Samples.Notebooks {
		if e := slicesMax(nb.ErrorCells); e > 0 {
			lr.Notes = append(lr.Notes, fmt.Sprintf("%s: up to %d of %d code cells ended in an error", rel(nb.Path), e, nb.CodeCells))
		}
	}
	return lr
}

// jupyterEnv is this environment with private Jupyter folders and HOME
// under tmp, and data as the only kernelspec folder besides the system's.
func jupyterEnv(tmp, data string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || strings.HasPrefix(k, "JUPYTER") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"HOME="+filepath.Join(tmp, "home"),
		"JUPYTER_DATA_DIR="+data,
		"JUPYTER_PATH="+data,
		"JUPYTER_CONFIG_DIR="+filepath.Join(tmp, "config"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "runtime"),
		"PYDEVD_DISABLE_FILE_VALIDATION=1",
	)
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// rel shortens path to be relative to the current folder when it is under it.
func rel(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if r, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// latencyRows turns the samples into table cells: what, median, runs.
func latencyRows(s latencySamples) [][]string {
	rows := [][]string{
		{"kernel start to first reply (kernel_info)", formatSeconds(median(s.Start)), strconv.Itoa(len(s.Start))},
		{"trivial cell `1 + 1`, first on a fresh kernel", formatSeconds(median(s.FirstCell)), strconv.Itoa(len(s.FirstCell))},
		{"trivial cell `1 + 1`, later ones", formatSeconds(median(s.WarmCell)), strconv.Itoa(len(s.WarmCell))},
	}
	for _, k := range []struct{ key, what string }{
		{"loop/message", "interrupt `for {}` (interrupt_request) to its reply"},
		{"loop/signal", "interrupt `for {}` (SIGINT) to its reply"},
		{"receive/message", "interrupt `<-ch` (interrupt_request) to its reply"},
		{"receive/signal", "interrupt `<-ch` (SIGINT) to its reply"},
	} {
		if xs := s.Interrupt[k.key]; len(xs) > 0 {
			rows = append(rows, []string{k.what, formatSeconds(median(xs)), strconv.Itoa(len(xs))})
		}
	}
	sumTotal := 0.0
	for _, nb := range s.Notebooks {
		name := rel(nb.Path)
		total := make([]float64, len(nb.Cells))
		for i := range total {
			total[i] = nb.Start[i] + nb.Cells[i]
		}
		rows = append(rows,
			[]string{fmt.Sprintf("%s: all %d code cells (kernel already started)", name, nb.CodeCells), formatSeconds(median(nb.Cells)), strconv.Itoa(len(nb.Cells))},
			[]string{fmt.Sprintf("%s: kernel start + all cells", name), formatSeconds(median(total)), strconv.Itoa(len(total))},
		)
		sumTotal += median(total)
	}
	if len(s.Notebooks) > 1 {
		rows = append(rows, []string{fmt.Sprintf("the whole workbook: the %d notebooks' kernel start + all cells, added up", len(s.Notebooks)),
			formatSeconds(sumTotal), "—"})
	}
	return rows
}

func writeLatency(w io.Writer, lr latencyReport) {
	if len(lr.Samples.Start) > 0 {
		writeTable(w, []string{"measurement", "median", "runs"}, latencyRows(lr.Samples))
	}
	for _, n := range lr.Notes {
		fmt.Fprintln(w, "\nNote: "+n)
	}
	for _, e := range lr.Errors {
		fmt.Fprintln(w, "\nERROR: "+e)
	}
}
