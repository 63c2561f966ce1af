"""Make the workbook's student and solution copies from one source.

usage: /usr/bin/python3 notebooks/nbcopies.py build [--execute KERNEL [--force]] SRC OUT
       /usr/bin/python3 notebooks/nbcopies.py check SRC OUT

build   reads every SRC/*.ipynb and writes OUT/student/ and OUT/solution/
        (same file names), after writing into SRC's notebooks the nbgrader
        metadata their tags call for (see below). With --execute, runs each solution copy top to
        bottom on the kernelspec KERNEL (in a fresh temp folder, so the
        files the notebook writes land there) and saves it with its outputs;
        an error in a cell not tagged raises-exception fails the build. A
        solution copy already run from the same source is kept as it is,
        unless --force.
check   regenerates into a temp folder and compares with OUT: the student
        copies must be identical; the solution copies must have the same
        cells, sources and metadata (outputs and execution counts vary from
        run to run: races are random, timings differ), every code cell must
        have been run, and none may show an error unless tagged
        raises-exception; SRC's nbgrader metadata must follow its tags. Exit status 1, with the reasons, if anything is
        stale.

The convention is nbgrader's (see notebooks/README.md):
- a cell tagged "solution" is an exercise or an answer;
- in it, the lines between one holding "BEGIN SOLUTION" and one holding
  "END SOLUTION" (`// BEGIN SOLUTION` in Go, `### BEGIN SOLUTION` in
  Markdown) are the solution: the solution copy keeps them (without the
  marker lines), the student copy gets a stub instead, indented like the
  marker: `// YOUR CODE HERE` in code, `*Answer here*` in Markdown;
- a solution cell without markers is a solution as a whole;
- markers in a cell without the tag are an error (a forgotten tag would
  hand out the solution).
Tests that grade the exercises (notebooks/README.md, "Test cells"):
- a code cell tagged "test" is a read-only test cell worth 1 point, or N
  with a tag "points=N" (also on a Markdown answer: a manually graded one);
- in it, the lines from one holding "BEGIN HIDDEN TESTS" to one holding
  "END HIDDEN TESTS" are left out of the student copy; the solution copy
  keeps them, markers and all, so the grader (scripts/grade.py) runs them;
- the cells' nbgrader metadata (grade, grade_id = the cell id, points,
  locked, solution) follows from the tags: build writes it into SRC's
  notebooks too, so that nbgrader can use SRC as its source folder, and
  check fails when it is out of date. The student copy's test cells are
  also marked read-only for Jupyter (editable and deletable false).
Needs Debian's python3-nbformat and python3-nbclient; PyPI is not used.
"""

import argparse
import copy
import os
import re
import sys
import tempfile

import nbformat

SOLUTION_TAG = "solution"
TEST_TAG = "test"
POINTS_TAG = "points="  # points=N: what a test cell or a Markdown answer is worth
RAISES_TAG = "raises-exception"  # nbclient's own tag: an error is expected
BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
STUB = {"code": "// YOUR CODE HERE", "markdown": "*Answer here*"}
# nbgrader's cell metadata schema: the version written, the keys it allows,
# the grade_id pattern.
NBGRADER_SCHEMA = 3
NBGRADER_KEYS = {"schema_version", "grade", "locked", "solution", "task", "grade_id", "points", "checksum", "cell_type"}
GRADE_ID = re.compile(r"^[a-zA-Z0-9_\-]*$")


class SourceError(Exception):
    pass


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def split_solution(cell, where):
    """Return the cell's source for (solution copy, student copy)."""
    lines = cell.source.split("\n")
    if any(BEGIN_HIDDEN in l or END_HIDDEN in l for l in lines):
        if TEST_TAG not in tags(cell):
            raise SourceError("%s: hidden-test markers in a cell not tagged %r" % (where, TEST_TAG))
        return cell.source, hide_tests(lines, where)
    marked = any(BEGIN in l or END in l for l in lines)
    if SOLUTION_TAG not in tags(cell):
        if marked:
            raise SourceError("%s: solution markers in a cell not tagged %r" % (where, SOLUTION_TAG))
        return cell.source, cell.source
    if cell.cell_type not in STUB:
        raise SourceError("%s: a %s cell cannot be a solution" % (where, cell.cell_type))
    stub = STUB[cell.cell_type]
    if not marked:
        return cell.source, stub
    solution, student, inside = [], [], False
    for n, line in enumerate(lines, 1):
        if BEGIN in line:
            if inside:
                raise SourceError("%s line %d: %s inside a solution" % (where, n, BEGIN))
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            student.append(indent + stub)
        elif END in line:
            if not inside:
                raise SourceError("%s line %d: %s without %s" % (where, n, END, BEGIN))
            inside = False
        else:
            solution.append(line)
            if not inside:
                student.append(line)
    if inside:
        raise SourceError("%s: %s without %s" % (where, BEGIN, END))
    return "\n".join(solution), "\n".join(student)


