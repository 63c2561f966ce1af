//go:build unix

package pool_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golocks/golocks/runtime/pool"
)

// Started by hand, a worker says in one line what it is for, and makes no
// call: exit status 2.
func TestServeByHand(t *testing.T) {
	cmd := exec.Command(os.Args[0], "worker")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("exit: %v, want status 2", err)
	}
	if s := stderr.String(); strings.Count(s, "\n") != 1 || !strings.Contains(s, " worker: not started by a pool") {
		t.Errorf("stderr %q, want one line saying it was not started by a pool", s)
	}

	// The channel's variable without the pipes is no pool either.
	cmd = exec.Command(os.Args[0], "worker")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", "GOLOCKS_POOL_CHANNEL=3,4,5,6")
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(stderr.String(), "file descriptor 3") {
		t.Errorf("exit %v, stderr %q: want status 2 and the missing descriptor", err, stderr.String())
	}
}

// The protocol as documented (protocol.go), spoken by hand: JSON lines on
// descriptors 3 and 4, and one rule for the exit status.
func TestServeProtocol(t *testing.T) {
	dir := t.TempDir()
	touched := filepath.Join(dir, "touched")
	name := func(f any) string {
		n, err := pool.FuncName(f)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	call := func(f any, args ...string) string {
		b, _ := json.Marshal(map[string]any{"Call": map[string]any{"Func": name(f), "Args": rawArgs(args)}, "StartWithin": 60e9})
		return string(b)
	}
	// A first-round call: after its Start it crosses the start barrier,
	// which speak sets to 1 (this worker alone: it goes at once) or, with
	// "wait", to 2.
	first := func(f any, args ...string) string {
		b, _ := json.Marshal(map[string]any{"Call": map[string]any{"Func": name(f), "Args": rawArgs(args)}, "StartWithin": 60e9, "Barrier": true})
		return string(b)
	}
	cases := []struct {
		name     string
		messages []string // the pool's lines
		reports  []string // the worker's lines
		status   int
		touched  bool
	}{
		{"returns", []string{call(touch, "1", `"`+touched+`"`), `{"Start":true}`}, []string{`{"Ready":true}`, `{"Done":true}`}, 0, true},
		{"fails", []string{call(fail, "1"), `{"Start":true}`}, []string{`{"Ready":true}`, `{"Done":true,"Err":"this call fails"}`}, 1, false},
		{"panics", []string{call(boom, "1"), `{"Start":true}`}, []string{`{"Ready":true}`, `{"Done":true,"Panic":"boom"}`}, 1, false},
		{"no start", []string{call(touch, "1", `"`+touched+`"`)}, []string{`{"Ready":true}`}, 2, false},
		// The pool dies before the Start: the line opens, but no Start follows.
		{"pool died", []string{call(touch, "1", `"`+touched+`"`), "die"}, []string{`{"Ready":true}`}, 2, false},
		{"unknown", []string{`{"Call":{"Func":"nowhere.Nothing"}}`}, []string{`{"Err":"no function nowhere.Nothing in this worker (it has `}, 2, false},
		{"notebook", []string{`{"Call":{"Func":"work","Decls":["var x = 1"]}}`}, []string{`{"Err":"notebook function work not declared`}, 2, false},
		{"bad args", []string{call(touch, `"one"`, `"x"`)}, []string{`{"Err":"` + name(touch) + `: argument 1 (\"one\"): json: cannot unmarshal string`}, 2, false},
		{"arg count", []string{call(touch, "1")}, []string{`{"Err":"` + name(touch) + ` takes 2 arguments (int, string), not 1"}`}, 2, false},
		{"results", []string{`{"Call":{"Func":"counts","Decls":["func counts(n int) int"]}}`}, []string{`{"Err":"counts returns int: a pool's function returns nothing or an error"}`}, 2, false},
		{"garbage", []string{`{"Call":`}, []string{`{"Err":"no call from the pool: unexpected EOF"}`}, 2, false},
		// The last of the first round to get ready goes, with no Start.
		{"barrier", []string{first(touch, "1", `"`+touched+`"`), `{"Start":true}`}, []string{`{"Ready":true}`, `{"Done":true}`}, 0, true},
		// Another first-round worker never gets ready, and the pool goes
		// away: the line opens, the barrier stays shut.
		{"barrier shut", []string{"wait", first(touch, "1", `"`+touched+`"`), `{"Start":true}`, "die"}, []string{`{"Ready":true}`}, 2, false},
	}
	for _, c := range cases {
		os.Remove(touched)
		reports, status := speak(t, c.messages)
		if status != c.status {
			t.Errorf("%s: exit status %d, want %d", c.name, status, c.status)
		}
		if len(reports) != len(c.reports) {
			t.Errorf("%s: reports %q, want %q", c.name, reports, c.reports)
			continue
		}
		for i, r := range reports {
			if !strings.HasPrefix(r, c.reports[i]) {
				t.Errorf("%s: report %q, want %q...", c.name, r, c.reports[i])
			}
		}
		if _, err := os.Stat(touched); (err == nil) != c.touched {
			t.Errorf("%s: the call was made: %v, want %v", c.name, err == nil, c.touched)
		}
	}
}

func rawArgs(args []string) []json.RawMessage {
	raw := make([]json.RawMessage, len(args))
	for i, a := range args {
		raw[i] = json.RawMessage(a)
	}
	return raw
}

// speak starts a worker with the pool's three pipes and its start barrier
// (set to 1, or to 2 if the first message is "wait") and writes each
// message, reading the worker's answer to the request (Ready or an error)
// before the next; the message "die" closes the pool's ends, as a pool that
// died would. Then it opens the start line, and after anything but a Start
// says no more. It returns the worker's reports and exit status.
func speak(t *testing.T, messages []string) ([]string, int) {
	t.Helper()
	word := uint32(1)
	if messages[0] == "wait" {
		word, messages = 2, messages[1:]
	}
	barrier, err := os.CreateTemp(t.TempDir(), "barrier")
	if err != nil {
		t.Fatal(err)
	}
	defer barrier.Close()
	var b [4096]byte
	binary.NativeEndian.PutUint32(b[:], word)
	if _, err := barrier.Write(b[:]); err != nil {
		t.Fatal(err)
	}
	reqR, reqW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	repR, repW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	lineR, lineW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer lineR.Close()
	cmd := exec.Command(os.Args[0], "worker")
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0", "GOLOCKS_POOL_CHANNEL=3,4,5,6")
	cmd.ExtraFiles = []*os.File{reqR, repW, lineR, barrier}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	reqR.Close()
	repW.Close()
	defer repR.Close()
	lines := bufio.NewScanner(repR)
	var reports []string
	started := false
	for i, m := range messages {
		if m == "die" {
			reqW.Close()
			lineW.Close()
			continue
		}
		reqW.Write([]byte(m + "\n"))
		started = m == `{"Start":true}`
		if i == 0 && len(messages) > 1 && lines.Scan() {
			reports = append(reports, lines.Text())
		}
	}
	if !started {
		reqW.Close() // nothing more comes
	}
	lineW.Close() // go
	defer reqW.Close()
	for lines.Scan() {
		reports = append(reports, lines.Text())
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return reports, cmd.ProcessState.ExitCode()
}
