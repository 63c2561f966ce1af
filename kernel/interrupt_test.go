//go:build e2e

package kernel

// Interrupt keeps the kernel and its state, in both of Jupyter's interrupt
// modes: an interrupt_request on the control channel (kernel.json's
// "message", what the golocks kernelspec asks for) and SIGINT to the
// kernel's process group ("signal", Jupyter's default, and jupyter
// console's). Each blocking cell prints "ready" first; the test interrupts
// once it has seen it, so nothing here depends on how fast the machine is.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/golocks/golocks/internal/jupytertest"
)

const setupCell = `import (
	"fmt"
	"os"
	"sync"
	"time"
)

x := 42
func spin() {
	for {
	}
}
ch := make(chan int)
fmt.Println("set up", x)`

// interruptible are cells an interrupt must stop, by what they block in.
var interruptible = []struct{ name, code string }{
	{"empty loop", "for {\n}"},
	{"loop in a called function", "spin()"},
	{"loop around time.Sleep", "for {\n\ttime.Sleep(10 * time.Millisecond)\n}"},
	{"lone time.Sleep", "time.Sleep(time.Hour)"},
	{"receive nobody sends", "<-ch"},
	{"receive with ok", "v, ok := <-ch\nfmt.Println(v, ok)"},
	{"send nobody receives", "ch <- 1"},
	{"range over a channel nobody closes", "for range ch {\n}"},
	{"select with no ready case", "select {\ncase <-ch:\ncase ch <- 1:\n}"},
	{"empty select", "select {}"},
	{"time.After", "<-time.After(time.Hour)"},
}

func TestInterrupt(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	for mode, kernel := range interruptModes(t, k) {
		t.Run(mode, func(t *testing.T) {
			steps := []step{{"run": setupCell}}
			for _, c := range interruptible {
				steps = append(steps, step{"run": "fmt.Println(\"ready\")\n" + c.code, "interrupt_on": "ready"})
			}
			steps = append(steps,
				// A `$` command: the interrupt kills it, and what it started
				// (sleep is the shell's child, not the shell).
				step{"run": "$ echo ready; sleep 3600; echo not killed", "interrupt_on": "ready"},
				// Run All behind an interrupted cell: the queued cell is aborted.
				step{"run": "fmt.Println(\"ready\")\nselect {}", "interrupt_on": "ready",
					"queue": []string{`fmt.Println("the queued cell ran")`}},
				// Everything defined before is still there.
				step{"run": `fmt.Println("after:", x, spin != nil, cap(ch), time.Second, len(os.Args) > 0)`},
				step{"alive": true},
				step{"procs": "sleep 3600"},
			)
			res := runSession(t, k, kernel, steps)

			if out := res[0].Cells[0]; out.status() != "ok" || !strings.Contains(out.Stdout, "set up 42") {
				t.Fatalf("setup cell: %+v", out)
			}
			for i, c := range append(interruptible, struct{ name, code string }{"$ command", ""}) {
				r := res[1+i]
				checkInterrupted(t, c.name, mode, r)
			}
			queued := res[len(interruptible)+2]
			checkInterrupted(t, "select {} with a cell queued", mode, queued)
			if q := queued.Cells[1]; q.status() != "aborted" || strings.Contains(q.output(), "queued cell ran") {
				t.Errorf("the cell queued behind an interrupted one: status %q, output %q; want aborted, nothing", q.status(), q.output())
			}
			after := res[len(interruptible)+3].Cells[0]
			if after.status() != "ok" || !strings.Contains(after.Stdout, "after: 42 true 0 1s true") {
				t.Errorf("the cell after the interrupts: %s %q %v; want the state from before", after.status(), after.Stdout, after.Errors)
			}
			if !res[len(interruptible)+4].yes(t) {
				t.Error("the kernel died")
			}
			var left []string
			res[len(interruptible)+5].as(t, &left)
			if len(left) > 0 {
				t.Errorf("the interrupted command is still running: %q", left)
			}
		})
	}
}

// checkInterrupted checks an interrupted cell's reply and error message,
// and in message mode the interrupt_reply on the control channel.
func checkInterrupted(t *testing.T, name, mode string, r stepResult) {
	t.Helper()
	c := r.Cells[0]
	if c.status() != "error" || c.errorName() != "interrupt" {
		t.Errorf("%s: reply %v; want status error, ename interrupt", name, c.Reply)
	}
	if tb, ok := c.Reply["traceback"].([]any); !ok || len(tb) == 0 {
		t.Errorf("%s: reply traceback %v; want a list of lines", name, c.Reply["traceback"])
	}
	if len(c.Errors) != 1 || c.Errors[0].Ename != "interrupt" || len(c.Errors[0].Traceback) == 0 {
		t.Errorf("%s: error messages %+v; want one, ename interrupt, with a traceback", name, c.Errors)
	}
	if mode == "message" && (r.InterruptReplyType != "interrupt_reply" || r.InterruptReply["status"] != "ok") {
		t.Errorf("%s: interrupt reply %s %v; want interrupt_reply, status ok, on the control channel", name, r.InterruptReplyType, r.InterruptReply)
	}
}

