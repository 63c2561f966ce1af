"""Start a kernel with jupyter_client and print its kernel_info reply.

usage: /usr/bin/python3 kernel_info.py KERNEL

Prints one JSON object: how long the kernel took from launch to its first
reply (seconds) and the content of a kernel_info reply (reply).
"""

import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    start = time.monotonic()
    # start_new_kernel returns once the kernel has answered a first
    # kernel_info request (BlockingKernelClient.wait_for_ready).
    km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=30)
    ready = time.monotonic() - start
    try:
        reply = kc.kernel_info(reply=True, timeout=10)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    print(json.dumps({"seconds": round(ready, 3), "reply": reply["content"]}))


if __name__ == "__main__":
    main()
