"""Grade students' workbook notebooks by running their test cells.

usage: /usr/bin/python3 scripts/grade.py [--json] [--reference DIR] [--kernel NAME]
                                         [--cell-timeout S] [--timeout S] SUBMISSION...

SUBMISSION is a notebook, or a folder searched for notebooks (a folder per
student, as collected). Each notebook is matched by file name with the
instructor's copy in --reference (default: notebooks/solution), and graded:

1. The test cells (nbgrader "autograder tests": grade and locked) and other
   read-only cells are the instructor's: their source is taken from the
   reference, hidden tests included, whatever the student did to them; a
   test cell the student deleted is put back where it was.
2. The notebook runs top to bottom in a fresh kernel (--kernel, default
   golocks), in a fresh temporary folder, each cell bounded by
   --cell-timeout seconds and the whole notebook by --timeout. An error in a
   cell does not stop the run. The submission itself is only read, never
   written.
3. Each test cell scores its points if it ran without an error, zero if it
   failed (with its message), and zero if it was never reached because a
   cell hung or the kernel died (the report says which cell and why).
   Markdown answers (nbgrader "manually graded answers") are listed, not
   scored.

Prints a table per notebook; with --json, one JSON object per notebook, one
per line: {"path", "score", "max_score", "manual_points", "error", "notes",
"cells": [{"grade_id", "exercise", "points", "score", "status", "message"}]}
with status passed, failed, not run or manual ("error" says why a run
stopped early, "notes" which test cells had to be put back). Exit status: 0 when every
notebook was graded (whatever its score), 1 when one could not be (no
reference for it, not a notebook), 2 for bad usage.

It needs Jupyter's client side (Debian's python3-nbclient, python3-nbformat)
and the kernel (`make install-kernel`, or `make grade`, which installs it in
a private folder first); not nbgrader.
"""

import argparse
import copy
import json
import logging
import os
import re
import sys
import tempfile
import time

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REFERENCE = os.path.join(os.path.dirname(HERE), "notebooks", "solution")


class GradeError(Exception):
    """A notebook that cannot be graded at all."""


def nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def cell_key(cell):
    """What matches a cell across copies: its grade_id, else its id."""
    return nbgrader(cell).get("grade_id") or cell.get("id")


def is_test(cell):
    m = nbgrader(cell)
    return bool(m.get("grade")) and not m.get("solution")


def is_manual(cell):
    m = nbgrader(cell)
    return bool(m.get("grade")) and bool(m.get("solution"))


def is_instructors(cell):
    """Cells whose source is the instructor's: tests and read-only cells."""
    m = nbgrader(cell)
    return bool(m.get("locked")) or is_test(cell)


def exercise_name(cell):
    """A test cell's label for the table: "Exercise 4" (or "Exercise 6b"), from its first line."""
    first = cell.source.split("\n", 1)[0]
    m = re.search(r"Exercises? [\d, and]*\d[a-z]?\b", first)
    return m.group(0) if m else cell_key(cell)


def restore(submission, reference):
    """The submission with the instructor's version of every test and
    read-only cell, and notes on what had to be put back."""
    nb = copy.deepcopy(submission)
    notes = []
    index = {cell_key(c): i for i, c in enumerate(nb.cells)}
    previous = None  # the key of the reference cell before the current one
    for ref in reference.cells:
        key = cell_key(ref)
        if is_instructors(ref):
            mine = copy.deepcopy(ref)
            if mine.cell_type == "code":
                mine.outputs = []
                mine.execution_count = None
            if key in index:
                nb.cells[index[key]] = mine
            else:
                at = index[previous] + 1 if previous in index else len(nb.cells)
                nb.cells.insert(at, mine)
                index = {cell_key(c): i for i, c in enumerate(nb.cells)}
                notes.append("test cell %s was missing from the submission: put back" % key)
        previous = key
    return nb, notes


def run(nb, kernel, cell_timeout, timeout):
    """Run nb in a fresh folder; return why it stopped early, or None."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    deadline = time.monotonic() + timeout
    current = {"cell": None}

    def bound(cell):
        current["cell"] = cell
        left = deadline - time.monotonic()
        return max(1, int(min(cell_timeout, left)))

    with tempfile.TemporaryDirectory(prefix="golocks-grade-") as work:
        client = NotebookClient(
            nb,
            kernel_name=kernel,
            timeout_func=bound,
            startup_timeout=120,
            allow_errors=True,
            record_timing=False,
            resources={"metadata": {"path": work}},
        )
        try:
            client.execute()
        except CellTimeoutError:
            c = current["cell"]
            return "cell %s did not finish in time (at most %ds per cell, %ds per notebook)" % (
                cell_key(c) if c is not None else "?", cell_timeout, timeout)
        except DeadKernelError as err:
            c = current["cell"]
            return "the kernel died in cell %s (%s)" % (cell_key(c) if c is not None else "?", one_line(err))
        except Exception as err:  # the kernel did not start, ...
            return "the notebook could not run: %s: %s" % (type(err).__name__, one_line(err))
    return None


def one_line(x):
    return " ".join(str(x).split())


def cell_error(cell):
    """The error a cell ended with, as the student saw it, or None."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return "%s" % (out.get("evalue") or out.get("ename") or "error")
    return None