// A cell stuck where no interrupt reaches (a sync.Mutex nobody unlocks, a
// WaitGroup nobody finishes) says so on its stderr, naming the call and
// what to do; a second interrupt then restarts the kernel: the process
// exits, the cell gets its error reply, and Jupyter starts a new kernel.
func TestInterruptStuck(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	stuck := []struct{ name, code, call string }{
		{"mutex", "var mu sync.Mutex\nmu.Lock()\nfmt.Println(\"ready\")\nmu.Lock()", "sync.(*Mutex).Lock"},
		{"waitgroup", "var wg sync.WaitGroup\nwg.Add(1)\nfmt.Println(\"ready\")\nwg.Wait()", "sync.(*WaitGroup).Wait"},
	}
	for mode, kernel := range interruptModes(t, k) {
		for _, s := range stuck {
			t.Run(mode+"/"+s.name, func(t *testing.T) {
				res := runSession(t, k, kernel, []step{
					{"run": `import ("fmt"; "sync")`},
					{"run": s.code, "interrupt_on": "ready", "again_on": "interrupt again to restart"},
					{"exits": true},
				})
				c := res[1].Cells[0]
				for _, want := range []string{"cannot stop", s.call, "interrupt again to restart the kernel", "variables"} {
					if !strings.Contains(c.Stderr, want) {
						t.Errorf("stuck cell's stderr lacks %q:\n%s", want, c.Stderr)
					}
				}
				if mode == "message" && res[1].InterruptReply["status"] != "ok" {
					t.Errorf("interrupt_reply while the cell is stuck: %v; want status ok", res[1].InterruptReply)
				}
				// The kernel sends the reply before it exits; it may
				// still be lost with the process, so only check it if it came.
				if c.Reply != nil && c.errorName() != "interrupt" {
					t.Errorf("stuck cell's reply %v; want ename interrupt", c.Reply)
				}
				if !strings.Contains(c.Stderr, "Restarting the kernel") {
					t.Errorf("no word of the restart on the cell's stderr:\n%s", c.Stderr)
				}
				if !res[2].yes(t) {
					t.Error("the kernel did not exit after the second interrupt")
				}
			})
		}
	}
}

// A panic in a goroutine a cell started, or in a function the standard
// library runs later on a goroutine of its own (time.AfterFunc,
// context.AfterFunc), is shown on the cell's stderr with its value, and the
// kernel lives on with its state.
func TestGoroutinePanic(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	for mode, kernel := range interruptModes(t, k) {
		t.Run(mode, func(t *testing.T) {
			res := runSession(t, k, kernel, []step{
				{"run": "import \"fmt\"\nx := 42"},
				{"run": "go func() {\n\tpanic(\"boom in a goroutine\")\n}()", "wait_for": "boom in a goroutine"},
				{"run": "go func() {\n\tvar m map[string]int\n\tm[\"a\"] = 1\n}()", "wait_for": "nil map"},
				// Functions the standard library runs later, on a goroutine of its own.
				{"run": "import \"time\"\ntime.AfterFunc(time.Millisecond, func() {\n\tpanic(\"boom in AfterFunc\")\n})", "wait_for": "boom in AfterFunc"},
				{"run": "import \"context\"\nctx, cancel := context.WithCancel(context.Background())\ncontext.AfterFunc(ctx, func() {\n\tpanic(\"boom in context.AfterFunc\")\n})\ncancel()", "wait_for": "boom in context.AfterFunc"},
				{"run": `fmt.Println("alive", x)`},
				{"alive": true},
			})
			for i, want := range []string{"panic in a goroutine: boom in a goroutine", "panic in a goroutine: assignment to entry in nil map",
				"panic in a goroutine: boom in AfterFunc", "panic in a goroutine: boom in context.AfterFunc"} {
				if c := res[1+i].Cells[0]; !strings.Contains(c.Stderr, want) {
					t.Errorf("cell %d stderr %q; want %q", 1+i, c.Stderr, want)
				}
			}
			if c := res[5].Cells[0]; c.status() != "ok" || !strings.Contains(c.Stdout, "alive 42") {
				t.Errorf("after the panics: %s %q", c.status(), c.Stdout)
			}
			if !res[6].yes(t) {
				t.Error("the kernel died")
			}
		})
	}
}

