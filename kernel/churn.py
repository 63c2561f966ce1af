"""Kernels started, used and shut down concurrently through one Jupyter
server, as a class's students do: the client side of kernel/churn_test.go.

usage: /usr/bin/python3 churn.py URL TOKEN KERNEL WORKERS ROUNDS < plan.json

plan.json: {"cells": [CODE, ...], "running": [CODE, ...]}. WORKERS threads each
do ROUNDS rounds, as a student opening notebooks one after the other:

  1. open a session (POST /api/sessions) on WORKER/ROUND.ipynb, so the
     kernel runs in the folder WORKER (which must exist), and connect to
     its websocket;
  2. run every cell of "cells", each to its reply and idle;
  3. on odd rounds, also start one of "running" (a cell that prints
     "ready", then blocks; each in turn) and wait for "ready": the session
     is closed while it runs;
  4. close the session (DELETE /api/sessions/ID: Jupyter shuts the kernel
     down), then wait for the kernel's process to be gone.

Watching the whole time for the server saying the kernel died
("restarting" or "dead"). Prints one JSON object per round, then a last
line: {"rounds": N}. Every wait is bounded; nothing here asserts.
"""

import datetime
import glob
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import websocket

STEP_TIMEOUT = 120  # seconds: a bound on each wait, never asserted
GONE_TIMEOUT = 60


def request(url, token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": "token " + token}
    if data:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=STEP_TIMEOUT) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def message(msg_type, content, session):
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "churn",
                       "session": session, "version": "5.3",
                       "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}


def kernel_pids(kernel_id):
    """The processes started with the kernel's connection file."""
    needle = ("kernel-%s.json" % kernel_id).encode()
    pids = []
    for path in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(path, "rb") as f:
                if needle in f.read():
                    pids.append(int(path.split("/")[2]))
        except OSError:
            pass
    return pids


class Round:
    def __init__(self, url, token, kernel, worker, n):
        self.url, self.token, self.kernel = url, token, kernel
        self.report = {"worker": worker, "round": n, "cells": [], "died": None, "error": None,
                       "delete": None, "pids": [], "gone": None, "while_running": n % 2 == 1}
        self.path = "w%d/r%d.ipynb" % (worker, n)
        self.session = uuid.uuid4().hex

    def run(self, plan):
        status, raw = request(self.url, self.token, "POST", "/api/sessions",
                              {"path": self.path, "type": "notebook", "name": os.path.basename(self.path),
                               "kernel": {"name": self.kernel}})
        if status != 201:
            self.report["error"] = "POST /api/sessions: HTTP %d %s" % (status, raw[-2000:].decode(errors="replace"))
            return
        model = json.loads(raw)
        kernel_id = model["kernel"]["id"]
        ws_url = "ws" + self.url[len("http"):] + "/api/kernels/%s/channels?session_id=%s" % (kernel_id, self.session)
        ws = websocket.create_connection(ws_url, header=["Authorization: token " + self.token], timeout=STEP_TIMEOUT)
        try:
            for code in plan["cells"]:
                out = self.execute(ws, code)
                self.report["cells"].append(out)
                if self.report["died"] or out["status"] != "ok":
                    break
            if not self.report["died"]:
                self.report["pids"] = kernel_pids(kernel_id)
            if self.report["while_running"] and not self.report["died"]:
                running = plan["running"][(self.report["round"] // 2) % len(plan["running"])]
                self.report["cells"].append(self.execute(ws, running, until="ready"))
        finally:
            ws.close()
        status, raw = request(self.url, self.token, "DELETE", "/api/sessions/" + model["id"])
        self.report["delete"] = status
        if status != 204:
            self.report["error"] = "DELETE /api/sessions: HTTP %d %s" % (status, raw[-3000:].decode(errors="replace"))
        deadline = time.monotonic() + GONE_TIMEOUT
        while time.monotonic() < deadline:
            if not any(os.path.exists("/proc/%d" % p) for p in self.report["pids"]):
                self.report["gone"] = True
                return
            time.sleep(0.1)
        self.report["gone"] = False

    def execute(self, ws, code, until=None):
        """Run code; wait for its reply and idle, or (until) for its output
        to show that text."""
        msg = message("execute_request", {"code": code, "silent": False, "store_history": True,
                                          "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
                      self.session)
        msg_id = msg["header"]["msg_id"]
        ws.send(json.dumps(msg))
        out = {"status": None, "stdout": "", "error": None, "idle": False}
        deadline = time.monotonic() + STEP_TIMEOUT
        while not (out["status"] and out["idle"]):
            left = deadline - time.monotonic()
            if left <= 0:
                out["error"] = "no reply in %ds" % STEP_TIMEOUT
                return out
            ws.settimeout(left)
            try:
                reply = json.loads(ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            kind, content = reply["msg_type"], reply["content"]
            if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
                self.report["died"] = "the server says the kernel is %s" % content["execution_state"]
                return out
            if reply.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind == "stream":
                out["stdout"] += content.get("text", "")
                if until and until in out["stdout"]:
                    out["status"] = "running"
                    return out
            elif kind == "error":
                out["error"] = "%s: %s" % (content.get("ename"), content.get("evalue"))
            elif kind == "execute_reply":
                out["status"] = content.get("status")
            elif kind == "status" and content.get("execution_state") == "idle":
                out["idle"] = True
        return out


def main():
    url, token, kernel, workers, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    plan = json.load(sys.stdin)
    lock = threading.Lock()

    def work(w):
        for n in range(rounds):
            r = Round(url, token, kernel, w, n)
            try:
                r.run(plan)
            except Exception as err:  # reported, not raised: the other rounds go on
                r.report["error"] = "%s: %s" % (type(err).__name__, err)
            with lock:
                print(json.dumps(r.report), flush=True)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"rounds": workers * rounds}), flush=True)


if __name__ == "__main__":
    main()