def grade(path, reference_dir, kernel, cell_timeout, timeout):
    """Grade the notebook at path; return its report (a dict)."""
    report = {"path": path, "score": 0, "max_score": 0, "manual_points": 0, "error": None, "cells": []}
    name = os.path.basename(path)
    ref_path = os.path.join(reference_dir, name)
    if not os.path.exists(ref_path):
        raise GradeError("%s: no notebook named %s in %s to grade it against" % (path, name, reference_dir))
    try:
        with open(path, encoding="utf-8") as f:
            submission = nbformat.read(f, as_version=4)
    except Exception as err:
        raise GradeError("%s: not a notebook: %s" % (path, one_line(err))) from None
    reference = nbformat.read(ref_path, as_version=4)

    nb, notes = restore(submission, reference)
    stopped = run(nb, kernel, cell_timeout, timeout)
    report["error"] = stopped
    report["notes"] = notes

    for cell in nb.cells:
        m = nbgrader(cell)
        if is_manual(cell):
            report["manual_points"] += m.get("points", 0)
            report["cells"].append({"grade_id": cell_key(cell), "exercise": "answer", "points": m.get("points", 0),
                                    "score": None, "status": "manual", "message": "graded by hand"})
            continue
        if not is_test(cell):
            continue
        points = m.get("points", 0)
        entry = {"grade_id": cell_key(cell), "exercise": exercise_name(cell), "points": points, "score": 0}
        err = cell_error(cell)
        ran = cell.get("execution_count") is not None
        if err is not None:
            entry.update(status="failed", message=err)
        elif ran:
            entry.update(status="passed", score=points, message="")
        else:
            entry.update(status="not run", message="not reached: " + (stopped or "the run stopped before it"))
        report["max_score"] += points
        report["score"] += entry["score"]
        report["cells"].append(entry)
    return report


def print_table(report, out):
    print("%s: %s / %s" % (report["path"], fmt(report["score"]), fmt(report["max_score"])), file=out)
    if report["error"]:
        print("  stopped early: %s" % report["error"], file=out)
    for note in report.get("notes", []):
        print("  note: %s" % note, file=out)
    rows = [c for c in report["cells"] if c["status"] != "manual"]
    width = max([len(c["exercise"]) for c in rows] + [8])
    idw = max([len(c["grade_id"]) for c in rows] + [4])
    for c in rows:
        score = "%s / %s" % (fmt(c["score"]), fmt(c["points"]))
        msg = c["message"].split("\n")
        print("  %-*s  %-*s  %7s  %-7s %s" % (width, c["exercise"], idw, c["grade_id"], score, c["status"], msg[0]), file=out)
        for more in msg[1:]:
            print("  %s  %s  %7s  %-7s %s" % (" " * width, " " * idw, "", "", more), file=out)
    manual = [c["grade_id"] for c in report["cells"] if c["status"] == "manual"]
    if manual:
        print("  by hand (%s points, not scored here): %s" % (fmt(report["manual_points"]), ", ".join(manual)), file=out)


def fmt(x):
    return "%g" % x if isinstance(x, (int, float)) else str(x)


def notebooks_in(arg):
    if os.path.isdir(arg):
        found = []
        for root, dirs, files in os.walk(arg):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))  # .ipynb_checkpoints
            found += [os.path.join(root, f) for f in sorted(files) if f.endswith(".ipynb")]
        if not found:
            raise GradeError("%s: no notebooks in this folder" % arg)
        return found
    if not os.path.exists(arg):
        raise GradeError("%s: no such file or folder" % arg)
    return [arg]


def main():
    ap = argparse.ArgumentParser(description="Grade workbook notebooks by running their test cells (see the docstring).")
    ap.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="a notebook, or a folder of them")
    ap.add_argument("--json", action="store_true", help="one JSON object per notebook instead of a table")
    ap.add_argument("--reference", default=DEFAULT_REFERENCE, help="the instructor's notebooks, with the hidden tests (default: %(default)s)")
    ap.add_argument("--kernel", default="golocks", help="the kernelspec to run them on (default: %(default)s)")
    ap.add_argument("--cell-timeout", type=int, default=120, help="seconds a cell may run (default: %(default)s)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds a whole notebook may run (default: %(default)s)")
    args = ap.parse_args()
    # After a dead kernel nbclient leaves a pending task that asyncio
    # reports at exit ("Task was destroyed but it is pending!"): the report
    # already says the kernel died.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    if args.cell_timeout < 1 or args.timeout < 1:
        ap.error("--cell-timeout and --timeout must be at least 1")
    if not os.path.isdir(args.reference):
        ap.error("--reference %s: not a folder" % args.reference)

    failed = False
    paths = []
    for arg in args.submissions:
        try:
            paths += notebooks_in(arg)
        except GradeError as err:
            print("grade: %s" % err, file=sys.stderr)
            failed = True
    for path in paths:
        try:
            report = grade(path, args.reference, args.kernel, args.cell_timeout, args.timeout)
        except GradeError as err:
            print("grade: %s" % err, file=sys.stderr)
            failed = True
            continue
        if args.json:
            print(json.dumps(report), flush=True)
        else:
            print_table(report, sys.stdout)
            sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
