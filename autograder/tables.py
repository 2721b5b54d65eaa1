"""The grade tables (``grades.csv``, ``grades_detail.csv``), exported from the gradebook.

``export_tables`` writes both from the gradebook (``autograder.gradebook.read_grades``: scores
as nbgrader computes them, manual grades included, and the grader's status and reason) for
every submission it holds, sorted, one row per key. A cell that waits for a person has an
empty score. With a roster kept in the folder (``autograder.roster``), each roster student
without a submission of a chapter gets a row with the status ``missing`` and 0 points.
``score`` is the raw score less the late penalty of the course configuration kept there
(``autograder.lateness``; the gradebook's due date where the configuration gives none):
``raw_score``, ``penalty`` and ``hours_late`` (0 when on time or within the grace period;
blank where no time or no due date is known) say how it was reached.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from nbgrader.utils import parse_utc

from autograder.files import write_atomic
from autograder.gradebook import read_grades
from autograder.lateness import kept_course_config, lateness
from autograder.lms import CANVAS_LATE_NOTE
from autograder.roster import MISSING, kept_roster

__all__ = ["export_tables", "GRADES_COLUMNS", "DETAIL_COLUMNS"]

GRADES_COLUMNS = ("student", "chapter", "score", "max_score", "status", "detail", "raw_score", "penalty",
                  "hours_late")
DETAIL_COLUMNS = ("student", "chapter", "grade_id", "score", "max_score")


def _number(value: float | None) -> str:
    return "" if value is None else f"{float(value):g}"


def export_tables(db_url: str, out: Path, cell_order: dict[str, list[str]]) -> tuple[Path, Path]:
    """Write ``out/grades.csv`` and ``out/grades_detail.csv`` from the gradebook.

    cell_order: chapter -> grade_ids in notebook order (others sort after, in the gradebook's order).
    """
    config, roster = kept_course_config(out), kept_roster(out) or []
    rows, detail_rows, submitted, max_scores = [], [], set(), {}
    for sub in read_grades(db_url):
        submitted.add((sub.student, sub.chapter))
        max_scores[sub.chapter] = sub.max_score
        late = lateness(parse_utc(sub.timestamp) if sub.timestamp else None, config.due.get(sub.chapter, sub.duedate),
                        CANVAS_LATE_NOTE in sub.detail, sub.max_score, config.late)
        score = max(0.0, sub.score - late.penalty)
        rows.append((sub.student, sub.chapter, _number(score), _number(sub.max_score), sub.status, sub.detail,
                     _number(sub.score), _number(round(late.penalty, 6)),
                     "" if late.hours_late is None else f"{late.hours_late:.2f}"))
        order = {name: i for i, name in enumerate(cell_order.get(sub.chapter, []))}
        cells = sorted(sub.cells, key=lambda c: order.get(c.grade_id, len(order)))
        detail_rows += [(sub.student, sub.chapter, c.grade_id, _number(c.score), _number(c.max_score)) for c in cells]
    rows += [(s.student_id, chapter, "0", _number(max_score), MISSING, "nothing submitted", "0", "0", "")
             for chapter, max_score in max_scores.items() for s in roster if (s.student_id, chapter) not in submitted]
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