def hide_tests(lines, where):
    """The student's version of a test cell: without its hidden tests."""
    student, inside = [], False
    for n, line in enumerate(lines, 1):
        if BEGIN_HIDDEN in line:
            if inside:
                raise SourceError("%s line %d: %s inside hidden tests" % (where, n, BEGIN_HIDDEN))
            inside = True
        elif END_HIDDEN in line:
            if not inside:
                raise SourceError("%s line %d: %s without %s" % (where, n, END_HIDDEN, BEGIN_HIDDEN))
            inside = False
        elif not inside:
            student.append(line)
    if inside:
        raise SourceError("%s: %s without %s" % (where, BEGIN_HIDDEN, END_HIDDEN))
    return "\n".join(student)


def points(cell, where):
    """What the cell is worth: its points=N tag, else 1."""
    given = [t[len(POINTS_TAG):] for t in tags(cell) if t.startswith(POINTS_TAG)]
    if not given:
        return 1
    if len(given) > 1:
        raise SourceError("%s: more than one %sN tag" % (where, POINTS_TAG))
    try:
        p = float(given[0])
    except ValueError:
        raise SourceError("%s: tag %s%s: not a number" % (where, POINTS_TAG, given[0])) from None
    if p < 0:
        raise SourceError("%s: tag %s%s: points cannot be negative" % (where, POINTS_TAG, given[0]))
    return int(p) if p == int(p) else p


def nbgrader_metadata(cell, where):
    """The nbgrader metadata the cell's tags call for, or None.

    A test cell is nbgrader's "autograder tests" cell (graded, locked); a
    code exercise its "autograded answer"; a Markdown answer its "manually
    graded answer" (nbgrader requires a Markdown solution to be graded).
    The grade_id is the cell's id, which all three copies share."""
    t = tags(cell)
    is_test, is_solution = TEST_TAG in t, SOLUTION_TAG in t
    if any(x.startswith(POINTS_TAG) for x in t) and not (is_test or (is_solution and cell.cell_type == "markdown")):
        raise SourceError("%s: a %sN tag on a cell that is neither a test nor a Markdown answer" % (where, POINTS_TAG))
    if not (is_test or is_solution):
        return None
    if is_test and is_solution:
        raise SourceError("%s: a cell cannot be both %r and %r" % (where, TEST_TAG, SOLUTION_TAG))
    if is_test and cell.cell_type != "code":
        raise SourceError("%s: a test cell must be a code cell" % where)
    grade_id = cell.get("id")
    if not grade_id or not GRADE_ID.match(grade_id):
        raise SourceError("%s: its id %r cannot be an nbgrader grade_id (letters, digits, _ and - only)" % (where, grade_id))
    meta = {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": NBGRADER_SCHEMA,
            "solution": is_solution, "task": False}
    if is_test:
        meta.update(grade=True, locked=True, points=points(cell, where))
    elif cell.cell_type == "markdown":
        meta.update(grade=True, points=points(cell, where))
    return meta


