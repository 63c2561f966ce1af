package stepper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golocks/golocks/internal/regular"
	"github.com/golocks/golocks/runtime/cell"
	"github.com/golocks/golocks/runtime/gate"
	"github.com/golocks/golocks/runtime/pool"
)

// Defaults of the options.
const (
	// DefaultOpWait bounds each wait for a process to reach its next file
	// operation (or end) after a step, and for its first one.
	DefaultOpWait = 10 * time.Second
	// DefaultIdle is how long a Stepper left alone keeps its processes.
	DefaultIdle = 10 * time.Minute
	// maxProcs: processes are named A to Z.
	maxProcs = 26
	// maxSteps bounds the steps one run may take.
	maxSteps = 100000
)

// An Option changes how a Stepper, Replay or Every runs.
type Option func(*options)

type options struct {
	lockFile     string
	worker       string
	stdout       io.Writer
	stderr       io.Writer
	opWait       time.Duration
	idle         time.Duration
	maxSchedules int
	dropTraces   bool
	env          []string
	ctx          context.Context
}

// LockFile names the lock file the processes lock: the third argument of
// a lockedWork(maxCount, filename, lockPath), and the file a work(maxCount,
// filename) that takes its own lock opens; the default is "counter.lock"
// beside the counter. Either way the stepper holds the processes at its
// lock and unlock.
func LockFile(path string) Option { return func(o *options) { o.lockFile = path } }

// Worker names the program that runs compiled functions (pool.Pool.Worker);
// the default is the pool's ($GOLOCKS_WORKER, golocks).
func Worker(path string) Option { return func(o *options) { o.worker = path } }

// Output sends what the processes print to stdout and stderr (nil: this
// process's own).
func Output(stdout, stderr io.Writer) Option {
	return func(o *options) { o.stdout, o.stderr = stdout, stderr }
}

// OpWait bounds each wait for a process to reach its next file operation.
func OpWait(d time.Duration) Option { return func(o *options) { o.opWait = d } }

// Idle sets how long a Stepper left alone keeps its processes.
func Idle(d time.Duration) Option { return func(o *options) { o.idle = d } }

// MaxSchedules bounds how many schedules Every runs (DefaultMaxSchedules).
func MaxSchedules(n int) Option { return func(o *options) { o.maxSchedules = n } }

// KeepTraces says whether Every keeps every schedule's trace in
// Summary.Traces (the default: true). Leave them out when only the counts
// are wanted, as golocks schedules does: every schedule of 2 processes
// counting 3 each is 23,888 traces.
func KeepTraces(keep bool) Option { return func(o *options) { o.dropTraces = !keep } }

// Context ends the run (its processes killed) when ctx is done.
func Context(ctx context.Context) Option { return func(o *options) { o.ctx = ctx } }

// Env adds KEY=value to the processes' environment.
func Env(kv ...string) Option { return func(o *options) { o.env = append(o.env, kv...) } }

// A setup is what every run of one work function shares.
type setup struct {
	work     any
	counts   []int
	procs    []string
	file     string // the counter, as given
	lock     string // its lock file ("" for an unlocked work)
	locked   bool   // work takes the lock file
	name     string // work's name, for messages
	opt      options
	abs, dir string
}

