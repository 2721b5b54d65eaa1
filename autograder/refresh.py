"""Feedback pages made again from the gradebook: after grading by hand, with nothing hidden.

nbgrader's way to put manual grades on a feedback page (``nbgrader generate_feedback
--force``, or the formgrader's button) renders the executed notebook as it is, hidden tests
and all. ``refresh_feedback`` renders the grader's page again instead
(``autograder.feedback.render_feedback``, from the executed notebook in ``autograded/``):
each cell's score as the gradebook holds it (a manual score where a person set one), the
comments written in the formgrader, the submission's status notes. A submission that could
not run (invalid) keeps its page. ``python -m autograder feedback`` runs
it; ``grade`` runs it for the submissions it graded whose gradebook entry has a mark set
by hand, so a re-grade keeps them on the page.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from autograder.assignment import Assignment
from autograder.feedback import render_feedback
from autograder.files import write_atomic
from autograder.gradebook import SubmissionGrade, read_grades

__all__ = ["refresh_feedback", "refresh_pages"]


def refresh_feedback(out: Path, db_url: str, chapters: list[str] | None = None,
                     students: list[str] | None = None) -> list[Path]:
    """Render again the feedback page of every submission in the gradebook at ``db_url`` (or
    of ``chapters`` and ``students``) whose executed notebook is in ``out/autograded``;
    return the pages written."""
    return refresh_pages(Path(out), read_grades(db_url, chapters, students))


def refresh_pages(out: Path, grades: list[SubmissionGrade]) -> list[Path]:
    """The feedback page of each of ``grades``, written into ``out/feedback`` (see the module)."""
    assignments: dict[str, Assignment | None] = {}
    written = []
    for sub in grades:
        executed = out / "autograded" / sub.student / sub.chapter / f"{sub.chapter}.ipynb"
        if sub.chapter not in assignments:
            assignments[sub.chapter] = _released(out, sub.chapter)
        assignment = assignments[sub.chapter]
        if assignment is None or not executed.is_file() or sub.status == "invalid":
            continue  # nothing ran: its page says what was wrong, and stays
        nb = nbformat.read(executed, as_version=4)
        page = render_feedback(nb, assignment, {c.grade_id: c.score for c in sub.cells},
                               [sub.detail] if sub.detail else [],
                               comments={c.grade_id: c.comment for c in sub.cells if c.comment})
        written.append(write_atomic(out / "feedback" / sub.student / sub.chapter / f"{sub.chapter}.html", page))
    return written


def _released(out: Path, chapter: str) -> Assignment | None:
    """The chapter as released into ``out`` (what the page shows of its locked cells)."""
    release_nb = out / "release" / chapter / f"{chapter}.ipynb"
    if not release_nb.is_file():
        return None
    return Assignment(chapter, release_nb.read_text(encoding="utf-8"), {}, str(release_nb.parent))