// Run All stops at the first error: the execute requests queued behind a
// failed cell are aborted, as ipykernel does, unless the failed request
// said stop_on_error: false; so are requests sent before the error that
// reach the kernel after it (a Run All held up on a loaded server); a
// request sent after the error runs.
func TestRunAllStopsAtTheFirstError(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	release := k.Dir + "/release-first-cell"
	first := fmt.Sprintf(`import ("fmt"; "os"; "time")
for {
	if _, err := os.Stat(%q); err == nil {
		break
	}
	time.Sleep(10 * time.Millisecond)
}
panic("the first cell fails")`, release)
	res := runSession(t, k, kernelName, []step{
		{"runall": []string{first, `fmt.Println("second cell ran")`, `fmt.Println("third cell ran")`}, "release": release},
		{"run": `panic("fails again")`, "late": []string{`fmt.Println("late cell ran")`}},
		{"run": `fmt.Println("a later cell runs")`},
		{"run": `panic("fails, but stop_on_error is false")`, "stop_on_error": false,
			"queue": []string{`fmt.Println("queued after a stop_on_error false failure")`}},
	})
	cells := res[0].Cells
	if cells[0].errorName() != "panic" {
		t.Errorf("first cell: %v; want a panic error", cells[0].Reply)
	}
	for i, c := range cells[1:] {
		if c.status() != "aborted" || c.output() != "" {
			t.Errorf("queued cell %d: status %q, output %q; want aborted, nothing", i+2, c.status(), c.output())
		}
	}
	if c := res[1].Cells[1]; c.status() != "aborted" || c.output() != "" {
		t.Errorf("a request sent before the error, arriving after it: status %q, output %q; want aborted, nothing", c.status(), c.output())
	}
	if c := res[2].Cells[0]; c.status() != "ok" || !strings.Contains(c.Stdout, "a later cell runs") {
		t.Errorf("cell sent after the error's reply: %s %q; want it run", c.status(), c.Stdout)
	}
	if c := res[3].Cells[1]; c.status() != "ok" || !strings.Contains(c.Stdout, "queued after") {
		t.Errorf("cell queued behind a stop_on_error false failure: %s %q; want it run", c.status(), c.Stdout)
	}
}

// An interrupt stops the library's waits (each takes cell.Context()): file
// and shared-memory locks waited on with a timeout of an hour give up with
// an error that says the cell was interrupted; a pool's worker processes
// are killed (none is left), and MapFunc returns.
func TestInterruptLibraryWaits(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	waits := []struct{ name, code string }{
		{"filelock.LockTimeout", `other := filelock.New("held.lock")
fmt.Println("ready")
err := other.LockTimeout(time.Hour)
fmt.Println("returned:", errors.Is(err, cell.ErrInterrupted), err)`},
		{"shared.Mutex.LockTimeout", `mu2, _ := shared.OpenMutex("mutex.bin")
fmt.Println("ready")
err = mu2.LockTimeout(time.Hour)
fmt.Println("returned:", errors.Is(err, cell.ErrInterrupted), err)`},
		{"shared.Value.LockTimeout", `v2, _ := shared.OpenValue("value.bin")
fmt.Println("ready")
err = v2.LockTimeout(time.Hour)
fmt.Println("returned:", errors.Is(err, cell.ErrInterrupted), err)`},
		// Both workers print "ready" once they run, past the start line.
		{"pool.Map", `err = pool.New(2).Map(hang, []int{1, 2}, "x")
fmt.Println("returned:", errors.Is(err, cell.ErrInterrupted), err)`},
		{"pool.MapFunc", `err = pool.New(2).MapFunc(func(n int) error {
	fmt.Println("ready")
	<-make(chan int)
	return nil
}, []int{1, 2})
fmt.Println("returned:", errors.Is(err, cell.ErrInterrupted), err)`},
	}
	for mode, kernel := range interruptModes(t, k) {
		t.Run(mode, func(t *testing.T) {
			steps := []step{{"run": `import (
	"errors"
	"fmt"
	"time"

	"github.com/golocks/golocks/runtime/cell"
	"github.com/golocks/golocks/pkg/filelock"
	"github.com/golocks/golocks/runtime/pool"
	"github.com/golocks/golocks/pkg/shared"
)

// hang runs in a worker process until it is killed.
func hang(n int, path string) error {
	fmt.Println("ready")
	time.Sleep(time.Hour)
	return nil
}

x := 42
held := filelock.New("held.lock")
mu, _ := shared.OpenMutex("mutex.bin")
v, _ := shared.OpenValue("value.bin")
var err error
fmt.Println("held:", held.Lock(), mu.Lock(), v.Lock())`}}
			for _, w := range waits {
				steps = append(steps, step{"run": w.code, "interrupt_on": "ready"})
			}
			steps = append(steps,
				step{"run": `fmt.Println("after:", x, held.Unlock(), mu.Unlock(), v.Unlock())`},
				step{"procs": k.Data + " worker"})
			res := runSession(t, k, kernel, steps)
			if c := res[0].Cells[0]; !strings.Contains(c.Stdout, "held: <nil> <nil> <nil>") {
				t.Fatalf("taking the locks: %s %q %v", c.status(), c.Stdout, c.Errors)
			}
			for i, w := range waits {
				r := res[1+i]
				checkInterrupted(t, w.name, mode, r)
				// The cell may stop before it prints; if it printed, the
				// library's error said why.
				if out := r.Cells[0].Stdout; strings.Contains(out, "returned:") && !strings.Contains(out, "returned: true") {
					t.Errorf("%s returned an error that does not wrap cell.ErrInterrupted: %q", w.name, out)
				}
			}
			if c := res[len(res)-2].Cells[0]; !strings.Contains(c.Stdout, "after: 42 <nil> <nil> <nil>") {
				t.Errorf("after the interrupts: %s %q %v", c.status(), c.Stdout, c.Errors)
			}
			var left []string
			res[len(res)-1].as(t, &left)
			if len(left) > 0 {
				t.Errorf("worker processes left after the interrupt: %q", left)
			}
		})
	}
}