func newSetup(work any, counts []int, filename string, opts []Option) (*setup, error) {
	s := &setup{work: work, file: filename, opt: options{opWait: DefaultOpWait, idle: DefaultIdle, maxSchedules: DefaultMaxSchedules}}
	for _, o := range opts {
		if o != nil {
			o(&s.opt)
		}
	}
	v := reflect.ValueOf(work)
	if !v.IsValid() || v.Kind() != reflect.Func || v.IsNil() {
		return nil, fmt.Errorf("stepper: work is %T, not a function", work)
	}
	s.name = funcName(work)
	t := v.Type()
	intT, strT := reflect.TypeFor[int](), reflect.TypeFor[string]()
	switch {
	case t.NumIn() == 2 && t.In(0).Kind() == intT.Kind() && t.In(1).Kind() == strT.Kind():
	case t.NumIn() == 3 && t.In(0).Kind() == intT.Kind() && t.In(1).Kind() == strT.Kind() && t.In(2).Kind() == strT.Kind():
		s.locked = true
	default:
		return nil, fmt.Errorf("stepper: %s is a %s: the stepper runs work(maxCount int, filename string) or lockedWork(maxCount int, filename, lockPath string)", s.name, t)
	}
	switch {
	case len(counts) == 0:
		return nil, errors.New("stepper: no counts: one per process, e.g. []int{1, 1}")
	case len(counts) > maxProcs:
		return nil, fmt.Errorf("stepper: %d processes, at most %d (A to Z)", len(counts), maxProcs)
	}
	for i, c := range counts {
		if c < 0 {
			return nil, fmt.Errorf("stepper: process %c: negative count %d", 'A'+i, c)
		}
	}
	s.counts = append([]int(nil), counts...)
	for i := range counts {
		s.procs = append(s.procs, string(rune('A'+i)))
	}
	if filename == "" {
		return nil, errors.New("stepper: empty counter file name")
	}
	abs, err := filepath.Abs(filename)
	if err != nil {
		return nil, fmt.Errorf("stepper: %s: %w", filename, err)
	}
	s.abs, s.dir = abs, filepath.Dir(abs)
	if st, err := os.Stat(s.dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("stepper: %s: no folder %s", filename, s.dir)
	}
	// The lock file is watched whatever work's signature: a two-argument
	// work may take a lock of its own (the notebook's workLockedEach names
	// "counter.lock"), and its lock and unlock are steps like any other.
	s.lock = s.opt.lockFile
	if s.lock == "" {
		s.lock = filepath.Join(filepath.Dir(filename), "counter.lock")
	}
	return s, nil
}

// funcName is how messages name work: a notebook function's name, a
// compiled one's package.Name.
func funcName(work any) string {
	if nf, ok := cell.Lookup(work); ok {
		return nf.Name
	}
	if n, err := pool.FuncName(work); err == nil {
		return n[strings.LastIndexByte(n, '/')+1:]
	}
	return "work"
}

// A proc is one process of a run, as the stepper sees it.
type proc struct {
	name   string
	w      *pool.Worker
	held   *gate.Call // the first system call of its next operation, held
	next   Op         // that operation; "" when it has ended
	ended  bool
	err    string // its function's error, once ended
	lockFD int    // the descriptor it holds the lock on, -1
}

// A machine is one run of a setup's processes, held between steps: what
// a Stepper, Replay and Every drive.
type machine struct {
	s      *setup
	ctx    context.Context
	cancel context.CancelFunc
	run    *pool.GatedRun

	mu     sync.Mutex
	procs  []*proc
	holder string // who holds the lock
	trace  Trace
	closed error // why the stepper was closed, nil while open
	idle   *time.Timer
}

// New starts one process per count, each running work(count, filename)
// (or, for a locked work, work(count, filename, lockPath)), and holds each
// at its first operation on the counter or the lock file. The counter file
// is removed first: every run counts from no file. Close it when done.
func New(work any, counts []int, filename string, opts ...Option) (*Stepper, error) {
	s, err := newSetup(work, counts, filename, opts)
	if err != nil {
		return nil, err
	}
	m, err := s.start()
	if err != nil {
		return nil, err
	}
	st := &Stepper{m: m}
	// A stepper the notebook no longer holds (a new one assigned to its
	// variable) stops its processes at the next garbage collection,
	// without waiting for the idle bound.
	runtime.AddCleanup(st, func(m *machine) { m.Close() }, m)
	return st, nil
}

// A Stepper runs the processes of one work function, held between file
// operations, and does one operation at a time at the caller's say: the
// processes stay paused between notebook cells. Make one with New; Step
// moves one process on, Next says what each will do, Trace is what
// happened; Close (or DefaultIdle without a call, or an interrupted Step)
// kills the processes.
type Stepper struct {
	m *machine
}

var errNilStepper = errors.New("stepper: nil *Stepper (use stepper.New)")

