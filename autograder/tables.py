"""The grade tables (``grades.csv``, ``grades_detail.csv``), exported from the gradebook.

``export_tables`` writes both from the gradebook (scores as nbgrader computes them, manual
grades included) for every submission it holds, sorted, one row per key; the status and
reason of each submission come from ``statuses.json`` (see autograder.gradebook).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.files import write_atomic
from autograder.gradebook import read_statuses
from autograder.release import COURSE_ID

__all__ = ["export_tables", "GRADES_COLUMNS", "DETAIL_COLUMNS"]

GRADES_COLUMNS = ("student", "chapter", "score", "max_score", "status", "detail")
DETAIL_COLUMNS = ("student", "chapter", "grade_id", "score", "max_score")


def _number(value: float | None) -> str:
    return "" if value is None else f"{float(value):g}"


def export_tables(db_url: str, out: Path, statuses_path: Path, cell_order: dict[str, list[str]]) -> tuple[Path, Path]:
    """Write ``out/grades.csv`` and ``out/grades_detail.csv`` from the gradebook.

    cell_order: chapter -> grade_ids in notebook order (others sort after, by name).
    """
    from nbgrader.api import Gradebook

    statuses = read_statuses(statuses_path)
    rows, detail_rows = [], []
    with Gradebook(db_url, COURSE_ID) as gb:
        for assignment in gb.assignments:
            order = {name: i for i, name in enumerate(cell_order.get(assignment.name, []))}
            for submission in assignment.submissions:
                student = submission.student.id
                status = statuses.get(f"{student}/{assignment.name}", {"status": "graded", "detail": ""})
                rows.append((student, assignment.name, _number(submission.score), _number(assignment.max_score),
                             status["status"], status["detail"]))
                for notebook in submission.notebooks:
                    for grade in sorted(notebook.grades, key=lambda g: (order.get(g.name, len(order)), g.name)):
                        detail_rows.append((student, assignment.name, grade.name, _number(grade.score),
                                            _number(grade.max_score)))
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
