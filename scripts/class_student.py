"""One simulated student of a class served by JupyterHub, doing what a
browser does. Run by the class load test and `make bench`
(internal/classload), one process per student.

usage: /usr/bin/python3 scripts/class_student.py --hub URL --user NAME
           [--cafile PEM] [--workbook golocks-workbook] [--kernel golocks]
           [--cell-timeout S] [--timeout S] [--no-wait] [NOTEBOOK...]

The password comes on the first line of standard input (never on the
command line, which every user of the machine can read). Then:

1. log in: the hub's login form, as a browser's first login (JupyterHub 3
   only hands out tokens to users it knows), then a token from the hub's
   REST API (POST /hub/api/users/NAME/tokens with the password);
2. start the student's server (POST /hub/api/users/NAME/server) and wait
   until the hub says it is ready; list the workbook folder the server
   made on this first login (GET /user/NAME/api/contents/WORKBOOK);
3. print {"event": "ready", ...} and wait for a line "go" on standard input
   (so that a whole class starts at once), unless --no-wait;
4. for each NOTEBOOK (in order, as a student works through them): open a
   session on WORKBOOK/<its name> (so the kernel runs in the student's
   workbook folder), connect to the kernel's websocket through the hub's
   proxy, and run its code cells one after the other, each bounded by
   --cell-timeout, watching for the kernel dying or restarting;
5. shut the sessions down, stop the server, and print one JSON object,
   {"event": "done", ...}, with every cell's outcome and latency.

Every request goes to the hub's address, which must be 127.0.0.1 (or
localhost); every wait and every loop is bounded in time (--timeout for
the whole run) and in count. Exit status 0 when the report was printed,
whatever it says; 2 for bad usage. Needs Debian's python3-websocket and
python3-nbformat.
"""

import argparse
import datetime
import http.cookiejar
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import nbformat
import websocket

TEXT_TAIL = 4000  # characters of each cell's output kept in the report


class Failure(Exception):
    """The student cannot go on (login refused, server never ready, ...)."""