// Step does exactly one operation of the process named proc ("A", "B",
// ...), and returns it (the trace has it too). A process that waits for
// the lock is not moved: the error (*BlockedError) says who holds it. A
// process that has ended, or a stepper closed, is an error too; so is a
// step the cell's interrupt stops (the processes are then stopped, and the
// trace so far kept).
func (st *Stepper) Step(proc string) (*Step, error) {
	if st == nil || st.m == nil {
		return nil, errNilStepper
	}
	return st.m.Step(proc)
}

// Next says what each process will do next, one line each: "A: read",
// "B: lock (waits: A holds the lock)", "C: ended".
func (st *Stepper) Next() string {
	if st == nil || st.m == nil {
		return errNilStepper.Error()
	}
	return st.m.Next()
}

// Done says whether every process has ended.
func (st *Stepper) Done() bool {
	if st == nil || st.m == nil {
		return true
	}
	return st.m.Done()
}

// Trace returns a copy of the trace so far; Final and Lost are as the
// counter is now.
func (st *Stepper) Trace() *Trace {
	if st == nil || st.m == nil {
		return &Trace{}
	}
	return st.m.Trace()
}

// PIDs are the processes' ids, A's first: real processes, which ps shows.
func (st *Stepper) PIDs() []int {
	if st == nil || st.m == nil {
		return nil
	}
	var pids []int
	for _, p := range st.m.procs {
		pids = append(pids, p.w.PID)
	}
	return pids
}

// Close stops the stepper: its processes are killed. The trace so far
// stays readable. Safe to call more than once.
func (st *Stepper) Close() error {
	if st == nil || st.m == nil {
		return nil
	}
	return st.m.Close()
}

// start starts a run of the setup.
func (s *setup) start() (*machine, error) {
	st, err := s.launch(false)
	if err != nil {
		return nil, err
	}
	if err := st.begin(); err != nil {
		return nil, err
	}
	return st, nil
}

// launch starts the processes of a run: each runs up to its first call on
// the counter or the lock file, and waits there, even one that belongs to
// no operation, until begin. So a run can be launched while another runs
// on the same files (Every does, to start processes ahead). With repeat,
// the processes stay when their calls have ended, for again.
func (s *setup) launch(repeat bool) (*machine, error) {
	tasks := make([]pool.Task, len(s.counts))
	for i, c := range s.counts {
		args := []any{c, s.file}
		if s.locked {
			args = append(args, s.lock)
		}
		tasks[i] = pool.Task{Func: s.work, Args: args}
	}
	p := &pool.Pool{Procs: len(tasks), Worker: s.opt.worker, Stdout: s.opt.stdout, Stderr: s.opt.stderr, Env: s.opt.env}
	watch := []string{s.file, s.lock}
	parent := s.opt.ctx
	if parent == nil {
		parent = context.Background()
	}
	ctx, cancel := context.WithCancel(parent)
	start := p.Start
	if repeat {
		start = p.StartRepeatable
	}
	run, err := start(ctx, watch, tasks...)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("stepper: %w", err)
	}
	return s.machineOf(ctx, cancel, run), nil
}

// machineOf is a new run's machine on run's processes.
func (s *setup) machineOf(ctx context.Context, cancel context.CancelFunc, run *pool.GatedRun) *machine {
	st := &machine{s: s, ctx: ctx, cancel: cancel, run: run}
	st.trace = Trace{Procs: s.procs, Counts: s.counts, Expected: sum(s.counts)}
	for i, w := range run.Workers {
		st.procs = append(st.procs, &proc{name: s.procs[i], w: w, lockFD: -1})
	}
	return st
}

