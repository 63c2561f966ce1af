"""Drive one golocks kernel through Jupyter's own client, step by step.

usage: /usr/bin/python3 session.py KERNEL < steps.json

Starts the kernelspec KERNEL with jupyter_client, as Jupyter would, runs the
steps (a JSON list, read from stdin) and prints what happened as one JSON
list on the last line of stdout, one result per step. kernel/*_test.go
write the steps and check the results; nothing here asserts. Steps:

  {"run": CODE}                      execute CODE, wait for its reply
  {"run": CODE, "stop_on_error": false}
  {"run": CODE, "interrupt_on": TEXT}
        execute CODE; once its output shows TEXT, interrupt the kernel
        (kernel.json's interrupt_mode: SIGINT to its process group, or an
        interrupt_request; this client sends the latter itself, on the
        control channel, to see the reply); wait for its reply
  ... "queue": [CODE, ...]           also send these right after CODE, before
        anything else happens, and wait for their replies too
  ... "late": [CODE, ...]            once CODE has its reply, send these dated
        when CODE was sent (a Run All whose requests were held up on the
        way), and wait for their replies too
  ... "again_on": TEXT               interrupt again once the output shows
        TEXT; the kernel may then exit (see "alive")
  ... "wait_for": TEXT               after the reply, wait until the first
        cell's output shows TEXT (output a goroutine writes later)
  {"runall": [CODE, ...], "release": PATH}
        send every CODE at once (Run All); once the kernel has read them
        all, create the file PATH (the first cell waits for it); wait for
        every reply
  {"complete": CODE} / {"inspect": CODE}  with the cursor at the end
  {"control": MSG_TYPE}              send MSG_TYPE on the control channel and
        wait for the reply there (kernel_info_request, shutdown_request...)
  {"shell": MSG_TYPE, "content": {...}}   send MSG_TYPE with exactly that
        content on the shell channel and wait for the reply
  {"abrupt": N, "channel": "shell"|"control"}
        N times, as Jupyter's server does to learn a new kernel's protocol:
        connect to the channel, send kernel_info_request, close the
        connection a moment (0-5 ms, at random) later, while the reply may
        be on its way
  {"alive": true}                    is the kernel process alive?
  {"exits": true}                    wait (with a bound) for the kernel process
        to exit; true if it did
  {"procs": TEXT}                    processes whose command line holds TEXT,
        other than the kernel, after waiting for them to go (with a bound)

Each step's result holds its replies and what its cells showed (stdout,
stderr, errors, display data, and "iopub": every output message in the
order it came, a stream's name and text, an error's evalue, a display's
MIME types), or the error that stopped the step.
"""

import datetime
import json
import os
import queue
import random
import sys
import time

import zmq

from jupyter_client.manager import start_new_kernel

# Bounds on waits, never asserted: a step that needs longer is an error.
STEP_TIMEOUT = 120
PROCS_GONE = 20


