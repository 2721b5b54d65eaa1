"""``python -m autograder grade`` end to end, on the grader's fixture chapters.

One batch of submissions, each written the way a student (or a broken upload) would produce
it, graded once in-process with 2 workers; the tests read the tables, the gradebook and the
feedback pages it wrote. A second run through the command line re-grades the same folder
and must give identical tables.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest
from nbgrader.utils import compute_checksum

from autograder.cells import grade_id
from autograder.course import REPO_ROOT
from autograder.grading import GradingError, grade
from autograder.limits import Limits
from autograder.release import release
from autograder.samples import load_mutations, solved, with_answers, write_submission
from fixtures import support

pytestmark = pytest.mark.grading

FIXTURES = support.FIXTURE_NOTEBOOKS
TIMEOUT = 6  # seconds per cell: the fixture's cells take milliseconds
LIMITS = Limits(cell_timeout=TIMEOUT)

NAIVE_SIGMOID = '''def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))   # overflows (a RuntimeWarning) but is right
'''
NOISY_RELU = '''import sys
def relu(z):
    print("debugging relu", file=sys.stderr)
    return np.maximum(z, 0)
'''
ANSWER_FROM_NNLIB = "from nnlib.activations import sigmoid\n"
LEAKY_RELU = '''import inspect, linecache
def relu(z):
    # Prints the source of the cells that call it: the test cell, as the kernel ran it.
    for frame in inspect.stack()[1:]:
        if "ipykernel_" in frame.filename:
            print("".join(linecache.getlines(frame.filename)))
    return np.maximum(z, 0)
'''
STUBBORN_CELL = '''import time
while True:
    try:
        time.sleep(1)
    except KeyboardInterrupt:
        pass
'''



def _without(nb, *grade_ids):
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if grade_id(c) not in grade_ids]
    return out



def write_batch(root):
    """Write the batch; return {(student, chapter): (expected score, status, words in detail)}."""
    rel = release(["01_feedforward", "02_backprop"], root / "release", FIXTURES)
    blank1 = nbformat.read(rel["01_feedforward"] / "01_feedforward.ipynb", as_version=4)
    blank2 = nbformat.read(rel["02_backprop"] / "02_backprop.ipynb", as_version=4)
    ok1 = solved(blank1, support.source_notebook(FIXTURES, "01_feedforward"))
    ok2 = solved(blank2, support.source_notebook(FIXTURES, "02_backprop"))
    wrong = load_mutations("01_feedforward", support.FIXTURE_MUTATIONS)
    wrong2 = load_mutations("02_backprop", support.FIXTURE_MUTATIONS)
    subs = root / "submitted"
    ch1, ch2 = "01_feedforward", "02_backprop"
    expected = {}

    def add(student, chapter, nb, score, status="graded", detail=""):
        write_submission(subs, student, chapter, nb)
        expected[student, chapter] = (score, status, detail)

    add("solved", ch1, ok1, 5)
    add("solved", ch2, ok2, 3)
    add("blank", ch1, blank1, 0)
    add("blank", ch2, blank2, 0)
    add("partly_wrong", ch1, with_answers(ok1, {"sigmoid": wrong["sigmoid"]["sign_flipped"]}), 3)
    add("partly_wrong", ch2, with_answers(ok2, {"relu_backward": wrong2["relu_backward"]["gradient_of_output_not_input"]}), 2)
    # A warning does not cost points; other stderr text still does (nbgrader's rule).
    add("warnings", ch1, with_answers(ok1, {"sigmoid": NAIVE_SIGMOID, "relu": NOISY_RELU}), 4)
    # A deleted test cell is put back and graded: relu is wrong, so its point is lost (-1).
    cheat = with_answers(ok1, {"relu": wrong["relu"]["absolute_value"]})
    add("deleted_test", ch1, _without(cheat, "test_relu"), 4, detail="deleted test cells restored and graded: test_relu")
    # Importing the answer from nnlib: flagged, and that exercise's test scores 0 (-2).
    add("imports_answer", ch1, with_answers(ok1, {"sigmoid": ANSWER_FROM_NNLIB}), 3, "flagged",
        "answer taken from nnlib instead of written: sigmoid, in sigmoid (code cell 2) (test_sigmoid scored 0)")
    # An edited test cell is restored from the gradebook, and the submission flagged.
    edited = with_answers(ok1, {"sigmoid": wrong["sigmoid"]["sign_flipped"]})
    support.cell(edited, "test_sigmoid").source = "assert True"
    add("edited_test", ch1, edited, 3, "flagged", "edited locked cells restored from the release: test_sigmoid")
    # A notebook from an older release: a test worded differently (consistent with its own
    # nbgrader checksum) and no softmax exercise yet. Graded; the missing exercise scores 0.
    older = _without(ok1, "softmax", "test_softmax")
    test = support.cell(older, "test_relu")
    test.source = test.source.replace("relu(-1) is 0", "relu of -1 is 0")
    test.metadata["nbgrader"]["checksum"] = compute_checksum(test)
    add("older_release", ch1, older, 3,
        detail="exercises missing from the notebook (older release?), graded as unanswered: softmax")
    # Prints the test cell it is called from, as the kernel holds it (feedback must show no
    # hidden line), and the notebook was renamed.
    add("leaky", ch1, with_answers(ok1, {"relu": LEAKY_RELU}), 5, detail="renamed to homework.ipynb")
    (subs / "leaky" / ch1 / f"{ch1}.ipynb").rename(subs / "leaky" / ch1 / "homework.ipynb")
    add("not_json", ch1, ok1, 0, "invalid", "not valid JSON")
    (subs / "not_json" / ch1 / f"{ch1}.ipynb").write_text('{"cells": [', encoding="utf-8")
    add("empty_folder", ch2, ok2, 0, "invalid", "no notebook in the folder")
    (subs / "empty_folder" / ch2 / f"{ch2}.ipynb").unlink()
    # A cell that runs too long is interrupted; the rest of the notebook still runs.
    add("slow", ch1, with_answers(ok1, {"relu": "while True:\n    pass\n"}), 4, "timeout", "interrupted after")
    # A cell that ignores the interrupt: the kernel is stopped, later cells are not run.
    add("stubborn", ch1, support.insert_after(ok1, "test_relu", STUBBORN_CELL), 3, "timeout", "ignored the interrupt")
    # sys.exit() in a solution cell, and in a function the test calls: each costs its own
    # test, the kernel goes on, and the detail says where.
    add("exits", ch1, with_answers(ok1, {"relu": "import sys\nsys.exit(1)\n",
                                         "softmax": "import sys\ndef softmax(z):\n    sys.exit(0)\n"}), 2,
        detail="sys.exit() called in relu (code cell 5), test_softmax")
    # The kernel dies in the softmax cell: what ran before it keeps its points.
    add("crash", ch1, with_answers(ok1, {"softmax": "import os\nos._exit(1)\n"}), 3, "error", "the kernel died")
    return expected



def _grade_batch(root):
    expected = write_batch(root)
    (root / "expected.json").write_text(json.dumps([[s, c, *v] for (s, c), v in expected.items()]))
    grade(root / "submitted", root / "out", jobs=2, source_dir=FIXTURES, progress=False, limits=LIMITS)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """(folder, {(student, chapter): (score, status, detail)}): the batch, graded once per session."""
    root = support.computed_once(tmp_path_factory, "grading-batch", _grade_batch)
    expected = {(s, c): (score, status, detail)
                for s, c, score, status, detail in json.loads((root / "expected.json").read_text())}
    return root, expected


def test_every_submission_gets_its_score_status_and_reason(batch):
    root, expected = batch
    rows = {(r["student"], r["chapter"]): r for r in support.table(root / "out" / "grades.csv")}
    assert set(rows) == set(expected), "one row per student and chapter, no more"
    problems = []
    for key, (score, status, detail) in expected.items():
        row = rows[key]
        if float(row["score"]) != score or row["status"] != status or detail not in row["detail"]:
            problems.append(f"{key}: got {row['score']} {row['status']} {row['detail']!r}, "
                            f"expected {score} {status} {detail!r}")
    assert not problems, "\n".join(problems)
    assert all(float(r["max_score"]) == (5 if r["chapter"] == "01_feedforward" else 3) for r in rows.values())


def test_a_wrong_function_loses_only_its_own_test(batch):
    root, _ = batch
    detail = {(r["student"], r["chapter"], r["grade_id"]): float(r["score"]) for r in
              support.table(root / "out" / "grades_detail.csv")}
    assert detail["partly_wrong", "01_feedforward", "test_sigmoid"] == 0
    assert detail["partly_wrong", "01_feedforward", "test_relu"] == 1
    assert detail["partly_wrong", "01_feedforward", "test_softmax"] == 2
    assert detail["warnings", "01_feedforward", "test_sigmoid"] == 2  # warning only: passes
    assert detail["warnings", "01_feedforward", "test_relu"] == 0     # other stderr: fails
    assert detail["older_release", "01_feedforward", "test_softmax"] == 0
    assert detail["crash", "01_feedforward", "test_softmax"] == 0
    grade_ids = [r["grade_id"] for r in support.table(root / "out" / "grades_detail.csv")
                 if r["student"] == "solved" and r["chapter"] == "01_feedforward"]
    assert grade_ids == ["test_sigmoid", "test_relu", "test_softmax"], "cells in notebook order"


def test_feedback_shows_results_but_no_hidden_test_and_no_other_file(batch):
    root, expected = batch
    hidden = set()
    for chapter in ("01_feedforward", "02_backprop"):
        hidden |= support.secret_lines(support.source_notebook(FIXTURES, chapter))[0]
    feedback = root / "out" / "feedback"
    files = sorted(p for p in feedback.rglob("*") if p.is_file())
    # One HTML page per submission, and the two files nbgrader's release_feedback reads; nothing else.
    assert files == sorted(feedback / s / c / name for s, c in expected
                           for name in (f"{c}.html", "submission_secret.txt", "timestamp.txt"))
    for path in (p for p in files if p.suffix == ".html"):
        text = support.html_text(path)
        leaked = [line for line in hidden if line in text]  # anywhere, not only as a whole line
        assert not leaked, f"{path} shows hidden-test lines: {leaked[:2]}"
        assert "HIDDEN TESTS" not in text
    wrong = support.html_text(feedback / "partly_wrong" / "01_feedforward" / "01_feedforward.html")
    assert "Score: 3.0 / 5.0" in wrong and "Score: 0.0 / 2.0" in wrong
    assert "AssertionError" in wrong and "sigmoid is wrong for large or small inputs" in wrong
    assert 'assert np.isclose(sigmoid(0.0), 0.5), "sigmoid(0) should be 0.5"' in wrong  # the visible test
    leaky = support.html_text(feedback / "leaky" / "01_feedforward" / "01_feedforward.html")
    # What the student's relu read back from the kernel: the test cell with a freeze point
    # where its hidden region stood (the region ran later, in a copy of the kernel).
    assert "__autograder_freeze(" in leaky
    crash = support.html_text(feedback / "crash" / "01_feedforward" / "01_feedforward.html")
    assert "the kernel died" in crash


def test_results_are_in_nbgraders_gradebook(batch):
    from nbgrader.api import Gradebook

    root, expected = batch
    rows = {(r["student"], r["chapter"]): float(r["score"]) for r in support.table(root / "out" / "grades.csv")}
    with Gradebook(f"sqlite:///{root / 'out' / 'gradebook.db'}", "nncourse") as gb:
        for chapter in ("01_feedforward", "02_backprop"):
            submissions = gb.assignment_submissions(chapter)
            assert sorted(s.student.id for s in submissions) == sorted(s for s, c in expected if c == chapter)
            for submission in submissions:
                assert submission.score == rows[submission.student.id, chapter]
                assert not submission.needs_manual_grade
        comment = gb.find_comment("sigmoid", "01_feedforward", "01_feedforward", "blank")
        assert comment.auto_comment == "No response."
    assert (root / "out" / "autograded" / "solved" / "01_feedforward" / "01_feedforward.ipynb").is_file()


def test_regrading_through_the_command_gives_the_same_tables(batch, tmp_path):
    root, expected = batch
    out = tmp_path / "out"
    shutil.copytree(root / "out", out)  # re-grade a copy: other tests read the original
    before = [(out / name).read_bytes() for name in ("grades.csv", "grades_detail.csv")]
    command = [sys.executable, "-m", "autograder", "grade", str(root / "submitted"), "--out", str(out),
               "--jobs", "2", "--timeout", str(TIMEOUT), "--source", str(FIXTURES), "--force"]
    again = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "grading: 100%" in again.stderr, "a progress bar while grading"
    assert "partly_wrong" in again.stdout and "3/5" in again.stdout, "the summary table"
    after = [(out / name).read_bytes() for name in ("grades.csv", "grades_detail.csv")]
    assert after == before
    from nbgrader.api import Grade, Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", "nncourse") as gb:
        n01 = sum(c == "01_feedforward" for _, c in expected)
        assert len(gb.assignment_submissions("01_feedforward")) == n01
        # No duplicate grades: 3 test cells per 01 submission, 2 per 02 submission.
        assert gb.db.query(Grade).count() == 3 * n01 + 2 * (len(expected) - n01)


def test_grade_command_exits_nonzero_only_when_it_cannot_grade(tmp_path):
    missing = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "nothing"),
                              "--out", str(tmp_path / "out")], cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=300)
    assert missing.returncode == 2 and "neither a folder" in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "empty"), "--out",
                            str(tmp_path / "out"), "--source", str(FIXTURES)], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=300)
    assert empty.returncode == 2 and "no submissions found" in empty.stderr


def test_regrading_after_fixing_a_hidden_test_uses_the_fixed_test(tmp_path):
    source = tmp_path / "notebooks"
    shutil.copytree(FIXTURES / "02_backprop", source / "02_backprop")
    folder = release(["02_backprop"], tmp_path / "release", source)["02_backprop"]
    answer = solved(nbformat.read(folder / "02_backprop.ipynb", as_version=4),
                    support.source_notebook(source, "02_backprop"))
    write_submission(tmp_path / "submitted", "alice", "02_backprop", answer)
    out = tmp_path / "out"
    grade(tmp_path / "submitted", out, jobs=1, source_dir=source, progress=False, limits=LIMITS)
    assert [(r["student"], r["score"]) for r in support.table(out / "grades.csv")] == [("alice", "3")]

    # The instructor changes a hidden test (here: one that this answer fails) and re-grades.
    path = source / "02_backprop" / "02_backprop.ipynb"
    nb = nbformat.read(path, as_version=4)
    test = support.cell(nb, "test_relu_backward")
    test.source = test.source.replace("### END HIDDEN TESTS",
                                      'assert relu_backward(np.ones(1), np.ones(1))[0] == 2.0, "the fixed test"\n'
                                      "### END HIDDEN TESTS")
    nbformat.write(nb, path)
    grade(tmp_path / "submitted", out, jobs=1, source_dir=source, progress=False, limits=LIMITS)
    assert [(r["student"], r["score"], r["status"]) for r in support.table(out / "grades.csv")] == [("alice", "2", "graded")]
    feedback = support.html_text(out / "feedback" / "alice" / "02_backprop" / "02_backprop.html")
    assert "the fixed test" in feedback and "relu_backward(np.ones(1), np.ones(1))[0] == 2.0" not in feedback


def test_a_zip_of_the_submissions_folder_is_graded_like_the_folder(tmp_path):
    folder = release(["02_backprop"], tmp_path / "release", FIXTURES)["02_backprop"]
    blank = nbformat.read(folder / "02_backprop.ipynb", as_version=4)
    answer = solved(blank, support.source_notebook(FIXTURES, "02_backprop"))
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("submitted/alice/02_backprop/02_backprop.ipynb", nbformat.writes(answer))
        # A chapter folder may hold a zip of the notebook instead of the notebook.
        inner = tmp_path / "inner.zip"
        with zipfile.ZipFile(inner, "w") as zi:
            zi.writestr("02_backprop.ipynb", nbformat.writes(blank))
        zf.write(inner, "submitted/bob/02_backprop/upload.zip")
    run = grade(archive, tmp_path / "out", jobs=2, source_dir=FIXTURES, progress=False, limits=LIMITS)
    assert [(r.student, r.score, r.status) for r in run.results] == [("alice", 3, "graded"), ("bob", 0, "graded")]
    assert "notebook taken from upload.zip" in run.results[1].detail

    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../outside/02_backprop.ipynb", "{}")
    with pytest.raises(GradingError, match="unsafe path"):
        grade(evil, tmp_path / "out2", jobs=1, source_dir=FIXTURES, progress=False)
    assert not (tmp_path / "outside").exists()