// Goroutines a cell started go on running interpreted code while later
// cells compile and run, are interrupted and use % commands: the kernel
// shares nothing with them unsynchronized. Each step here once raced with
// such a goroutine (a function with a defer reads the interpreter's
// options, which every cell and %go111module rewrote; an interrupt read
// them and wrote the signal word the goroutine's statement loop reads).
// Races are the race detector's to find: `make test-race-kernel` runs this
// on a kernel built with it (kernel/README.md, "Data races"); here the
// cells must behave.
func TestBackgroundGoroutines(t *testing.T) {
	k := jupytertest.InstallKernel(t)
	for mode, kernel := range interruptModes(t, k) {
		t.Run(mode, func(t *testing.T) {
			res := runSession(t, k, kernel, []step{
				{"run": `import ("fmt"; "sync/atomic"; "time")
var ticks int64
stop := make(chan bool)
// tick has a defer: gomacro runs it through its slower path, which reads
// the interpreter's options on every call.
func tick() {
	defer atomic.AddInt64(&ticks, 1)
}
go func() {
	for {
		select {
		case <-stop:
			return
		default:
			tick()
		}
	}
}()
for atomic.LoadInt64(&ticks) == 0 {
	time.Sleep(time.Millisecond)
}
fmt.Println("ticking")`},
				{"run": "fmt.Println(\"ready\")\nfor {\n}", "interrupt_on": "ready"},
				{"run": "%go111module on\nfmt.Println(\"still\", atomic.LoadInt64(&ticks) > 0)"},
				{"run": "fmt.Println(\"ready\")\ntime.Sleep(time.Hour)", "interrupt_on": "ready"},
				{"run": "before := atomic.LoadInt64(&ticks)\nfor atomic.LoadInt64(&ticks) == before {\n\ttime.Sleep(time.Millisecond)\n}\nclose(stop)\nfmt.Println(\"stopped\")"},
				{"alive": true},
			})
			if c := res[0].Cells[0]; c.status() != "ok" || !strings.Contains(c.Stdout, "ticking") {
				t.Fatalf("starting the goroutine: %s %q %v", c.status(), c.Stdout, c.Errors)
			}
			checkInterrupted(t, "for {} beside a running goroutine", mode, res[1])
			if c := res[2].Cells[0]; c.status() != "ok" || !strings.Contains(c.Stdout, "still true") ||
				!strings.Contains(c.Stderr, "%go111module: this kernel imports only the packages compiled into it") {
				t.Errorf("%%go111module: %s stdout %q stderr %q %v", c.status(), c.Stdout, c.Stderr, c.Errors)
			}
			checkInterrupted(t, "time.Sleep beside a running goroutine", mode, res[3])
			if c := res[4].Cells[0]; c.status() != "ok" || !strings.Contains(c.Stdout, "stopped") {
				t.Errorf("the goroutine after the interrupts: %s %q %v; want it still ticking, then stopped", c.status(), c.Stdout, c.Errors)
			}
			if !res[5].yes(t) {
				t.Error("the kernel died")
			}
		})
	}
}
