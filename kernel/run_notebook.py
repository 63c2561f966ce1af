"""Run a notebook through Jupyter's own client, as Jupyter would.

usage: /usr/bin/python3 run_notebook.py KERNEL IN.ipynb OUT.ipynb [CELL_TIMEOUT_S]

Runs every cell of IN.ipynb on the kernelspec named KERNEL with nbclient,
in IN.ipynb's folder, and writes the notebook with its outputs to OUT.ipynb.
An error in a cell does not stop the run (the caller checks each cell's
outputs); a cell that runs longer than CELL_TIMEOUT_S (default 60), or a
kernel that dies, does: the script then exits 1 and says which cell.
The last line on stdout is a JSON summary: run time, language_info.
"""

import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    kernel, src, dst = sys.argv[1:4]
    timeout = int(sys.argv[4]) if len(sys.argv) == 5 else 60

    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=timeout,
        allow_errors=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    )
    start = time.monotonic()
    try:
        client.execute()
    except Exception as err:  # a hung cell or a dead kernel: save what ran
        nbformat.write(nb, dst)
        print("run_notebook: %s: %s" % (type(err).__name__, err), file=sys.stderr)
        sys.exit(1)
    nbformat.write(nb, dst)
    print(json.dumps({
        "seconds": round(time.monotonic() - start, 3),
        "language_info": nb.metadata.get("language_info", {}),
    }))


if __name__ == "__main__":
    main()
