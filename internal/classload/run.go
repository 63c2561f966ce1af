package classload

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/golocks/golocks/internal/procfs"
)

// RunOptions say what the students of a Run do.
type RunOptions struct {
	Students  int      // how many of the class work at once: the first Students
	Notebooks []string // the notebooks each runs, in order (e.g. the solution copies)
	// NoWait lets each student start as soon as their server is ready,
	// instead of all together.
	NoWait      bool
	CellTimeout time.Duration // bound on one cell (0: 5 minutes)
	Timeout     time.Duration // bound on one student's whole run (0: 30 minutes)
	SampleEvery time.Duration // memory sampling period (0: 1 second)
}

// Run has the first o.Students students of the class log in, start their
// servers and, once all are ready, run the notebooks at the same time
// through the hub, each as a browser would; it samples their memory
// meanwhile. The error is for a run that could not happen (no student
// process); what went wrong for the students is in the report's Problems.
func (c *Class) Run(o RunOptions) (*Report, error) {
	if o.Students < 1 || o.Students > len(c.students) {
		return nil, fmt.Errorf("run %d students: the class has %d", o.Students, len(c.students))
	}
	if o.CellTimeout == 0 {
		o.CellTimeout = 5 * time.Minute
	}
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Minute
	}
	if o.SampleEvery == 0 {
		o.SampleEvery = time.Second
	}
	students := c.students[:o.Students]
	rep := &Report{Students: make([]StudentReport, len(students)), Notebooks: o.Notebooks}
	rep.MemAvailable, rep.MemTotal = memInfo()

	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout+2*time.Minute)
	defer cancel()
	drivers := make([]*driver, len(students))
	for i, s := range students {
		d, err := c.startDriver(ctx, s, o)
		if err != nil {
			for _, d := range drivers[:i] {
				d.cmd.Process.Kill()
				d.wait()
			}
			return nil, err
		}
		drivers[i] = d
	}

	sampler := newSampler(students, o.SampleEvery)
	// All ready (or gone), then all go at once.
	for _, d := range drivers {
		d.waitReady(ctx)
	}
	start := time.Now()
	if !o.NoWait {
		for _, d := range drivers {
			d.send("go")
		}
	}
	for i, d := range drivers {
		rep.Students[i] = d.wait()
		rep.Students[i].Student = students[i]
	}
	rep.Wall = time.Since(start)
	sampler.stop()
	for i := range rep.Students {
		rep.Students[i].Memory = sampler.peak[students[i].UID]
	}
	rep.check(c, students)
	return rep, nil
}

// A driver is one student's scripts/class_student.py.
type driver struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan []byte   // the JSON lines it prints
	done   chan struct{} // closed when it has exited and its output is read
	stderr strings.Builder
	mu     sync.Mutex
	final  []byte
	err    error
}

func (c *Class) startDriver(ctx context.Context, s Student, o RunOptions) (*driver, error) {
	args := []string{filepath.Join(c.opts.Root, "scripts", "class_student.py"),
		"--hub", c.url, "--user", s.Name,
		"--cell-timeout", strconv.Itoa(int(o.CellTimeout / time.Second)),
		"--timeout", strconv.Itoa(int(o.Timeout / time.Second))}
	if c.cafile != "" {
		args = append(args, "--cafile", c.cafile)
	}
	if o.NoWait {
		args = append(args, "--no-wait")
	}
	args = append(args, o.Notebooks...)
	d := &driver{name: s.Name, events: make(chan []byte, 4), done: make(chan struct{})}
	d.cmd = exec.CommandContext(ctx, "/usr/bin/python3", args...)
	d.cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	stdout, err := d.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if d.stdin, err = d.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	d.cmd.Stderr = io.MultiWriter(&lockedWriter{mu: &d.mu, w: &d.stderr}, c.log)
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the student %s: %w", s.Name, err)
	}
	password := s.Password
	if c.password != "" {
		password = c.password
	}
	d.send(password)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 64<<20) // the final report is one long line
		for sc.Scan() {
			line := append([]byte(nil), sc.Bytes()...)
			var ev struct{ Event string }
			if json.Unmarshal(line, &ev) == nil && ev.Event == "done" {
				d.final = line
			}
			select {
			case d.events <- line:
			default: // nobody waits for it
			}
		}
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

func (d *driver) send(line string) {
	io.WriteString(d.stdin, line+"\n")
}

// waitReady waits for the student's "ready" (or for it to end).
func (d *driver) waitReady(ctx context.Context) {
	for {
		select {
		case line := <-d.events:
			var ev struct{ Event string }
			if json.Unmarshal(line, &ev) == nil && ev.Event == "ready" {
				return
			}
		case <-d.done:
			return
		case <-ctx.Done():
			return
		}
	}
}

