//go:build e2e

package scripts_test

// Debian's Chromium, headless, driven over the DevTools protocol with
// chromedp, for the browser test (browser_test.go): started with a private
// profile and always stopped, every process of it, even when the test
// fails. A tab is what a student looks at: it is clicked and typed into as
// a student would, and read back as what it shows.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// chromium is Debian's Chromium (scripts/install-deps.sh test installs it):
// nothing here downloads a browser.
const chromium = "/usr/bin/chromium"

const (
	browserStartLimit = 2 * time.Minute
	browserStopLimit  = 30 * time.Second
	actionLimit       = 60 * time.Second // one click, page load or screenshot
	pollEvery         = 250 * time.Millisecond
	windowWidth       = 1280
	windowHeight      = 1024
)

// requireChromium fails (never skips) when Debian's Chromium is missing.
func requireChromium(t *testing.T) {
	t.Helper()
	out, err := runBoundedCmd(exec.Command(chromium, "--version"), actionLimit)
	if err != nil {
		t.Fatalf("%s --version: %v\n%s\nthe browser test needs Debian's Chromium: scripts/install-deps.sh test installs it (apt-get install chromium)", chromium, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "Chromium ") {
			t.Log(line)
		}
	}
}

// browser is one headless Chromium.
type browser struct {
	ctx     context.Context // its first tab; the other tabs' contexts derive from it
	profile string          // its private profile folder, named on every one of its processes' command lines
	out     syncBuffer      // what it printed
}

// startBrowser starts Chromium with a private profile, home and cache under
// dir, and stops it when the test ends.
func startBrowser(t *testing.T, dir string) *browser {
	t.Helper()
	b := &browser{profile: filepath.Join(dir, "chromium-profile")}
	home := filepath.Join(dir, "chromium-home")
	for _, d := range []string{b.profile, home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(b.profile),
		chromedp.Env("HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_CACHE_HOME="+filepath.Join(home, ".cache")),
		// No GPU, and none of the background traffic that a closed network
		// refuses (the defaults already turn off background networking,
		// sync and the default apps).
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.WindowSize(windowWidth, windowHeight),
		chromedp.CombinedOutput(&b.out),
		// chromedp adds --no-sandbox when, and only when, we run as root:
		// Chromium's sandbox refuses to start as root (CI's containers);
		// as any other user it stays on.
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// chromedp's own complaints go with the browser's output, shown on
	// failure, rather than to the test's standard error.
	logf := func(format string, args ...any) { fmt.Fprintf(&b.out, "chromedp: "+format+"\n", args...) }
	ctx, _ := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf), chromedp.WithLogf(logf))
	b.ctx = ctx
	t.Cleanup(func() { b.stop(t, cancelAlloc) })

	// The first Run starts the browser for the whole context, so it cannot
	// have a deadline of its own: the bound is kept here instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting %s: %v\n%s", chromium, err, b.out.String())
		}
	case <-time.After(browserStartLimit):
		t.Fatalf("%s did not start within %v:\n%s", chromium, browserStartLimit, b.out.String())
	}
	// What stop looks for must be there, or finding nothing proves nothing.
	if pids := processesWithArg(b.profileArg()); len(pids) == 0 {
		t.Fatalf("no process has %s on its command line: stop could not find what is left of the browser", b.profileArg())
	}
	return b
}

// profileArg is on the command line of every process of the browser.
func (b *browser) profileArg() string { return "--user-data-dir=" + b.profile }

// stop closes the browser, then kills whatever is left of it: its helper
// processes (zygote, renderers, network service) can outlive the main one
// for a moment. It fails the test if any is still there after that.
func (b *browser) stop(t *testing.T, cancelAlloc context.CancelFunc) {
	done := make(chan struct{})
	go func() {
		chromedp.Cancel(b.ctx) // closes it as a user would
		cancelAlloc()          // kills it if it has not exited, and waits for it
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(browserStopLimit):
		t.Logf("chromium did not close within %v: killing it", browserStopLimit)
	}
	left := killProcessesWithArg(t, b.profileArg(), browserStopLimit)
	if len(left) > 0 {
		t.Errorf("chromium processes %v survived SIGKILL for %v", left, browserStopLimit)
	}
	if t.Failed() {
		t.Logf("chromium's output:\n%s", b.out.String())
	}
}

