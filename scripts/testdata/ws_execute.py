"""Run one cell on a kernel of a running Jupyter server, as a browser does.

usage: /usr/bin/python3 ws_execute.py WS_URL TOKEN CODE_FILE TIMEOUT_SECONDS

Connects to the kernel's websocket (WS_URL, .../api/kernels/<id>/channels)
with the token in an Authorization header, sends one execute_request in
Jupyter's JSON wire format, and collects the messages answering it until the
execute_reply and the kernel's return to idle. Prints one JSON object:
status (the execute_reply's), stdout, stderr, results (text/plain of
execute_result and display_data), error (ename: evalue) and seconds.
Uses Debian's python3-websocket (websocket-client).
"""

import datetime
import json
import sys
import time
import uuid

import websocket


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    url, token, code_file, timeout = sys.argv[1:]
    with open(code_file) as f:
        code = f.read()
    deadline = time.monotonic() + float(timeout)

    ws = websocket.create_connection(
        url, header=["Authorization: token " + token], timeout=float(timeout))
    start = time.monotonic()
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "username": "golocks-test",
            "session": uuid.uuid4().hex,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
        "buffers": [],
    }))

    out = {"status": None, "stdout": "", "stderr": "", "results": [], "error": ""}
    idle = False
    while out["status"] is None or not idle:
        left = deadline - time.monotonic()
        if left <= 0:
            out["error"] = "timed out waiting for the kernel"
            break
        ws.settimeout(left)
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out[content["name"]] += content["text"]
        elif kind in ("execute_result", "display_data"):
            out["results"].append(content.get("data", {}).get("text/plain", ""))
        elif kind == "error":
            out["error"] = "%s: %s" % (content.get("ename"), content.get("evalue"))
        elif kind == "execute_reply":
            out["status"] = content["status"]
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    ws.close()
    out["seconds"] = round(time.monotonic() - start, 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
