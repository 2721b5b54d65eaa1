"""Incremental grading (issue 16, item 2): a run grades only what is new or changed since the last.

"Changed" is decided by the submission's notebook, the chapter's source notebook and release
(what the release is built from), the grader's own version and the grading options;
``force`` grades everything again. A term re-grades the same folder many times.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest

from autograder import fingerprints
from autograder.grading import grade
from autograder.limits import Limits
from autograder.release import release
from autograder.samples import load_mutations, solved, with_answers, write_submission
from autograder.summary import summary_table
from fixtures import support

pytestmark = pytest.mark.grading

CH = "02_backprop"
LIMITS = Limits(cell_timeout=6)


def _graded(run) -> list[str]:
    """The students this run graded (the others were left as before)."""
    return sorted(r.student for r in run.results if not r.unchanged)


def test_a_run_grades_only_what_is_new_or_changed(tmp_path, monkeypatch):
    source = tmp_path / "notebooks"
    shutil.copytree(support.FIXTURE_NOTEBOOKS / CH, source / CH)
    folder = release([CH], tmp_path / "release", source)[CH]
    blank = nbformat.read(folder / f"{CH}.ipynb", as_version=4)
    ok = solved(blank, support.source_notebook(source, CH))
    wrong = load_mutations(CH, support.FIXTURE_MUTATIONS)["relu_backward"]
    subs, out = tmp_path / "submitted", tmp_path / "out"
    write_submission(subs, "ann", CH, ok)
    write_submission(subs, "bob", CH, blank)

    def run(**options):
        return grade(subs, out, jobs=2, source_dir=source, progress=False, **{"limits": LIMITS, **options})

    first = run()
    assert _graded(first) == ["ann", "bob"]
    tables = [(out / name).read_bytes() for name in ("grades.csv", "grades_detail.csv")]

    again = run()
    assert _graded(again) == [] and again.unchanged == 2
    assert [(r.student, r.score, r.status) for r in again.results] == [("ann", 3, "graded"), ("bob", 0, "graded")]
    assert [(out / name).read_bytes() for name in ("grades.csv", "grades_detail.csv")] == tables
    assert "unchanged since the last run: 2 of 2 submission(s), not graded again" in summary_table(again)

    # A student resubmits, another hands in for the first time: only those two are graded.
    write_submission(subs, "bob", CH, with_answers(ok, {"relu_backward": next(iter(wrong.values()))}))
    write_submission(subs, "cy", CH, ok)
    grown = run()
    assert _graded(grown) == ["bob", "cy"] and grown.unchanged == 1
    assert {r.student: r.score for r in grown.results} == {"ann": 3, "bob": 2, "cy": 3}

    # Other options that can change a grade: everything again.
    assert _graded(run(limits=Limits(cell_timeout=7))) == ["ann", "bob", "cy"]
    assert _graded(run(limits=Limits(cell_timeout=7))) == []
    assert _graded(run(limits=Limits(cell_timeout=7), force=True)) == ["ann", "bob", "cy"]

    # The chapter's source notebook changes (a word in its text): everything, with a new release.
    path = source / CH / f"{CH}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += " Now with one more sentence."
    nbformat.write(nb, path)
    changed = run(limits=Limits(cell_timeout=7))
    assert _graded(changed) == ["ann", "bob", "cy"]
    assert "one more sentence" in (out / "release" / CH / f"{CH}.ipynb").read_text()

    # A new version of the grader: everything again.
    monkeypatch.setattr(fingerprints, "grader_version", lambda: "another-grader")
    assert _graded(run(limits=Limits(cell_timeout=7))) == ["ann", "bob", "cy"]
    assert _graded(run(limits=Limits(cell_timeout=7))) == []


def test_a_submission_missing_from_the_gradebook_or_its_feedback_is_graded_again(tmp_path):
    folder = release([CH], tmp_path / "release", support.FIXTURE_NOTEBOOKS)[CH]
    ok = solved(nbformat.read(folder / f"{CH}.ipynb", as_version=4), support.source_notebook(support.FIXTURE_NOTEBOOKS, CH))
    write_submission(tmp_path / "submitted", "ann", CH, ok)
    write_submission(tmp_path / "submitted", "bob", CH, ok)
    out = tmp_path / "out"
    grade(tmp_path / "submitted", out, jobs=1, source_dir=support.FIXTURE_NOTEBOOKS, progress=False, limits=LIMITS)
    (out / "feedback" / "bob" / CH / f"{CH}.html").unlink()
    run = grade(tmp_path / "submitted", out, jobs=1, source_dir=support.FIXTURE_NOTEBOOKS, progress=False,
                limits=LIMITS)
    assert _graded(run) == ["bob"]
    # Another gradebook (--db): nothing in it was graded, so everything is.
    other = f"sqlite:///{tmp_path / 'other.db'}"
    run = grade(tmp_path / "submitted", out, jobs=1, source_dir=support.FIXTURE_NOTEBOOKS, progress=False,
                limits=LIMITS, db_url=other)
    assert _graded(run) == ["ann", "bob"]