def validate_nbgrader(nb, name):
    """Check nb's nbgrader metadata against nbgrader's cell metadata schema
    (version 3) and its validator's rules; raise SourceError if it breaks
    one."""
    ids = set()
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        where = "%s cell %d (id %s)" % (name, i + 1, cell.get("id"))
        if not isinstance(meta, dict):
            raise SourceError("%s: nbgrader metadata is not an object" % where)
        extra = set(meta) - NBGRADER_KEYS
        if extra:
            raise SourceError("%s: nbgrader metadata has unknown keys %s" % (where, sorted(extra)))
        for key in ("schema_version", "grade", "locked", "solution"):
            if key not in meta:
                raise SourceError("%s: nbgrader metadata lacks %r" % (where, key))
        if meta["schema_version"] != NBGRADER_SCHEMA:
            raise SourceError("%s: nbgrader schema_version %r, want %d" % (where, meta["schema_version"], NBGRADER_SCHEMA))
        for key in ("grade", "locked", "solution", "task"):
            if key in meta and not isinstance(meta[key], bool):
                raise SourceError("%s: nbgrader %r must be true or false" % (where, key))
        grade, solution, locked = meta["grade"], meta["solution"], meta["locked"]
        if grade or solution or locked:
            gid = meta.get("grade_id")
            if not isinstance(gid, str) or not gid or not GRADE_ID.match(gid):
                raise SourceError("%s: nbgrader grade_id %r: letters, digits, _ and - only, not empty" % (where, gid))
            if gid in ids:
                raise SourceError("%s: duplicate nbgrader grade_id %r" % (where, gid))
            ids.add(gid)
        if grade:
            p = meta.get("points")
            if isinstance(p, bool) or not isinstance(p, (int, float)) or p < 0:
                raise SourceError("%s: an nbgrader grade cell needs points (a number >= 0), has %r" % (where, p))
        if meta.get("task"):
            if cell.cell_type != "markdown":
                raise SourceError("%s: an nbgrader task cell must be Markdown" % where)
        elif cell.cell_type == "markdown" and grade != solution:
            raise SourceError("%s: an nbgrader Markdown cell must be both graded and a solution, or neither" % where)


def marked_source(path):
    """The source notebook at path, and whether its nbgrader metadata had
    to change to follow its tags."""
    nb = nbformat.read(path, as_version=4)
    changed = False
    for i, cell in enumerate(nb.cells):
        where = "%s cell %d (id %s)" % (os.path.basename(path), i + 1, cell.get("id"))
        want = nbgrader_metadata(cell, where)
        if cell.metadata.get("nbgrader") != want:
            changed = True
            if want is None:
                del cell.metadata["nbgrader"]
            else:
                cell.metadata["nbgrader"] = want
    validate_nbgrader(nb, os.path.basename(path))
    return nb, changed


def blank(cell):
    """Clear what running a cell leaves behind."""
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    cell.metadata.pop("execution", None)


def make_copies(path):
    """Return (solution, student) notebooks for the source at path."""
    src, _ = marked_source(path)
    solution, student = copy.deepcopy(src), copy.deepcopy(src)
    for i, cell in enumerate(src.cells):
        where = "%s cell %d (id %s)" % (os.path.basename(path), i + 1, cell.get("id"))
        solution.cells[i].source, student.cells[i].source = split_solution(cell, where)
        blank(solution.cells[i])
        blank(student.cells[i])
        if cell.metadata.get("nbgrader", {}).get("locked"):
            # Jupyter's own read-only flags, as nbgrader's release sets them.
            student.cells[i].metadata["editable"] = False
            student.cells[i].metadata["deletable"] = False
    for nb in (solution, student):
        nbformat.validate(nb)
        validate_nbgrader(nb, os.path.basename(path))
    return solution, student


def sources(src_dir):
    names = sorted(n for n in os.listdir(src_dir) if n.endswith(".ipynb"))
    if not names:
        raise SourceError("no notebooks in %s" % src_dir)
    return names


def execute(nb, kernel, name):
    """Run nb top to bottom in a fresh folder; an unexpected error fails."""
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="golocks-nb-") as work:
        client = NotebookClient(
            nb,
            kernel_name=kernel,
            timeout=120,
            allow_errors=False,  # except in cells tagged raises-exception
            record_timing=False,  # timestamps would change on every build
            resources={"metadata": {"path": work}},
        )
        try:
            client.execute()
        except Exception as err:
            raise SourceError("%s: %s" % (name, err)) from err
    for cell in nb.cells:
        coalesce_streams(cell)


def coalesce_streams(cell):
    """Merge consecutive outputs of one stream into one, as Jupyter shows
    them: the kernel sends each line a worker prints as an output of its own,
    and thousands of them would make the file many times larger."""
    merged = []
    for out in cell.get("outputs", []):
        last = merged[-1] if merged else None
        if last and out.output_type == last.output_type == "stream" and out.name == last.name:
            last.text += out.text
        else:
            merged.append(out)
    if "outputs" in cell:
        cell.outputs = merged