// again makes the run again in the same processes, once every process has
// ended: a launched run, as launch makes, to begin. The processes (started
// with repeat) call work again from its start, each held at its first
// call on the files as a fresh one is (pool.GatedRun.Again: the function
// found and its arguments rebuilt anew; a notebook work's package-level
// variables as declared, see the package doc). This machine is done with either way; on an
// error (pool.ErrNotAgain: a call left a goroutine running, or the counter
// or the lock file open, which a fresh process would not meet) its
// processes are killed, and the caller launches fresh ones.
func (st *machine) again() (*machine, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed != nil {
		return nil, st.closed
	}
	for _, p := range st.procs {
		if !p.ended {
			err := fmt.Errorf("stepper: process %s has not ended: its run cannot be made again", p.name)
			st.shut(err)
			return nil, err
		}
	}
	if err := st.run.Again(); err != nil {
		err = fmt.Errorf("stepper: %w", err)
		st.shut(err)
		return nil, err
	}
	// The processes are the next machine's now: this one lets them be.
	st.closed = errors.New("stepper: made again")
	if st.idle != nil {
		st.idle.Stop()
	}
	return st.s.machineOf(st.ctx, st.cancel, st.run), nil
}

// begin resets the files of a launched run and holds each process at its
// first operation. It removes the counter (every run counts from no file)
// and creates the lock file if missing, so that every process finds the
// same files whatever the others did at their start (up to its first
// operation each runs freely).
func (st *machine) begin() error {
	s := st.s
	if err := os.Remove(s.file); err != nil && !errors.Is(err, os.ErrNotExist) {
		err = fmt.Errorf("stepper: reset %s: %w", s.file, err)
		st.shut(err)
		return err
	}
	if s.locked {
		f, err := regular.Open(s.lock, os.O_RDONLY|os.O_CREATE, 0o644)
		if err != nil {
			err = fmt.Errorf("stepper: lock file: %w", err)
			st.shut(err)
			return err
		}
		f.Close()
	}
	for _, p := range st.procs {
		if err := st.park(p, ""); err != nil {
			st.shut(err)
			return err
		}
	}
	for i, p := range st.procs {
		if p.ended && s.counts[i] > 0 {
			err := fmt.Errorf("stepper: %s(%d, %q) ended without touching %s", s.name, s.counts[i], s.file, s.file)
			if p.err != "" {
				err = fmt.Errorf("stepper: %s(%d, %q) failed before touching %s: %s", s.name, s.counts[i], s.file, s.file, p.err)
			}
			st.shut(err)
			return err
		}
		if p.ended {
			st.trace.Steps = append(st.trace.Steps, Step{Proc: p.name, Op: End, File: fileText(s.file), Err: p.err})
		}
	}
	// The timer's function takes mu and reads st.idle (shut stops it): set
	// st.idle under mu too, so an idle bound shorter than this assignment
	// finds it set. (No caller of begin holds mu.)
	st.mu.Lock()
	st.idle = time.AfterFunc(s.opt.idle, func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.shut(fmt.Errorf("stepper: left alone for %v: its processes were stopped", s.opt.idle))
	})
	st.mu.Unlock()
	return nil
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// shut kills the processes and marks the stepper closed with why. The
// caller holds mu (or is the only user).
func (st *machine) shut(why error) {
	if st.closed != nil {
		return
	}
	st.closed = why
	if st.idle != nil {
		st.idle.Stop()
	}
	st.cancel()
	st.run.Kill()
}

// Close kills the processes. Safe to call more than once.
func (st *machine) Close() error {
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.shut(errors.New("stepper: closed"))
	return nil
}

// opOf is the operation a held call belongs to, or "" for a call that is
// part of whatever operation the process is doing (an lstat, an fstat, a
// close, an open for writing without truncating).
func (st *machine) opOf(p *proc, c *gate.Call) Op {
	if c.Path == st.s.file {
		switch c.Kind {
		case gate.Stat:
			if !c.NoFollow {
				return Read
			}
		case gate.Open:
			if c.Flags&oTrunc != 0 {
				return Truncate
			}
			if c.Flags&oAccMode == oRdOnly {
				return Read
			}
		case gate.Read:
			return Read
		case gate.Write:
			return Write
		case gate.Truncate:
			return Truncate
		}
		return ""
	}
	// The lock file.
	switch c.Kind {
	case gate.Flock:
		if c.Flags&lockUn != 0 {
			return Unlock
		}
		return Lock
	case gate.Close:
		if p.lockFD == c.FD {
			return Unlock // closing the descriptor that holds the lock lets it go
		}
	}
	return ""
}

