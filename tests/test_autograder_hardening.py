"""Hostile submissions against the grader's sandbox and limits (issue 6).

One batch of hostile students and two honest ones, graded once with 2 workers. The hostile
cells print what they managed to read, write or reach; the tests read those prints in the
executed notebooks (``autograded/``), and check that every honest student's grade, the
gradebook and the release are intact.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.cells import drop_nbgrader_meta, grade_id
from autograder.course import REPO_ROOT
from autograder.grading import GradingRun, grade
from autograder.limits import Limits, MiB
from autograder.release import release
from autograder.samples import solved, with_answers, write_submission
from autograder.sandbox import Sandbox
from autograder.summary import summary_table
from autograder.worker import Result
from fixtures import support

pytestmark = pytest.mark.grading

FIXTURES = support.FIXTURE_NOTEBOOKS
CH = "01_feedforward"
TIMEOUT = 6

# Tries every file a student must not see; prints what it could read (should be nothing).
# The Python environment is mounted read-only (the kernel runs on it); when it lives inside
# the repository (a CI clone's .venv), the repository folder exists but holds only it.
READER = '''import os, socket, sys
found = []
for target in {targets!r}:
    try:
        if os.path.isdir(target):
            entries = [n for n in os.listdir(target)
                       if not (sys.prefix + os.sep).startswith(os.path.join(target, n) + os.sep)]
            if entries:
                found.append((target, sorted(entries)[:5]))
        else:
            with open(target, "rb") as handle:
                found.append((target, handle.read(40)))
    except OSError:
        pass
folder = os.getcwd()
while folder != os.path.dirname(folder):
    folder = os.path.dirname(folder)
    try:
        found += [os.path.join(folder, n) for n in os.listdir(folder) if n.endswith((".db", ".ipynb", ".csv", ".html"))]
    except OSError:
        pass
print("READ", found)
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    print("NETWORK reached")
except OSError as exc:
    print("NETWORK none", type(exc).__name__)
'''

# Walks up from its folder and writes into every .db and .csv it finds, then tries the known
# targets (the gradebook, the tables, the release's nnlib) directly.
VANDAL = '''import os, sqlite3
wrote = []
def vandalize(path):
    try:
        with open(path, "ab") as handle:
            handle.write(b"<<vandalized>>")
        wrote.append(path)
    except OSError:
        pass
    if path.endswith(".db"):
        try:
            db = sqlite3.connect(path, timeout=1)
            db.execute("UPDATE grade SET manual_score = 99")
            db.commit()
            wrote.append("sql:" + path)
        except Exception:
            pass
skip = ("/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc")
folder = os.getcwd()
while True:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip and not d.startswith(".venv")][:50]
        for name in files:
            if name.endswith((".db", ".csv")):
                vandalize(os.path.join(root, name))
    if folder == os.path.dirname(folder):
        break
    folder = os.path.dirname(folder)
for target in {targets!r}:
    vandalize(target)
try:
    with open("nnlib/activations.py", "a") as handle:
        handle.write("\\nsigmoid = lambda z: 0.5\\n")
    wrote.append("nnlib/activations.py")
except OSError:
    pass
print("WROTE", sorted(set(wrote)))
'''

HUGE_PRINT = 'print("x" * 20_000_000)\n'

# Forks sleeping children until the process limit refuses; prints how many it got. The error
# is not caught: the cell fails, as a fork bomb's would.
FORKER = '''import os, time
children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(120)
            os._exit(0)
        children += 1
finally:
    print("FORKED", children)
'''

# Writes one file bigger than the batch's file size limit (8 MiB).
FILLER = '''with open("filler.bin", "wb") as handle:
    for _ in range(16):
        handle.write(b"x" * 2**20)
'''

# Fills its working folder with files each under the file size limit, past the disk limit
# (32 MiB in this batch).
HOARDER = '''for i in range(12):
    with open(f"hoard{i}.bin", "wb") as handle:
        handle.write(b"x" * 6 * 2**20)
'''

# Takes relu from nnlib through an alias, in a cell of its own and in the relu cell.
REFERENCER = '''import nnlib as nl
def relu(z):
    return nl.relu(z)
'''





# The limits of the hostile batch: small enough for the file and disk limits to be reached.
LIMITS = Limits(cell_timeout=TIMEOUT, file_size=8 * MiB, disk=32 * MiB)


def hostile_submissions(root: Path) -> dict[str, tuple]:
    """Write the hostile batch (chapter 01) under root/submitted; student -> (score, status, detail)."""
    rel = release([CH], root / "release", FIXTURES)
    blank = nbformat.read(rel[CH] / f"{CH}.ipynb", as_version=4)
    ok = solved(blank, support.source_notebook(FIXTURES, CH))
    out, subs = root / "out", root / "submitted"
    secrets = [str(FIXTURES / CH / f"{CH}.ipynb"), str(FIXTURES), str(out / "gradebook.db"), str(out / "grades.csv"),
               str(out / "autograded"), str(out / "feedback"), str(subs), str(subs / "honest" / CH / f"{CH}.ipynb"),
               str(REPO_ROOT / "nnlib" / "activations.py"), str(REPO_ROOT),
               str(out / "autograded" / "honest" / CH / f"{CH}.ipynb")]
    relu = support.cell(ok, "relu").source
    expected = {}

    def add(student, nb, score, status="graded", detail=""):
        write_submission(subs, student, CH, nb)
        expected[student] = (score, status, detail)

    add("honest", ok, 5)
    add("honest2", ok, 5)
    add("reader", support.insert_after(ok, "test_sigmoid", READER.format(targets=secrets)), 5)
    add("vandal", support.insert_after(ok, "test_sigmoid", VANDAL.format(targets=secrets)), 5)
    add("hog", with_answers(ok, {"relu": "import numpy as np\nbig = np.ones(3 * 1024**3 // 8)\n" + relu}), 4,
        "memory", "memory limit (limit 2 GiB): out of memory in relu")
    add("chatty", support.insert_after(ok, "test_sigmoid", HUGE_PRINT), 5, "graded", "output cut (100000 characters of text per cell, 5000000 in all)")
    stripped = nbformat.from_dict(json.loads(nbformat.writes(ok)))
    for cell in stripped.cells:
        drop_nbgrader_meta(cell)
    add("stripped", stripped, 5, "graded", "cells matched to the release by position")
    add("forker", support.insert_after(ok, "test_sigmoid", FORKER), 5, "limit",
        "process limit (64 processes and threads) reached in code cell 4")
    add("filler", support.insert_after(ok, "test_sigmoid", FILLER), 5, "limit",
        "file size limit (8 MiB per file) reached in code cell 4")
    add("hoarder", support.insert_after(ok, "test_sigmoid", HOARDER), 5, "limit",
        "disk limit (32 MiB in all) reached in code cell 4")
    add("referencer", with_answers(ok, {"relu": REFERENCER}), 4, "flagged",
        "answer taken from nnlib instead of written: relu, in relu (code cell 5) (test_relu scored 0)")
    return expected


def _grade_batch(root: Path) -> None:
    expected = hostile_submissions(root)
    (root / "expected.json").write_text(json.dumps(expected))
    # Grade everyone twice, so the vandal has a gradebook and tables to attack.
    grade(root / "submitted", root / "out", jobs=2, source_dir=FIXTURES, progress=False, limits=LIMITS)
    grade(root / "submitted", root / "out", jobs=2, source_dir=FIXTURES, progress=False, limits=LIMITS, force=True)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    assert Sandbox.probe().available, "bubblewrap must work here (.ci/run installs it): `bwrap --ro-bind / / true`"
    root = support.computed_once(tmp_path_factory, "hardening-batch", _grade_batch)
    return root, {k: tuple(v) for k, v in json.loads((root / "expected.json").read_text()).items()}


def _printed(root: Path, student: str, word: str) -> str:
    nb = nbformat.read(root / "out" / "autograded" / student / CH / f"{CH}.ipynb", as_version=4)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith(word):
                    return line
    raise AssertionError(f"{student} printed no {word!r} line")


def test_each_hostile_submission_gets_its_status_and_honest_grades_are_intact(batch):
    root, expected = batch
    rows = {r["student"]: r for r in support.table(root / "out" / "grades.csv")}
    assert set(rows) == set(expected)
    for student, (score, status, detail) in expected.items():
        row = rows[student]
        assert (float(row["score"]), row["status"]) == (score, status), (student, row)
        assert detail in row["detail"], (student, row["detail"])
    from nbgrader.api import Grade, Gradebook

    with Gradebook(f"sqlite:///{root / 'out' / 'gradebook.db'}", "nncourse") as gb:
        for submission in gb.assignment_submissions(CH):
            assert submission.score == float(rows[submission.student.id]["score"])
        assert gb.db.query(Grade).filter(Grade.manual_score.isnot(None)).count() == 0, "no grade was overwritten"


def test_student_code_reads_no_hidden_test_gradebook_other_student_or_network(batch):
    root, _ = batch
    assert _printed(root, "reader", "READ") == "READ []"
    assert _printed(root, "reader", "NETWORK").startswith("NETWORK none")


def test_student_code_writes_nowhere_but_its_scratch_folder(batch):
    root, _ = batch
    assert _printed(root, "vandal", "WROTE") == "WROTE []"
    assert b"<<vandalized>>" not in (root / "out" / "gradebook.db").read_bytes()
    assert "<<vandalized>>" not in (root / "out" / "grades.csv").read_text()
    assert "sigmoid = lambda" not in (root / "release" / CH / "nnlib" / "activations.py").read_text()
    assert "sigmoid = lambda" not in (root / "out" / "release" / CH / "nnlib" / "activations.py").read_text()


def test_a_huge_print_does_not_make_a_huge_feedback_page(batch):
    root, _ = batch
    feedback = root / "out" / "feedback" / "chatty" / CH / f"{CH}.html"
    autograded = root / "out" / "autograded" / "chatty" / CH / f"{CH}.ipynb"
    assert feedback.stat().st_size < 1_000_000 and autograded.stat().st_size < 1_000_000
    assert "[output truncated" in support.html_text(feedback)


def test_the_memory_limit_raises_memoryerror_in_the_cell_and_the_rest_keeps_its_points(batch):
    root, _ = batch
    detail = {r["grade_id"]: float(r["score"]) for r in support.table(root / "out" / "grades_detail.csv")
              if r["student"] == "hog"}
    assert detail == {"test_sigmoid": 2, "test_relu": 0, "test_softmax": 2}
    assert "MemoryError" in support.html_text(root / "out" / "feedback" / "hog" / CH / f"{CH}.html")


def test_without_a_sandbox_the_kernel_still_runs_and_the_table_says_so(runner, tmp_path):
    runtime = release([CH], tmp_path / "release", FIXTURES)[CH]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nprint(os.path.isdir(%r))" % str(REPO_ROOT))])
    execution = runner.run(nb, runtime, Limits(sandbox=False))
    assert not execution.sandboxed and nb.cells[0].outputs[0]["text"].strip() == "True"
    results = [Result("ann", CH, "graded", "", {"t": 1.0}, {"t": 1.0}, sandboxed=False),
               Result("bob", CH, "graded", "", {"t": 1.0}, {"t": 1.0}, sandboxed=False)]
    table = summary_table(GradingRun(results, tmp_path, tmp_path / "g.csv", tmp_path / "d.csv"))
    warnings = [line for line in table.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and warnings[0].startswith("WARNING: no sandbox") and "2 submission" in warnings[0]
    # Sandboxed, but a limit could not be set: one line per missing limit.
    results = [Result("ann", CH, "graded", "", {"t": 1.0}, {"t": 1.0}, unenforced=("processes", "disk")),
               Result("bob", CH, "graded", "", {"t": 1.0}, {"t": 1.0}, unenforced=("disk",))]
    table = summary_table(GradingRun(results, tmp_path, tmp_path / "g.csv", tmp_path / "d.csv"))
    warnings = [line for line in table.splitlines() if "WARNING" in line]
    assert [w.split(" (")[0] for w in warnings] == ["WARNING: no process limit", "WARNING: no disk limit"]
    assert warnings[0].endswith("for 1 submission(s).") and warnings[1].endswith("for 2 submission(s).")
    assert sys.platform != "linux" or Sandbox.probe().available


def test_a_fork_bomb_stops_at_the_process_limit(batch):
    root, _ = batch
    forked = int(_printed(root, "forker", "FORKED").split()[1])
    assert 20 < forked < 64, "the kernel's own threads count towards the 64"
    feedback = support.html_text(root / "out" / "feedback" / "forker" / CH / f"{CH}.html")
    assert "BlockingIOError" in feedback and "process limit" in feedback
