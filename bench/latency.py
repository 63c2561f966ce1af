"""Notebook latency of a Jupyter kernel, measured through Jupyter's own client.

usage: /usr/bin/python3 latency.py KERNEL RUNS WARM NB_RUNS CELL_TIMEOUT_S [NOTEBOOK ...]

RUNS times: start the kernel with jupyter_client (start_new_kernel: from
launch to its first kernel_info reply), run a trivial cell on it (the first
cell a fresh kernel runs), then WARM more trivial cells, then interrupt a
running cell each way Jupyter does (an interrupt_request on the control
channel, and SIGINT to the kernel's process group) and time it to the
interrupted cell's reply, and shut it down.

Then each NOTEBOOK, NB_RUNS times: copy its folder into a new temporary
folder (the notebooks write their counter files next to themselves), run it
there with nbclient as Jupyter would (errors in cells do not stop the run;
they are counted), and time the kernel start and the cells separately.

Prints one JSON object on the last line of stdout, all times in seconds.
A kernel that does not start or dies, or a cell over CELL_TIMEOUT_S, is an
error: exit status 1 and a message on stderr.
"""

import asyncio
import json
import os
import queue
import shutil
import signal
import sys
import tempfile
import time

import nbformat
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

TRIVIAL = "1 + 1"

# Cells to interrupt: an interpreted loop (stopped by the interpreter's
# statement loop) and a receive nobody sends to (stopped by the cell's
# context). Each prints "ready" first.
INTERRUPTED = {
    "loop": 'import "fmt"\nfmt.Println("ready")\nfor {\n}',
    "receive": 'import "fmt"\nfmt.Println("ready")\n<-make(chan int)',
}


def trivial_cell(kc, timeout):
    """Run TRIVIAL and return how long it took, checking that it said 2."""
    shown = []

    def hook(msg):
        if msg["msg_type"] in ("execute_result", "display_data"):
            shown.append(msg["content"]["data"].get("text/plain", ""))

    start = time.monotonic()
    reply = kc.execute_interactive(TRIVIAL, timeout=timeout, output_hook=hook)
    took = time.monotonic() - start
    if reply["content"]["status"] != "ok" or not any("2" in s for s in shown):
        raise RuntimeError("trivial cell %r: status %s, showed %r" % (TRIVIAL, reply["content"]["status"], shown))
    return took


def interrupt_cell(km, kc, code, how, timeout):
    """Run code, interrupt it once it printed "ready" (how: "message" or
    "signal"), and return the time from the interrupt to the cell's reply,
    checking that the reply is an interrupt error."""
    msg_id = kc.execute(code)
    deadline = time.monotonic() + timeout
    ready = False
    while not ready:
        if time.monotonic() > deadline:
            raise RuntimeError("cell %r never printed ready" % code)
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        ready = (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream"
                 and "ready" in msg["content"]["text"])
    start = time.monotonic()
    if how == "message":
        kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    else:
        km.signal_kernel(signal.SIGINT)
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    took = time.monotonic() - start
    if reply["content"].get("ename") != "interrupt":
        raise RuntimeError("interrupted cell %r: reply %r" % (code, reply["content"]))
    # Drain what is left (the control reply, iopub), so the next cell starts clean.
    for get in (kc.get_iopub_msg, kc.get_control_msg):
        while True:
            try:
                get(timeout=0.2)
            except queue.Empty:
                break
    return took


def kernel_runs(kernel, runs, warm, timeout):
    start_s, first_s, warm_s = [], [], []
    interrupt_s = {"%s/%s" % (what, how): [] for what in INTERRUPTED for how in ("message", "signal")}
    for _ in range(runs):
        start = time.monotonic()
        km, kc = start_new_kernel(kernel_name=kernel, startup_timeout=60)
        start_s.append(time.monotonic() - start)
        try:
            first_s.append(trivial_cell(kc, timeout))
            for _ in range(warm):
                warm_s.append(trivial_cell(kc, timeout))
            for key in interrupt_s:
                what, how = key.split("/")
                interrupt_s[key].append(interrupt_cell(km, kc, INTERRUPTED[what], how, timeout))
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    return start_s, first_s, warm_s, interrupt_s


async def run_notebook(client):
    """Start the kernel, run every cell; return (start, cells) seconds."""
    client.reset_execution_trackers()
    t0 = time.monotonic()
    async with client.async_setup_kernel():
        reply = await client.async_wait_for_reply(client.kc.kernel_info())
        if reply is None:
            raise RuntimeError("no kernel_info reply")
        t1 = time.monotonic()
        for index, cell in enumerate(client.nb.cells):
            await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        t2 = time.monotonic()
    return t1 - t0, t2 - t1


def notebook_runs(kernel, path, runs, timeout):
    out = {"path": path, "start_s": [], "cells_s": [], "code_cells": 0, "error_cells": []}
    for _ in range(runs):
        tmp = tempfile.mkdtemp(prefix="golocks-latency-")
        try:
            work = os.path.join(tmp, "nb")
            shutil.copytree(os.path.dirname(os.path.abspath(path)), work, symlinks=True)
            nb = nbformat.read(os.path.join(work, os.path.basename(path)), as_version=4)
            client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, allow_errors=True,
                                    resources={"metadata": {"path": work}})
            start, cells = asyncio.run(run_notebook(client))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        code = [c for c in nb.cells if c.cell_type == "code"]
        out["start_s"].append(start)
        out["cells_s"].append(cells)
        out["code_cells"] = len(code)
        out["error_cells"].append(sum(1 for c in code if any(o.get("output_type") == "error" for o in c.get("outputs", []))))
    return out


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    kernel = sys.argv[1]
    runs, warm, nb_runs, timeout = (int(x) for x in sys.argv[2:6])
    notebooks = sys.argv[6:]
    try:
        start_s, first_s, warm_s, interrupt_s = kernel_runs(kernel, runs, warm, timeout)
        nbs = [notebook_runs(kernel, p, nb_runs, timeout) for p in notebooks]
    except Exception as err:
        print("latency.py: %s: %s" % (type(err).__name__, err), file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"start_s": start_s, "first_cell_s": first_s, "warm_cell_s": warm_s,
                      "interrupt_s": interrupt_s, "notebooks": nbs}))


if __name__ == "__main__":
    main()