// park lets process p go on through the rest of its operation cur (its
// calls of that kind, and the calls that belong to any operation) and
// holds it at the first call of its next operation, or until it ends: at
// most the option's wait.
func (st *machine) park(p *proc, cur Op) error {
	t := time.NewTimer(st.s.opt.opWait)
	defer t.Stop()
	interrupt := cell.Context()
	calls := p.w.Gate.Calls()
	for {
		select {
		case c, ok := <-calls:
			if !ok {
				calls = nil // the process has gone: wait for its end
				continue
			}
			op := st.opOf(p, c)
			// A lock or an unlock is one call, a step of its own.
			if op == "" || op == cur && op != Lock && op != Unlock {
				if err := c.Release(); err != nil {
					return fmt.Errorf("stepper: process %s: %w", p.name, err)
				}
				continue
			}
			p.held, p.next = c, op
			return nil
		case <-p.w.Done():
			p.ended, p.next, p.held = true, "", nil
			if r := p.w.Result(); r.Err != nil {
				var te *pool.TaskError
				if errors.As(r.Err, &te) {
					p.err = te.Err.Error()
				} else {
					p.err = r.Err.Error()
				}
			}
			return nil
		case <-t.C:
			what := "its next operation on " + st.s.file
			if cur == "" {
				what = "its first operation on " + st.s.file
			}
			return fmt.Errorf("stepper: process %s, %s, neither reached %s nor ended within %v", p.name, p.w.Call, what, st.s.opt.opWait)
		case <-interrupt.Done():
			return fmt.Errorf("stepper: %w", context.Cause(interrupt))
		case <-st.ctx.Done():
			return fmt.Errorf("stepper: stopped: %w", context.Cause(st.ctx))
		}
	}
}

// proc is the process named name.
func (st *machine) proc(name string) (*proc, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	for _, p := range st.procs {
		if p.name == n {
			return p, nil
		}
	}
	return nil, fmt.Errorf("stepper: no process %q (there are %s)", name, strings.Join(st.s.procs, ", "))
}

// blocked says whether p's next operation must wait: a Lock while another
// process holds the lock.
// A process that takes the lock again on another descriptor while it
// holds it waits for itself.
func (st *machine) blocked(p *proc) bool {
	if p.next != Lock || st.holder == "" {
		return false
	}
	return st.holder != p.name || p.held == nil || p.held.FD != p.lockFD
}

// A BlockedError is a Step of a process that waits for the lock.
type BlockedError struct {
	Proc, Holder string
}

func (e *BlockedError) Error() string {
	if e.Proc == e.Holder {
		return fmt.Sprintf("process %s waits for the lock, which %s holds itself (on another descriptor): it can never go on", e.Proc, e.Holder)
	}
	return fmt.Sprintf("process %s waits for the lock, which %s holds: step %s first", e.Proc, e.Holder, e.Holder)
}

// A DeadlockError says that every process that has not ended waits for
// another.
type DeadlockError struct {
	Waiting []string
	Holder  string
}

func (e *DeadlockError) Error() string {
	return fmt.Sprintf("deadlock: %s wait for the lock, held by %s, and nobody can go on", strings.Join(e.Waiting, ", "), e.Holder)
}

// Step is Stepper.Step.
func (st *machine) Step(proc string) (*Step, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed != nil {
		return nil, st.closed
	}
	st.idle.Reset(st.s.opt.idle)
	p, err := st.proc(proc)
	if err != nil {
		return nil, err
	}
	return st.step(p)
}

