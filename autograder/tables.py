"""The grade tables (``grades.csv``, ``grades_detail.csv``), exported from the gradebook.

``export_tables`` writes both from the gradebook (``autograder.gradebook.read_grades``: scores
as nbgrader computes them, manual grades included, and the grader's status and reason) for
every submission it holds, sorted, one row per key. A cell that waits for a person has an
empty score.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from autograder.files import write_atomic
from autograder.gradebook import read_grades

__all__ = ["export_tables", "GRADES_COLUMNS", "DETAIL_COLUMNS"]

GRADES_COLUMNS = ("student", "chapter", "score", "max_score", "status", "detail")
DETAIL_COLUMNS = ("student", "chapter", "grade_id", "score", "max_score")


def _number(value: float | None) -> str:
    return "" if value is None else f"{float(value):g}"


def export_tables(db_url: str, out: Path, cell_order: dict[str, list[str]]) -> tuple[Path, Path]:
    """Write ``out/grades.csv`` and ``out/grades_detail.csv`` from the gradebook.

    cell_order: chapter -> grade_ids in notebook order (others sort after, in the gradebook's order).
    """
    rows, detail_rows = [], []
    for sub in read_grades(db_url):
        rows.append((sub.student, sub.chapter, _number(sub.score), _number(sub.max_score), sub.status, sub.detail))
        order = {name: i for i, name in enumerate(cell_order.get(sub.chapter, []))}
        cells = sorted(sub.cells, key=lambda c: order.get(c.grade_id, len(order)))
        detail_rows += [(sub.student, sub.chapter, c.grade_id, _number(c.score), _number(c.max_score)) for c in cells]
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
