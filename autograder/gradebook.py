"""The gradebook's only writer, and the grade tables exported from it.

Worker processes never open the gradebook; the parent process records each ``Result`` as it
arrives (``GradebookWriter.record``), the way nbgrader's autograde would: the student, the
submission (with its timestamp), ``auto_score`` of every graded cell, "No response." on
untouched solution cells. A grade an instructor set by hand (``manual_score``) is kept and
flagged for review, as nbgrader does. Recording the same submission again overwrites its
scores, so re-grading never duplicates anything.

nbgrader's gradebook has no place for the grader's status and reason, so those are kept in
``statuses.json`` next to the tables. ``export_tables`` writes ``grades.csv`` and
``grades_detail.csv`` from the gradebook (scores as nbgrader computes them, manual grades
included) for every submission it holds, sorted, one row per key.
"""

from __future__ import annotations

import csv
import json
import os
import warnings
from pathlib import Path

from autograder.release import COURSE_ID
from autograder.worker import Result

__all__ = ["GradebookWriter", "export_tables", "GRADES_COLUMNS", "DETAIL_COLUMNS"]

GRADES_COLUMNS = ("student", "chapter", "score", "max_score", "status", "detail")
DETAIL_COLUMNS = ("student", "chapter", "grade_id", "score", "max_score")


class GradebookWriter:
    """Open the gradebook at ``db_url`` once and record results into it."""

    def __init__(self, db_url: str, statuses_path: Path) -> None:
        from nbgrader.api import Gradebook

        self.gb = Gradebook(db_url, COURSE_ID)
        self.statuses_path = Path(statuses_path)
        self.statuses = _read_statuses(self.statuses_path)

    def close(self) -> None:
        _write_json(self.statuses_path, self.statuses)
        self.gb.close()

    def __enter__(self) -> GradebookWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def record(self, result: Result) -> None:
        from sqlalchemy.exc import SAWarning

        # nbgrader's add_submission triggers harmless "not in session" warnings on SQLAlchemy 2.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            self._record(result)

    def _record(self, result: Result) -> None:
        from nbgrader.api import Comment, Grade

        gb = self.gb
        gb.update_or_create_student(result.student)
        if result.timestamp:
            submission = gb.update_or_create_submission(result.chapter, result.student, timestamp=result.timestamp)
        else:
            submission = gb.update_or_create_submission(result.chapter, result.student)
        notebook = next(nb for nb in submission.notebooks if nb.name == result.chapter)
        grades = {grade.name: grade for grade in notebook.grades}
        for cell in notebook.notebook.grade_cells:
            if cell.name not in grades:  # a cell added to the source after this submission was recorded
                grades[cell.name] = Grade(cell_id=cell.id, notebook=notebook)
        for name, grade in grades.items():
            score = result.scores.get(name, 0.0)
            grade.auto_score = score
            grade.needs_manual_grade = score is None or grade.manual_score is not None
        comments = {comment.name: comment for comment in notebook.comments}
        for cell in notebook.notebook.solution_cells:
            comment = comments.get(cell.name) or Comment(cell_id=cell.id, notebook=notebook)
            comment.auto_comment = "No response." if cell.name in result.unanswered else None
        gb.db.commit()
        self.statuses[f"{result.student}/{result.chapter}"] = {"status": result.status, "detail": result.detail}


def _read_statuses(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _number(value: float | None) -> str:
    return "" if value is None else f"{float(value):g}"


def export_tables(db_url: str, out: Path, statuses_path: Path, cell_order: dict[str, list[str]]) -> tuple[Path, Path]:
    """Write ``out/grades.csv`` and ``out/grades_detail.csv`` from the gradebook.

    cell_order: chapter -> grade_ids in notebook order (others sort after, by name).
    """
    from nbgrader.api import Gradebook

    statuses = _read_statuses(statuses_path)
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
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(body)
        os.replace(tmp, path)
    return grades, detail