def mark(src_dir):
    """Write into each source notebook the nbgrader metadata its tags call
    for, leaving the files that need no change untouched."""
    for name in sources(src_dir):
        path = os.path.join(src_dir, name)
        nb, changed = marked_source(path)
        if changed:
            nbformat.write(nb, path)
            print("%s: nbgrader metadata updated from the tags" % path, file=sys.stderr)


def build(src_dir, out_dir, kernel=None, force=False):
    for sub in ("solution", "student"):
        os.makedirs(os.path.join(out_dir, sub), exist_ok=True)
    for name in sources(src_dir):
        solution, student = make_copies(os.path.join(src_dir, name))
        solution_path = os.path.join(out_dir, "solution", name)
        if kernel and not force and up_to_date(solution, solution_path):
            # Its outputs would only change by chance: keep them (and the
            # diff small).
            print("%s: solution copy up to date, not run again" % name, file=sys.stderr)
        else:
            if kernel:
                print("running %s on %s ..." % (name, kernel), file=sys.stderr)
                execute(solution, kernel, name)
            nbformat.write(solution, solution_path)
        nbformat.write(student, os.path.join(out_dir, "student", name))


def comparable(nb):
    """The parts of a solution copy that do not vary between executions."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("language_info", None)  # filled in by the kernel
    for cell in nb.cells:
        blank(cell)
    return nbformat.writes(nb)


def up_to_date(solution, path):
    """Whether the solution copy at path was run from this very source."""
    if not os.path.exists(path):
        return False
    old = nbformat.read(path, as_version=4)
    return comparable(old) == comparable(solution) and not run_problems(old, os.path.basename(path))


def run_problems(nb, name):
    """Problems with a committed solution copy's outputs."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = "solution/%s cell %d (id %s)" % (name, i + 1, cell.get("id"))
        if cell.execution_count is None:
            problems.append(where + ": not run; run `make notebooks`")
        for out in cell.outputs:
            if out.output_type == "error" and RAISES_TAG not in tags(cell):
                problems.append("%s: error %s: %s" % (where, out.get("ename"), out.get("evalue")))
    return problems


def check(src_dir, out_dir):
    problems = []
    for name in sources(src_dir):
        if marked_source(os.path.join(src_dir, name))[1]:
            problems.append("source/%s: its nbgrader metadata does not follow its tags" % name)
    with tempfile.TemporaryDirectory(prefix="golocks-nbcheck-") as fresh:
        build(src_dir, fresh)
        for sub in ("solution", "student"):
            want = set(os.listdir(os.path.join(fresh, sub)))
            have_dir = os.path.join(out_dir, sub)
            have = set(n for n in os.listdir(have_dir) if n.endswith(".ipynb")) if os.path.isdir(have_dir) else set()
            for name in sorted(want - have):
                problems.append("%s/%s: missing" % (sub, name))
            for name in sorted(have - want):
                problems.append("%s/%s: no source for it in %s" % (sub, name, src_dir))
            for name in sorted(want & have):
                new = nbformat.read(os.path.join(fresh, sub, name), as_version=4)
                old = nbformat.read(os.path.join(have_dir, name), as_version=4)
                if sub == "student":
                    same = nbformat.writes(new) == nbformat.writes(old)
                else:
                    same = comparable(new) == comparable(old)
                    problems += run_problems(old, name)
                if not same:
                    problems.append("%s/%s: stale (its source changed)" % (sub, name))
    return problems


def main():
    ap = argparse.ArgumentParser(description="Make and check the workbook's student and solution copies.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write OUT/student and OUT/solution from SRC")
    b.add_argument("--execute", metavar="KERNEL", help="run the solution copies on this kernelspec")
    b.add_argument("--force", action="store_true", help="with --execute, run even the solution copies that are up to date")
    c = sub.add_parser("check", help="fail if the copies in OUT are stale")
    for p in (b, c):
        p.add_argument("src", metavar="SRC")
        p.add_argument("out", metavar="OUT")
    args = ap.parse_args()
    if args.cmd == "build":
        mark(args.src)
        build(args.src, args.out, args.execute, args.force)
        return 0
    problems = check(args.src, args.out)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("notebook copies are stale or broken: run `make notebooks`", file=sys.stderr)
        return 1
    print("notebook copies up to date: %s" % ", ".join(sources(args.src)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SourceError as err:
        print("nbcopies: %s" % err, file=sys.stderr)
        sys.exit(1)
