"""The grade tables (``grades.csv``, ``grades_detail.csv``), exported from the gradebook.

``export_tables`` writes both from the gradebook (scores as nbgrader computes them, manual
grades included) for every submission it holds, sorted, one row per key; the status and
reason of each submission come from ``statuses.json`` (see autograder.gradebook). With a
roster kept in the folder (``autograder.roster``), each roster student without a submission
of a chapter gets a row with the status ``missing`` and 0 points. ``score`` is the raw score
less the late penalty of the course configuration kept there (``autograder.lateness``; the
gradebook's due date where the configuration gives none): ``raw_score``, ``penalty`` and
``hours_late`` (0 when on time or within the grace period; blank where no time or no due
date is known) say how it was reached.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.files import write_atomic
from autograder.gradebook import read_statuses
from autograder.lateness import kept_course_config, lateness
from autograder.lms import CANVAS_LATE_NOTE
from autograder.release import COURSE_ID
from autograder.roster import MISSING, kept_roster

__all__ = ["export_tables", "GRADES_COLUMNS", "DETAIL_COLUMNS"]

GRADES_COLUMNS = ("student", "chapter", "score", "max_score", "status", "detail", "raw_score", "penalty",
                  "hours_late")
DETAIL_COLUMNS = ("student", "chapter", "grade_id", "score", "max_score")


def _number(value: float | None) -> str:
    return "" if value is None else f"{float(value):g}"


def export_tables(db_url: str, out: Path, statuses_path: Path, cell_order: dict[str, list[str]]) -> tuple[Path, Path]:
    """Write ``out/grades.csv`` and ``out/grades_detail.csv`` from the gradebook.

    cell_order: chapter -> grade_ids in notebook order (others sort after, by name).
    """
    from nbgrader.api import Gradebook

    statuses = read_statuses(statuses_path)
    config, roster = kept_course_config(out), kept_roster(out) or []
    rows, detail_rows = [], []
    with Gradebook(db_url, COURSE_ID) as gb:
        for assignment in gb.assignments:
            order = {name: i for i, name in enumerate(cell_order.get(assignment.name, []))}
            max_score, due = assignment.max_score, config.due.get(assignment.name, assignment.duedate)
            for submission in assignment.submissions:
                student = submission.student.id
                status = statuses.get(f"{student}/{assignment.name}", {"status": "graded", "detail": ""})
                late = lateness(submission.timestamp, due, CANVAS_LATE_NOTE in status["detail"], max_score,
                                config.late)
                score = max(0.0, submission.score - late.penalty)
                rows.append((student, assignment.name, _number(score), _number(max_score), status["status"],
                             status["detail"], _number(submission.score), _number(round(late.penalty, 6)),
                             "" if late.hours_late is None else f"{late.hours_late:.2f}"))
                for notebook in submission.notebooks:
                    for grade in sorted(notebook.grades, key=lambda g: (order.get(g.name, len(order)), g.name)):
                        detail_rows.append((student, assignment.name, grade.name, _number(grade.score),
                                            _number(grade.max_score)))
            submitted = {submission.student.id for submission in assignment.submissions}
            rows += [(s.student_id, assignment.name, "0", _number(max_score), MISSING, "nothing submitted",
                      "0", "0", "") for s in roster if s.student_id not in submitted]
    rows.sort(key=lambda r: (r[0], r[1]))
    detail_rows.sort(key=lambda r: (r[0], r[1]))  # stable: keeps the cell order within a submission
    out.mkdir(parents=True, exist_ok=True)
    grades, detail = out / "grades.csv", out / "grades_detail.csv"
    for path, header, body in ((grades, GRADES_COLUMNS, rows), (detail, DETAIL_COLUMNS, detail_rows)):
        text = io.StringIO(newline="")
        writer = csv.writer(text)
        writer.writerow(header)
        writer.writerows(body)
        write_atomic(path, text.getvalue())
    return grades, detail