// killProcessesWithArg kills every process that has arg on its command line
// until none has been seen for a few passes in a row (a process may fork as
// its parent dies), within limit; it returns those still there at the end.
func killProcessesWithArg(t *testing.T, arg string, limit time.Duration) []int {
	deadline := time.Now().Add(limit)
	for quiet := 0; quiet < 3; {
		pids := processesWithArg(arg)
		if len(pids) == 0 {
			quiet++
		} else {
			quiet = 0
			t.Logf("killing left-over chromium processes %v", pids)
			for _, pid := range pids {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if time.Now().After(deadline) {
			return processesWithArg(arg)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// processesWithArg are the running processes that have arg on their
// command line.
func processesWithArg(arg string) []int {
	return processes(func(cmdline []byte) bool {
		return bytes.Contains(cmdline, []byte("\x00"+arg+"\x00"))
	})
}

// ---- tabs ----

// tab is one page of the browser.
type tab struct {
	ctx context.Context
}

// navigate opens url in the browser's first tab, as when a student pastes
// the URL the server printed.
func (b *browser) navigate(t *testing.T, url string) *tab {
	t.Helper()
	tb := &tab{ctx: b.ctx}
	tb.do(t, "open "+url, chromedp.Navigate(url))
	return tb
}

// clickToNewTab clicks the element sel, which opens a page in a new tab
// whose URL contains urlPart, and returns that tab once its page has
// loaded; the tab is closed when the test ends.
func (tb *tab) clickToNewTab(t *testing.T, sel, urlPart string) *tab {
	t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, actionLimit)
	defer cancel()
	opened := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool {
		return strings.Contains(info.URL, urlPart)
	})
	if err := tb.clickOne(sel); err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	var id target.ID
	select {
	case id = <-opened:
	case <-ctx.Done():
	}
	if id == "" {
		t.Fatalf("clicking %s opened no tab for %s within %v", sel, urlPart, actionLimit)
	}
	// The first action on a tab's context attaches to it and keeps
	// listening to it for as long as the context it was given lives: a
	// context without a deadline, bounded here instead.
	newCtx, closeTab := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(id))
	t.Cleanup(closeTab)
	attached := make(chan error, 1)
	go func() { attached <- chromedp.Do(newCtx) }()
	select {
	case err := <-attached:
		if err != nil {
			t.Fatalf("attaching to the new tab for %s: %v", urlPart, err)
		}
	case <-time.After(actionLimit):
		t.Fatalf("attaching to the new tab for %s: no answer within %v", urlPart, actionLimit)
	}
	nt := &tab{ctx: newCtx}
	waitFor(t, actionLimit, "the page in the new tab loads", func(state *string) (err error) {
		*state, err = get(nt, chromedp.Evaluate[string](`document.readyState`))
		return err
	}, func(state *string) bool { return *state == "complete" })
	return nt
}

// do runs actions within actionLimit; the test fails if they fail.
func (tb *tab) do(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := tb.run(actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func (tb *tab) run(actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tb.ctx, actionLimit)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// get runs one action that returns a value, within actionLimit.
func get[T any](tb *tab, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, actionLimit)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// click clicks each element in turn, as with the mouse: a menu, then its
// item.
func (tb *tab) click(t *testing.T, sels ...string) {
	t.Helper()
	for _, sel := range sels {
		if err := tb.clickOne(sel); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
}

// clickOne clicks the element sel, within actionLimit. chromedp's Click
// finds the node, then scrolls it into view and clicks its middle: a page
// that replaces the node in between (the tree page redraws its list every
// few seconds) makes the second step fail with "Could not find node with
// given id" before any mouse event is sent. That is retried, finding the
// element again, so the click lands exactly once.
func (tb *tab) clickOne(sel string) error {
	deadline := time.Now().Add(actionLimit)
	for {
		err := tb.run(chromedp.Click(chromedp.CSS(sel)))
		if err == nil || !nodeReplaced(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(pollEvery)
	}
}

// nodeReplaced reports whether err is the DevTools protocol's answer about
// a node that is no longer in the page (error -32000: "Could not find node
// with given id", "No node with given id found", "Node is detached from
// document").
func nodeReplaced(err error) bool {
	var pe *cdproto.Error
	if !errors.As(err, &pe) || pe.Code != -32000 {
		return false
	}
	m := strings.ToLower(pe.Message)
	return strings.Contains(m, "node") && (strings.Contains(m, "find") || strings.Contains(m, "no node") || strings.Contains(m, "detached"))
}

// read evaluates js, an expression that reads what the page shows (never
// one that acts on it), and decodes its value into v.
func (tb *tab) read(js string, v any) error {
	raw, err := get(tb, chromedp.Evaluate[[]byte](js))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// waitFor reads the page with read (into a fresh T) until done says it is
// so, within limit, and returns the last reading; on timeout the test fails
// with what and that reading.
func waitFor[T any](t *testing.T, limit time.Duration, what string, read func(*T) error, done func(*T) bool) *T {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last *T
	var lastErr error
	for {
		v := new(T)
		if err := read(v); err != nil {
			lastErr = err
		} else {
			last, lastErr = v, nil
			if done(v) {
				return v
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so after %v (last error: %v); the page showed:\n%s", what, limit, lastErr, dump(last))
		}
		time.Sleep(pollEvery)
	}
}

func dump(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	const max = 6000
	if len(b) > max {
		return string(b[:max]) + "\n[...]"
	}
	return string(b)
}

// screenshot saves the whole page, as tall as it is, to path (a PNG).
// Notebook's pages scroll inside a box (div#site), not the document, so a
// capture of the document alone would show one window's worth: the window
// is made as tall as the page (Notebook resizes its box to the window, as
// on a tall screen), captured, and given back its size.
func (tb *tab) screenshot(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	height, err := get(tb, chromedp.Evaluate[int64](`(() => {
		const site = document.getElementById('site');
		const header = document.getElementById('header');
		const inner = site ? Math.max(site.scrollHeight, ...[...site.children].map(e => e.offsetTop + e.offsetHeight)) : 0;
		return Math.ceil((header ? header.offsetHeight : 0) + inner + 20);
	})()`))
	if err != nil {
		return err
	}
	// The longest notebook is far below this; a page taller than
	// Chromium can capture at once would be cut.
	height = min(max(height, windowHeight), 30000)
	defer tb.run(chromedp.ResetViewport())
	err = tb.run(
		chromedp.EmulateViewport(windowWidth, height),
		// Wait (a bounded poll) until Notebook's box has grown to the window.
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Poll[bool](`(() => { const s = document.getElementById('site'); return !s || s.scrollHeight <= s.clientHeight + 1; })()`,
				chromedp.WithPollingTimeout(actionLimit/2))(ctx, t)
			return err
		}),
	)
	if err != nil {
		return err
	}
	png, err := get(tb, chromedp.CaptureScreenshot())
	if err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}