// step is Step of p; the caller holds mu.
func (st *machine) step(p *proc) (*Step, error) {
	if p.ended {
		return nil, fmt.Errorf("stepper: process %s has finished", p.name)
	}
	if st.blocked(p) {
		return nil, &BlockedError{Proc: p.name, Holder: st.holder}
	}
	if len(st.trace.Steps) >= maxSteps {
		return nil, fmt.Errorf("stepper: %d steps: stopping here", maxSteps)
	}
	op, c := p.next, p.held
	before := fileText(st.s.file)
	switch op {
	case Lock:
		st.holder, p.lockFD = p.name, c.FD
	case Unlock:
		st.holder, p.lockFD = "", -1
	}
	p.held, p.next = nil, ""
	if err := c.Release(); err != nil {
		st.shut(err)
		return nil, err
	}
	if err := st.park(p, op); err != nil {
		st.shut(err)
		return nil, err
	}
	after := fileText(st.s.file)
	step := Step{Proc: p.name, Op: op, File: after}
	switch op {
	case Read:
		step.Value, step.Reset = parseCount(before)
	case Write:
		step.Value, _ = parseCount(after)
	}
	if p.ended && st.holder == p.name {
		st.holder = "" // the lock goes with the process
	}
	step.Lock, step.Waiting = st.holder, st.waiting()
	st.trace.Steps = append(st.trace.Steps, step)
	if p.ended {
		st.trace.Steps = append(st.trace.Steps, Step{Proc: p.name, Op: End, File: after, Lock: st.holder, Waiting: st.waiting(), Err: p.err})
	}
	return &step, nil
}

// waiting lists the processes whose next operation waits for the lock.
func (st *machine) waiting() []string {
	var w []string
	for _, p := range st.procs {
		if st.blocked(p) {
			w = append(w, p.name)
		}
	}
	return w
}

// enabled lists the processes that can do a step now.
func (st *machine) enabled() []*proc {
	var e []*proc
	for _, p := range st.procs {
		if !p.ended && !st.blocked(p) {
			e = append(e, p)
		}
	}
	return e
}

// deadlock is a *DeadlockError if every process that has not ended waits.
func (st *machine) deadlock() error {
	w := st.waiting()
	if len(w) > 0 && len(st.enabled()) == 0 {
		return &DeadlockError{Waiting: w, Holder: st.holder}
	}
	return nil
}

// Next is Stepper.Next.
func (st *machine) Next() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	var lines []string
	for _, p := range st.procs {
		l := p.name + ": "
		switch {
		case p.ended && p.err != "":
			l += "ended: " + p.err
		case p.ended:
			l += "ended"
		case st.closed != nil:
			l += "stopped"
		case st.blocked(p):
			l += string(p.next) + " (waits: " + st.holder + " holds the lock)"
		default:
			l += string(p.next)
			if st.holder == p.name {
				l += " (holds the lock)"
			}
		}
		lines = append(lines, l)
	}
	if st.closed != nil {
		lines = append(lines, st.closed.Error())
	} else if err := st.deadlock(); err != nil {
		lines = append(lines, err.Error())
	}
	return strings.Join(lines, "\n")
}

// Done is Stepper.Done.
func (st *machine) Done() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, p := range st.procs {
		if !p.ended {
			return false
		}
	}
	return true
}

// Trace is Stepper.Trace.
func (st *machine) Trace() *Trace {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.snapshot()
}

func (st *machine) snapshot() *Trace {
	t := st.trace
	t.Procs = append([]string(nil), t.Procs...)
	t.Counts = append([]int(nil), t.Counts...)
	t.Steps = append([]Step(nil), t.Steps...)
	if t.Schedule == "" {
		t.Schedule = longForm(t.Steps)
	}
	t.Final, _ = parseCount(fileText(st.s.file))
	t.CountLost()
	return &t
}

// noFile is a Step's File when there is no counter file.
const noFile = "(no file)"

// fileText is the counter's content without its newline, or noFile.
func fileText(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return noFile
	}
	return strings.TrimSuffix(string(data), "\n")
}

// parseCount reads a count as the seed's code does, and says why it found
// none: "no file", "an empty file", or the text, quoted.
func parseCount(text string) (int, string) {
	if text == noFile {
		return 0, "no file"
	}
	t := strings.TrimSpace(text)
	if t == "" {
		return 0, "an empty file"
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return 0, strconv.Quote(t)
	}
	return n, ""
}