// wait waits for the student's process to end and reads its report.
func (d *driver) wait() StudentReport {
	<-d.done
	var r StudentReport
	if d.final == nil {
		d.mu.Lock()
		r.Error = fmt.Sprintf("the student's process ended without a report (%v): %s", d.err, tail(d.stderr.String(), 2000))
		d.mu.Unlock()
		return r
	}
	if err := json.Unmarshal(d.final, &r); err != nil {
		r.Error = fmt.Sprintf("the student's report: %v", err)
	}
	return r
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "[...]" + s[len(s)-n:]
}

// ---- memory ----

// sampler samples the memory of each student's processes (server,
// kernels, workers: every process running as that user) and keeps each
// student's peak.
type sampler struct {
	uids  []int
	quit  chan struct{}
	done  chan struct{}
	peak  map[int]Memory
	names map[int]string // pid -> category, read once per process
}

// Memory is one student's memory at its peak: the sum of the PSS of their
// processes, and how that sum splits.
type Memory struct {
	Total   int64            // bytes
	By      map[string]int64 // "server", "kernels", "workers"
	Samples int
}

func newSampler(students []Student, every time.Duration) *sampler {
	s := &sampler{quit: make(chan struct{}), done: make(chan struct{}), peak: map[int]Memory{}, names: map[int]string{}}
	for _, st := range students {
		s.uids = append(s.uids, st.UID)
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) sample() {
	now := map[int]Memory{}
	for _, p := range processesOf(s.uids) {
		b, ok := pss(p.pid)
		if !ok {
			continue
		}
		cat, seen := s.names[p.pid]
		if !seen {
			cat = category(p.comm)
			if args, err := procfs.Cmdline(p.pid); err == nil {
				if len(args) > 1 && args[1] == "worker" {
					cat = "workers" // the kernel binary run as a pool's worker
				}
			}
			s.names[p.pid] = cat
		}
		m := now[p.uid]
		if m.By == nil {
			m.By = map[string]int64{}
		}
		m.Total += b
		m.By[cat] += b
		now[p.uid] = m
	}
	for _, uid := range s.uids {
		m, old := now[uid], s.peak[uid]
		samples := old.Samples + 1
		if m.Total > old.Total {
			old = m
		}
		old.Samples = samples
		s.peak[uid] = old
	}
}

func (s *sampler) stop() {
	close(s.quit)
	<-s.done
}

// ---- the report ----

// Report is what one Run saw.
type Report struct {
	Students               []StudentReport
	Notebooks              []string
	Wall                   time.Duration // from "go" until the last student was done
	MemAvailable, MemTotal int64         // bytes, before the run
	problems               []string
}

// StudentReport is what class_student.py reports for one student, and the
// memory Run saw them use.
type StudentReport struct {
	Student   Student `json:"-"`
	User      string
	Error     string
	Workbook  []string
	LoginS    float64 `json:"login_s"`
	SpawnS    float64 `json:"spawn_s"`
	RunS      float64 `json:"run_s"`
	Notebooks []NotebookReport
	Memory    Memory `json:"-"`
}

// NotebookReport is one notebook of one student.
type NotebookReport struct {
	Name       string
	Died, Hung *string
	AliveAtEnd bool `json:"alive_at_end"`
	Seconds    float64
	Cells      []CellReport
}

// CellReport is one code cell's run.
type CellReport struct {
	ID      string
	Tags    []string
	Test    bool // a test cell: it checks the exercise above it
	Seconds float64
	Ran     bool
	Status  string
	Error   string
	Text    string
	Images  int
}

// Problems are the report's failed checks, one line each: none for a
// class that ran as it must.
func (r *Report) Problems() []string { return r.problems }

// Latencies are the seconds every cell of every student took, from its
// execute request to its reply and the kernel's return to idle.
func (r *Report) Latencies() []float64 {
	var out []float64
	for _, s := range r.Students {
		for _, nb := range s.Notebooks {
			for _, c := range nb.Cells {
				if c.Ran {
					out = append(out, c.Seconds)
				}
			}
		}
	}
	return out
}

// check fills r.problems: for every student, what the load test asserts.
func (r *Report) check(c *Class, students []Student) {
	add := func(format string, args ...any) { r.problems = append(r.problems, fmt.Sprintf(format, args...)) }
	want := map[string]bool{}
	for _, nb := range r.Notebooks {
		want[filepath.Base(nb)] = true
	}
	for _, s := range r.Students {
		who := s.Student.Name
		if s.Error != "" {
			add("%s: %s", who, s.Error)
		}
		// The first login made the student's own copy of the workbook.
		have := map[string]bool{}
		for _, n := range s.Workbook {
			have[n] = true
		}
		for n := range want {
			if !have[n] {
				add("%s: %s is not in their workbook folder after login (has %v)", who, n, s.Workbook)
			}
		}
		if len(s.Notebooks) != len(r.Notebooks) && s.Error == "" {
			add("%s: ran %d of %d notebooks", who, len(s.Notebooks), len(r.Notebooks))
		}
		for _, nb := range s.Notebooks {
			where := who + " " + nb.Name
			if nb.Died != nil {
				add("%s: %s", where, *nb.Died)
			}
			if nb.Hung != nil {
				add("%s: %s", where, *nb.Hung)
			}
			if nb.Died == nil && nb.Hung == nil && !nb.AliveAtEnd {
				add("%s: the kernel did not answer at the end", where)
			}
			tests := 0
			for _, cell := range nb.Cells {
				if !cell.Ran {
					continue
				}
				raises := false
				for _, t := range cell.Tags {
					raises = raises || t == "raises-exception"
				}
				switch {
				case cell.Test:
					// The test cells are the counts' assertions: a locked
					// count exact, a racy one at most the increments made
					// (course/grade).
					tests++
					if cell.Error != "" || !strings.Contains(cell.Text, "tests passed") {
						add("%s: test cell %s failed: %s %s", where, cell.ID, cell.Error, tail(cell.Text, 300))
					}
				case cell.Error != "" && !raises:
					add("%s: cell %s: %s", where, cell.ID, cell.Error)
				case cell.Status != "ok" && !raises:
					add("%s: cell %s: execute_reply %q", where, cell.ID, cell.Status)
				}
			}
			if tests == 0 {
				add("%s: no test cell ran: nothing checked its counts", where)
			}
		}
	}
	for _, p := range isolation(c, students) {
		add("%s", p)
	}
}

// ---- isolation ----

// isolation checks that each student's files are theirs alone: everything
// in a student's home belongs to that student and nothing that another
// user can write; the workbook folder is private; and no student left a
// file in a place every user shares (/tmp, /var/tmp, /dev/shm), other than
// in a folder of their own that nobody else can enter.
func isolation(c *Class, students []Student) []string {
	var problems []string
	uids := map[int]string{}
	for _, s := range append(append([]Student{}, c.students...), c.outsiders...) {
		uids[s.UID] = s.Name
	}
	for _, s := range students {
		if st, err := os.Stat(filepath.Join(s.Home, "golocks-workbook")); err != nil {
			problems = append(problems, fmt.Sprintf("%s: no workbook folder: %v", s.Name, err))
		} else if st.Mode().Perm()&0o077 != 0 {
			problems = append(problems, fmt.Sprintf("%s: the workbook folder is %v: other users can reach it", s.Name, st.Mode().Perm()))
		}
		err := filepath.Walk(s.Home, func(path string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			owner := fileOwner(info)
			if owner != s.UID {
				who := uids[owner]
				if who == "" {
					who = "uid " + strconv.Itoa(owner)
				}
				problems = append(problems, fmt.Sprintf("%s: %s belongs to %s", s.Name, path, who))
			}
			if info.Mode().Perm()&0o022 != 0 && info.Mode()&os.ModeSymlink == 0 {
				problems = append(problems, fmt.Sprintf("%s: %s can be written by other users (%v)", s.Name, path, info.Mode().Perm()))
			}
			return nil
		})
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: walking the home: %v", s.Name, err))
		}
	}
	for _, root := range c.sharedDirs {
		for _, path := range ownedBy(root, c.dir, uids, 200000) {
			problems = append(problems, "a student's file in a folder every user shares: "+path)
		}
	}
	return problems
}

// ownedBy lists the files under root that belong to one of uids, looking
// at most at limit entries (root may hold other users' trees) and not
// into skip (the class's own folder, which holds the homes). root itself
// is the shared folder, not a student's file, whoever owns it.
func ownedBy(root, skip string, uids map[int]string, limit int) []string {
	var found []string
	seen := 0
	errStop := errors.New("stop")
	filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return nil // unreadable or gone: skip
		}
		if seen++; seen > limit {
			return errStop
		}
		if path == skip {
			return filepath.SkipDir
		}
		if path == root {
			return nil
		}
		if who, ok := uids[fileOwner(info)]; ok {
			// A folder only its owner can enter is private wherever it is
			// (a private Redis's socket folder, say); anything else of a
			// student's here another user can find, open or replace.
			if !(info.IsDir() && info.Mode().Perm()&0o077 == 0) {
				found = append(found, fmt.Sprintf("%s (%s, %v)", path, who, info.Mode().Perm()))
			}
			if info.IsDir() {
				return filepath.SkipDir
			}
		}
		return nil
	})
	return found
}

// fileOwner is the uid that owns a file (-1 if unknown).
func fileOwner(info os.FileInfo) int {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -1
}