def log(user, msg):
    print("%s: %s" % (user, msg), file=sys.stderr, flush=True)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are answers, not orders: after the login form the hub
    redirects to its spawn page, which would start the server."""

    def redirect_request(self, *args, **kwargs):
        return None


class Hub:
    """HTTP to the hub and, through its proxy, the student's server."""

    def __init__(self, url, user, cafile, deadline):
        self.url, self.user, self.deadline = url.rstrip("/"), user, deadline
        parts = urllib.parse.urlsplit(self.url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("class_student: the hub must be on this machine (127.0.0.1), not %s" % parts.hostname)
        self.ssl = ssl.create_default_context(cafile=cafile) if parts.scheme == "https" else None
        self.cookies = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()]
        if self.ssl:
            handlers.append(urllib.request.HTTPSHandler(context=self.ssl))
        self.opener = urllib.request.build_opener(*handlers)
        self.token = None

    def left(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Failure("out of time (--timeout)")
        return left

    def request(self, method, path, body=None, form=None, headers=None, ok=(200, 201, 202, 204)):
        data, hdrs = None, dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if self.token:
            hdrs["Authorization"] = "token " + self.token
        req = urllib.request.Request(self.url + path, data=data, headers=hdrs, method=method)
        try:
            with self.opener.open(req, timeout=min(60, self.left())) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        if status not in ok:
            raise Failure("%s %s: HTTP %d %s" % (method, path, status, error_body(raw)))
        return status, (json.loads(raw) if raw.strip().startswith((b"{", b"[")) else raw)

    def login(self, password):
        # The login form, as a browser: JupyterHub makes the user on the
        # first login and redirects to the spawn page.
        self.request("GET", "/hub/login")
        status, _ = self.request("POST", "/hub/login", form={"username": self.user, "password": password},
                                 ok=(200, 302))
        if status != 302 or not any(c.name.startswith("jupyterhub-") for c in self.cookies):
            raise Failure("the hub's login form refused %s" % self.user)
        # Then the REST API: a token for the calls a browser makes with its
        # cookie (the server's API wants one or the other).
        _, tok = self.request("POST", "/hub/api/users/%s/tokens" % self.user,
                              body={"auth": {"username": self.user, "password": password},
                                    "note": "golocks class load test", "expires_in": 3600})
        self.token = tok["token"]

    def start_server(self):
        self.request("POST", "/hub/api/users/%s/server" % self.user, ok=(201, 202, 400))  # 400: already running
        for _ in range(2000):  # bounded in count; the deadline bounds it in time
            _, model = self.request("GET", "/hub/api/users/%s" % self.user)
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            if server is None and model.get("pending") is None:
                raise Failure("the hub stopped trying to start the server")
            time.sleep(min(0.5, self.left()))
        raise Failure("the server was never ready")

    def stop_server(self):
        self.request("DELETE", "/hub/api/users/%s/server" % self.user, ok=(202, 204, 400))
        for _ in range(600):
            _, model = self.request("GET", "/hub/api/users/%s" % self.user)
            if not model.get("servers"):
                return
            time.sleep(min(0.5, self.left()))
        raise Failure("the server did not stop")

    def api(self, method, path, body=None, ok=(200, 201, 204)):
        return self.request(method, "/user/%s/api/%s" % (self.user, path), body=body, ok=ok)[1]

    def ws_url(self, kernel_id, session):
        u = urllib.parse.urlsplit(self.url)
        scheme = "wss" if u.scheme == "https" else "ws"
        return "%s://%s/user/%s/api/kernels/%s/channels?session_id=%s" % (scheme, u.netloc, self.user, kernel_id, session)


def error_body(raw):
    """What an error response says: its message and, for a server's 500,
    the end of its traceback (where the error is), not the start."""
    text = raw.decode(errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        return text[:1000]
    if not isinstance(body, dict):
        return text[:1000]
    out = str(body.get("message"))
    if body.get("reason"):
        out += " (%s)" % body["reason"]
    tb = body.get("traceback")
    if tb:
        out += "\n" + (tb if len(tb) <= 3000 else "[...]" + tb[-3000:])
    return out


def message(msg_type, content, session, channel="shell"):
    return {
        "header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "student",
                   "session": session, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "content": content, "channel": channel, "buffers": [],
    }


def tags(cell):
    return list(cell.get("metadata", {}).get("tags", []))


def is_test(cell):
    g = cell.get("metadata", {}).get("nbgrader", {})
    return bool(g.get("grade")) and not g.get("solution")


class Kernel:
    """One kernel's websocket, as the notebook page holds it."""

    def __init__(self, hub, kernel_id):
        self.hub, self.session = hub, uuid.uuid4().hex
        opts = {"header": ["Authorization: token " + hub.token], "timeout": min(60, hub.left())}
        if hub.ssl:
            opts["sslopt"] = {"context": hub.ssl}
        self.ws = websocket.create_connection(hub.ws_url(kernel_id, self.session), **opts)
        self.died = None  # why, once the kernel died or restarted

    def close(self):
        self.ws.close()

    def recv(self, until):
        left = min(until, self.hub.deadline) - time.monotonic()
        if left <= 0:
            return None
        self.ws.settimeout(left)
        try:
            msg = json.loads(self.ws.recv())
        except websocket.WebSocketTimeoutException:
            return None
        # The server's own status messages say when the kernel died: it
        # restarts it (restarting), or gives up (dead).
        if msg.get("msg_type") == "status":
            state = msg["content"].get("execution_state")
            if state in ("restarting", "dead") and not self.died:
                self.died = "the kernel %s" % ("was restarted (it died)" if state == "restarting" else "died")
        return msg

    def execute(self, code, timeout):
        """Run code; return (outcome, seconds). outcome: reply status, text,
        error, images; or None if no reply came in time."""
        req = message("execute_request", {"code": code, "silent": False, "store_history": True,
                                          "user_expressions": {}, "allow_stdin": False,
                                          "stop_on_error": True}, self.session)
        msg_id = req["header"]["msg_id"]
        start = time.monotonic()
        until = start + timeout
        self.ws.send(json.dumps(req))
        out = {"status": None, "text": "", "error": "", "images": 0}
        idle = False
        for _ in range(10_000_000):  # bounded in count; until bounds it in time
            if out["status"] is not None and idle:
                break
            msg = self.recv(until)
            if msg is None or self.died:
                return None, time.monotonic() - start
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out["text"] = (out["text"] + content.get("text", ""))[-TEXT_TAIL:]
            elif kind in ("execute_result", "display_data"):
                data = content.get("data", {})
                if "image/png" in data:
                    out["images"] += 1
                else:
                    out["text"] = (out["text"] + data.get("text/plain", ""))[-TEXT_TAIL:]
            elif kind == "error":
                out["error"] = "%s: %s" % (content.get("ename"), content.get("evalue"))
            elif kind == "execute_reply":
                out["status"] = content.get("status")
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        return out, time.monotonic() - start

    def alive(self, timeout):
        """Whether the kernel answers a kernel_info_request in time."""
        req = message("kernel_info_request", {}, self.session)
        until = time.monotonic() + timeout
        self.ws.send(json.dumps(req))
        for _ in range(100_000):
            msg = self.recv(until)
            if msg is None:
                return False
            if msg.get("msg_type") == "kernel_info_reply" and msg["parent_header"].get("msg_id") == req["header"]["msg_id"]:
                return True
        return False


def run_notebook(hub, path, workbook, kernel_name, cell_timeout):
    name = os.path.basename(path)
    nb = nbformat.read(path, as_version=4)
    report = {"name": name, "cells": [], "died": None, "hung": None, "alive_at_end": False, "seconds": 0}
    start = time.monotonic()
    # Opening a notebook in the browser: a session, whose kernel runs in the
    # notebook's folder.
    session = hub.api("POST", "sessions", {"path": "%s/%s" % (workbook, name), "type": "notebook",
                                            "name": name, "kernel": {"name": kernel_name}})
    report["session"] = session["id"]
    k = Kernel(hub, session["kernel"]["id"])
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            out, seconds = k.execute(cell.source, cell_timeout)
            entry = {"id": cell.get("id"), "tags": tags(cell), "test": is_test(cell), "seconds": round(seconds, 4)}
            if out is None:
                if k.died:
                    report["died"] = "%s in cell %s" % (k.died, cell.get("id"))
                else:
                    report["hung"] = "cell %s gave no reply in %ds" % (cell.get("id"), cell_timeout)
                entry["ran"] = False
                report["cells"].append(entry)
                break
            entry.update(ran=True, status=out["status"], error=out["error"], text=out["text"], images=out["images"])
            report["cells"].append(entry)
        if not report["died"] and not report["hung"]:
            report["alive_at_end"] = k.alive(min(60, cell_timeout))
            if k.died:  # a status message seen meanwhile
                report["died"] = k.died
    finally:
        k.close()
    report["seconds"] = round(time.monotonic() - start, 3)
    return report


def main():
    ap = argparse.ArgumentParser(description="One simulated student of a class (see the docstring).")
    ap.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    ap.add_argument("--hub", required=True, help="the hub's URL, on 127.0.0.1")
    ap.add_argument("--user", required=True)
    ap.add_argument("--cafile", help="the hub's TLS certificate, for https")
    ap.add_argument("--workbook", default="golocks-workbook", help="the student's workbook folder, in their home")
    ap.add_argument("--kernel", default="golocks")
    ap.add_argument("--cell-timeout", type=float, default=300)
    ap.add_argument("--timeout", type=float, default=1800, help="seconds for the whole run")
    ap.add_argument("--no-wait", action="store_true", help="start the notebooks as soon as ready")
    args = ap.parse_args()
    if args.cell_timeout <= 0 or args.timeout <= 0:
        ap.error("timeouts must be positive")

    deadline = time.monotonic() + args.timeout
    password = sys.stdin.readline().rstrip("\n")
    hub = Hub(args.hub, args.user, args.cafile, deadline)
    report = {"event": "done", "user": args.user, "error": None, "notebooks": [], "workbook": [],
              "login_s": None, "spawn_s": None, "run_s": None}
    started = False
    try:
        t0 = time.monotonic()
        hub.login(password)
        t1 = time.monotonic()
        log(args.user, "logged in")
        hub.start_server()
        started = True
        t2 = time.monotonic()
        report["login_s"], report["spawn_s"] = round(t1 - t0, 3), round(t2 - t1, 3)
        listing = hub.api("GET", "contents/%s" % args.workbook)
        report["workbook"] = sorted(item["name"] for item in listing.get("content", []))
        log(args.user, "server ready")
        print(json.dumps({"event": "ready", "user": args.user}), flush=True)
        if not args.no_wait:
            line = wait_line(hub)
            if line != "go":
                raise Failure("told %r instead of go" % line)
        t3 = time.monotonic()
        for path in args.notebooks:
            nb = run_notebook(hub, path, args.workbook, args.kernel, args.cell_timeout)
            report["notebooks"].append(nb)
            log(args.user, "%s: %d cells in %.1fs" % (nb["name"], len(nb["cells"]), nb["seconds"]))
            if nb["died"] or nb["hung"]:
                break
        report["run_s"] = round(time.monotonic() - t3, 3)
        for nb in report["notebooks"]:  # "Close and Halt" each notebook
            close_session(hub, nb["session"])
    except (Failure, OSError, websocket.WebSocketException, ValueError, KeyError) as err:
        report["error"] = "%s: %s" % (type(err).__name__, err)
    finally:
        if started:
            try:
                hub.stop_server()
            except (Failure, OSError, ValueError) as err:
                report["error"] = report["error"] or "stopping the server: %s" % err
    print(json.dumps(report), flush=True)
    return 0


def close_session(hub, session):
    """Close a notebook's session, which shuts its kernel down. Jupyter's
    server (jupyter_client 7.4) answers 500 to a session closed while its
    kernel restarts after dying ("InvalidStateError: Exception is not
    set"): the death is what the report says; the closing is tried again
    until the restart is over, a bounded number of times."""
    for attempt in range(20):
        status, body = hub.request("DELETE", "/user/%s/api/sessions/%s" % (hub.user, session), ok=(204, 404, 500))
        if status != 500:
            return
        time.sleep(min(0.5, hub.left()))
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    raise Failure("DELETE /user/%s/api/sessions/%s: HTTP 500 %s" % (hub.user, session, error_body(raw)))


def wait_line(hub):
    """The next line on standard input, waiting at most until the deadline."""
    import select
    if not select.select([sys.stdin], [], [], hub.left())[0]:
        raise Failure("no go before the deadline")
    return sys.stdin.readline().strip()


if __name__ == "__main__":
    sys.exit(main())
