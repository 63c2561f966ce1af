//go:build golocks_kernel

package main

// Serving Jupyter's sockets while a cell runs.
//
// gophernotes served shell and control in one loop on the goroutine that
// evaluates cells, so an interrupt_request or a shutdown_request waited
// behind a running cell: a cell that never ended could be neither
// interrupted nor shut down. Here each socket has its own reader goroutine;
// control requests are answered at once, on the control goroutine; shell
// requests are queued and handled in order on the goroutine that created
// the interpreter (gomacro's interrupt only stops code evaluated there).
// The queue is also what lets Run All stop at the first error: after a
// failed cell, the execute requests waiting in it are aborted (see
// abortQueued), as ipykernel does.

import (
	"fmt"
	"log"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// serve handles Jupyter's requests until the kernel shuts down. It runs
// on the goroutine that created the interpreter, and evaluates cells there.
func (kernel *Kernel) serve(sockets SocketGroup) {
	g := newGolocks(kernel, sockets)
	kernel.golocks = g
	go g.readRequests(sockets.ControlSocket.Socket, g.handleControl)
	go g.readRequests(sockets.ShellSocket.Socket, g.shell.push)
	// Nothing asks the front-end for input (stdin); read what comes anyway.
	go g.readRequests(sockets.StdinSocket.Socket, func(msgReceipt) {})
	g.handleSignals()
	for {
		r, aborted := g.shell.next()
		if aborted {
			g.replyAborted(r)
			continue
		}
		kernel.handleShellMsg(r)
	}
}

// readRequests reads the requests that come on socket and hands each, in
// order, to handle. A message that does not parse or is not signed with
// the connection's key is logged and dropped.
func (g *golocks) readRequests(socket zmq4.Socket, handle func(msgReceipt)) {
	control := socket == g.sockets.ControlSocket.Socket
	for {
		raw, err := socket.Recv()
		if err != nil {
			log.Printf("golocks: reading a request: %v", err)
			time.Sleep(100 * time.Millisecond) // a closed socket errs at once: do not spin
			continue
		}
		msg, ids, err := WireMsgToComposedMsg(raw.Frames, g.sockets.Key)
		if err != nil {
			log.Printf("golocks: dropping a request: %v", err)
			continue
		}
		handle(msgReceipt{Msg: msg, Identities: ids, Sockets: g.sockets, Control: control})
	}
}

// handleControl answers a control request, on the control goroutine:
// at once, even while a cell runs.
func (g *golocks) handleControl(r msgReceipt) {
	r.PublishKernelStatus(kernelBusy)
	defer r.PublishKernelStatus(kernelIdle)
	defer func() {
		if p := recover(); p != nil {
			g.requestFailed(r, p)
		}
	}()
	switch r.Msg.Header.MsgType {
	case "interrupt_request":
		g.interrupt()
		reply(r, "interrupt_reply", map[string]any{"status": "ok"})
	case "shutdown_request":
		g.shutdown(r)
	case "kernel_info_request":
		if err := sendKernelInfo(r); err != nil {
			log.Printf("golocks: kernel_info_reply: %v", err)
		}
	default:
		log.Printf("golocks: unhandled control request %q", r.Msg.Header.MsgType)
	}
}

// shutdown answers a shutdown_request and ends the process. A running
// cell's context is cancelled first, so that the library stops what the
// cell started (worker processes are killed) before the kernel exits.
func (g *golocks) shutdown(r msgReceipt) {
	restart, _ := content(r)["restart"].(bool)
	g.cells.stopAll()
	reply(r, "shutdown_reply", shutdownReply{Status: "ok", Restart: restart})
	r.PublishKernelStatus(kernelIdle)
	log.Println("golocks: shutting down in response to shutdown_request")
	exitSoon(0)
}

// replyAborted answers an execute request that Run All queued behind a
// failed cell: it does not run (ipykernel's _send_abort_reply).
func (g *golocks) replyAborted(r msgReceipt) {
	r.PublishKernelStatus(kernelBusy)
	defer r.PublishKernelStatus(kernelIdle)
	reply(r, "execute_reply", map[string]any{"status": "aborted"})
}

// abortQueued aborts the execute requests waiting in the shell queue, after
// a failed cell whose request did not say stop_on_error: false, and those
// of the same Run All that are still on their way (see abortLate).
func (g *golocks) abortQueued() {
	if n := g.shell.abortExecutes(time.Now()); n > 0 {
		log.Printf("golocks: aborting %d queued execute requests after an error", n)
	}
}

// requestFailed answers a shell request whose handling panicked (a request
// without a field it needs, or a bug of ours) with an error reply, and logs
// it: the kernel goes on with the next request.
func (g *golocks) requestFailed(r msgReceipt, p any) {
	log.Printf("golocks: %s failed: %v\n%s", r.Msg.Header.MsgType, p, debug.Stack())
	evalue := fmt.Sprint(p)
	c := map[string]any{
		"status": "error", "ename": "request error", "evalue": evalue,
		"traceback": []string{"request error: " + evalue},
	}
	if r.Msg.Header.MsgType == "execute_request" {
		c["execution_count"] = ExecCounter
	}
	reply(r, strings.TrimSuffix(r.Msg.Header.MsgType, "_request")+"_reply", c)
}

// content is a request's content as a map (empty if it is not one).
func content(r msgReceipt) map[string]any {
	c, _ := r.Msg.Content.(map[string]any)
	if c == nil {
		c = map[string]any{}
	}
	return c
}

// reply sends a reply and logs a failure: a reply that cannot be sent has
// nobody else to tell.
func reply(r msgReceipt, msgType string, c any) {
	if err := r.Reply(msgType, c); err != nil {
		log.Printf("golocks: sending %s: %v", msgType, err)
	}
}

// requestQueue holds the shell requests not yet handled, in the order they
// came. Push never blocks, so the reader drains the socket while a cell
// runs, and a failed cell sees every request queued behind it.
type requestQueue struct {
	mu    sync.Mutex
	ready *sync.Cond
	items []queuedRequest
	// failed is when the last failed cell's error was answered; zero
	// before any (see abortLate).
	failed time.Time
}

// abortLate bounds how long after a failed cell an execute request that
// was sent before the failure still counts as queued behind it.
//
// Run All sends every cell's request at once, but on a loaded server they
// reach the kernel over a while (the browser's websocket, then the
// notebook server, then ZeroMQ): in a class under load, requests of the
// same Run All came in after the failed cell had ended, and ran, so a cell
// below a stopped Run All showed an error about a variable the aborted
// cells never made. ipykernel has the same window, off by default
// (stop_on_error_timeout). A request is aborted only if its header says it
// was sent before the failure was answered: a client that waits for each
// reply (nbclient, the conformance suite, a student re-running a cell)
// sends the next request after it, and that one runs. The bound keeps a
// front-end whose clock runs behind the kernel's from having a later
// request aborted, except for this long after an error.
const abortLate = 5 * time.Second

type queuedRequest struct {
	r       msgReceipt
	aborted bool
}

func newRequestQueue() *requestQueue {
	q := &requestQueue{}
	q.ready = sync.NewCond(&q.mu)
	return q
}

func (q *requestQueue) push(r msgReceipt) {
	q.mu.Lock()
	aborted := q.sentBeforeFailure(r, time.Now())
	q.items = append(q.items, queuedRequest{r: r, aborted: aborted})
	q.mu.Unlock()
	if aborted {
		log.Printf("golocks: aborting an execute request sent before the error that stopped its Run All")
	}
	q.ready.Signal()
}

// sentBeforeFailure says whether r is an execute request of a Run All that
// the last failed cell stopped: sent before that cell's error was
// answered, arriving at most abortLate after it.
func (q *requestQueue) sentBeforeFailure(r msgReceipt, now time.Time) bool {
	if q.failed.IsZero() || r.Msg.Header.MsgType != "execute_request" || now.Sub(q.failed) > abortLate {
		return false
	}
	sent, err := time.Parse(time.RFC3339Nano, r.Msg.Header.Timestamp)
	return err == nil && sent.Before(q.failed)
}

// next waits for the oldest request and takes it; aborted says it is an
// execute request to answer with an aborted reply.
func (q *requestQueue) next() (r msgReceipt, aborted bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.ready.Wait()
	}
	it := q.items[0]
	q.items[0] = queuedRequest{}
	q.items = q.items[1:]
	return it.r, it.aborted
}

// abortExecutes marks every execute request in the queue aborted and says
// how many there were; failed is when the cell that failed is answered.
// Other requests stay as they are.
func (q *requestQueue) abortExecutes(failed time.Time) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.failed = failed
	n := 0
	for i := range q.items {
		if q.items[i].r.Msg.Header.MsgType == "execute_request" && !q.items[i].aborted {
			q.items[i].aborted = true
			n++
		}
	}
	return n
}