class Session:
    def __init__(self, kernel):
        self.km, self.kc = start_new_kernel(kernel_name=kernel, startup_timeout=60)
        self.mode = self.km.kernel_spec.interrupt_mode
        self.requests = {}  # msg_id -> what came back for it

    def close(self):
        self.kc.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)
        else:
            self.km.cleanup_resources()

    def request(self, msg_id):
        return self.requests.setdefault(msg_id, {
            "reply": None, "stdout": "", "stderr": "", "errors": [], "display": [], "idle": False,
            "iopub": []})

    def pump(self, timeout=0.05):
        """File every message waiting on iopub, shell and control under its
        request; True if any came."""
        got = False
        for get in (self.kc.get_iopub_msg, self.kc.get_shell_msg, self.kc.get_control_msg):
            while True:
                try:
                    msg = get(timeout=timeout if not got else 0)
                except queue.Empty:
                    break
                got = True
                self.file(msg, iopub=get == self.kc.get_iopub_msg)
        return got

    def file(self, msg, iopub):
        parent = msg["parent_header"].get("msg_id")
        if not parent:
            return
        r = self.request(parent)
        t, c = msg["msg_type"], msg["content"]
        if iopub and t not in ("status", "execute_input"):
            r["iopub"].append({"type": t, "name": c.get("name", ""), "text": c.get("text", c.get("evalue", "")),
                               "mime": sorted(c.get("data", {}))})
        if t.endswith("_reply"):
            r["reply"] = c
            r["reply_type"] = t
        elif t == "stream":
            r[c["name"]] += c["text"]
        elif t == "error":
            r["errors"].append({"ename": c["ename"], "evalue": c["evalue"], "traceback": c["traceback"]})
        elif t in ("display_data", "execute_result"):
            r["display"].append({"type": t, "data": c["data"]})
        elif t == "clear_output":
            r["display"].append({"type": t})
        elif t == "status" and c["execution_state"] == "idle":
            r["idle"] = True

    def wait(self, done, what, timeout=STEP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError("waited %ds for %s" % (timeout, what))
            if not self.km.is_alive() and not self.pump():
                raise RuntimeError("the kernel died while waiting for " + what)
            self.pump()

    def replied(self, *ids):
        """Done when each request has its reply and the kernel said it is
        idle after it: iopub and shell are separate sockets, so a cell's
        output may reach this client after its reply, but before that idle."""
        return lambda: all(self.request(i)["reply"] is not None and self.request(i)["idle"] for i in ids)

    def shows(self, msg_id, text):
        r = self.request(msg_id)
        return lambda: text in r["stdout"] or text in r["stderr"]

    def interrupt(self):
        """Interrupt as Jupyter does for this kernelspec; in message mode,
        send the interrupt_request from this client to see its reply."""
        if self.mode == "message":
            msg = self.kc.session.msg("interrupt_request", {})
            self.kc.control_channel.send(msg)
            return msg["header"]["msg_id"]
        self.km.interrupt_kernel()
        return None

    def shell_read(self):
        """Wait until the kernel has read every byte sent on its shell
        socket (its TCP receive queue is empty), so that requests sent
        before now are in its queue."""
        port = "%04X" % self.km.shell_port
        def empty():
            for f in ("/proc/net/tcp", "/proc/net/tcp6"):
                try:
                    lines = open(f).read().splitlines()[1:]
                except OSError:
                    continue
                for line in lines:
                    fields = line.split()
                    local, queues = fields[1], fields[4]
                    if local.endswith(":" + port) and int(queues.split(":")[1], 16) != 0:
                        return False
            return True
        self.wait(empty, "the kernel to read its shell socket")

    # The steps.

    def run(self, step):
        codes = [step["run"]] + step.get("queue", [])
        sent = datetime.datetime.now(datetime.timezone.utc)
        ids = [self.kc.execute(c, stop_on_error=step.get("stop_on_error", True)) for c in codes]
        out = {}
        if "late" in step:
            self.wait(self.replied(ids[0]), "the reply before the late requests")
            for c in step["late"]:
                msg = self.kc.session.msg("execute_request", {
                    "code": c, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
                msg["header"]["date"] = sent
                self.kc.shell_channel.send(msg)
                ids.append(msg["header"]["msg_id"])
        if "interrupt_on" in step:
            self.wait(self.shows(ids[0], step["interrupt_on"]), repr(step["interrupt_on"]))
            if len(ids) > 1:
                self.shell_read()
            iid = self.interrupt()
            if iid:  # answered on control, even while the cell runs
                self.wait(self.replied(iid), "interrupt_reply")
                out["interrupt_reply"] = self.request(iid)["reply"]
                out["interrupt_reply_type"] = self.request(iid).get("reply_type")
            if "again_on" in step:
                self.wait(self.shows(ids[0], step["again_on"]), repr(step["again_on"]))
                self.interrupt()
                try:
                    self.wait(self.replied(ids[0]), "the reply to the stuck cell", timeout=30)
                except RuntimeError:
                    pass  # died first: the reply is lost with it
                self.wait(lambda: not self.km.is_alive(), "the kernel to exit", timeout=30)
                self.pump()
        if "again_on" not in step:
            self.wait(self.replied(*ids), "execute replies")
        if "wait_for" in step:
            self.wait(self.shows(ids[0], step["wait_for"]), repr(step["wait_for"]))
        out["cells"] = [self.request(i) for i in ids]
        return out

    def runall(self, step):
        ids = [self.kc.execute(c) for c in step["runall"]]
        self.shell_read()
        with open(step["release"], "w"):
            pass
        self.wait(self.replied(*ids), "every Run All reply")
        return {"cells": [self.request(i) for i in ids]}

    def complete(self, step):
        i = self.kc.complete(step["complete"])
        self.wait(self.replied(i), "complete_reply")
        return self.request(i)["reply"]

    def inspect(self, step):
        i = self.kc.inspect(step["inspect"])
        self.wait(self.replied(i), "inspect_reply")
        return self.request(i)["reply"]

    def control(self, step):
        msg = self.kc.session.msg(step["control"], step.get("content", {}))
        self.kc.control_channel.send(msg)
        i = msg["header"]["msg_id"]
        self.wait(self.replied(i), step["control"] + " reply")
        r = self.request(i)
        return {"reply": r["reply"], "reply_type": r.get("reply_type")}

    def abrupt(self, step):
        channel = step.get("channel", "shell")
        port = {"shell": self.km.shell_port, "control": self.km.control_port}[channel]
        ctx = zmq.Context()
        try:
            for _ in range(step["abrupt"]):
                sock = ctx.socket(zmq.DEALER)
                sock.connect("tcp://%s:%d" % (self.km.ip, port))
                self.kc.session.send(sock, "kernel_info_request")
                time.sleep(random.random() * 0.005)
                sock.close(linger=0)
        finally:
            ctx.term()
        return step["abrupt"]

    def shell(self, step):
        msg = self.kc.session.msg(step["shell"], step.get("content", {}))
        self.kc.shell_channel.send(msg)
        i = msg["header"]["msg_id"]
        self.wait(self.replied(i), step["shell"] + " reply")
        r = self.request(i)
        return {"reply": r["reply"], "reply_type": r.get("reply_type")}

    def alive(self, step):
        return self.km.is_alive()

    def exits(self, step):
        try:
            self.wait(lambda: not self.km.is_alive(), "the kernel to exit", timeout=30)
        except TimeoutError:
            return False
        return True

    def procs(self, step):
        kernel = self.km.provisioner.process.pid if self.km.provisioner else None
        deadline = time.monotonic() + PROCS_GONE
        while True:
            found = []
            for pid in os.listdir("/proc"):
                if not pid.isdigit() or int(pid) in (kernel, os.getpid()):
                    continue
                try:
                    cmd = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                if step["procs"] in cmd:
                    found.append(cmd.strip())
            if not found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    steps = json.load(sys.stdin)
    s = Session(sys.argv[1])
    results = []
    try:
        for step in steps:
            op = next(k for k in ("run", "runall", "complete", "inspect", "control", "shell", "abrupt", "alive", "exits", "procs") if k in step)
            try:
                results.append(getattr(s, op)(step))
            except Exception as err:  # report it, and stop: later steps depend on it
                results.append({"error": "%s: %s" % (type(err).__name__, err)})
                break
    finally:
        s.close()
    print(json.dumps(results))


if __name__ == "__main__":
    main()
