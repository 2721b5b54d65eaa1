"""The gradebook's only writer: each ``Result`` recorded as nbgrader's autograde would.

Worker processes never open the gradebook; the parent process records each ``Result`` as it
arrives (``GradebookWriter.record``), the way nbgrader's autograde would: the student, the
submission (with its timestamp), ``auto_score`` of every graded cell, "No response." on
untouched solution cells. A grade an instructor set by hand (``manual_score``) is kept and
flagged for review, as nbgrader does. Recording the same submission again overwrites its
scores, so re-grading never duplicates anything.

nbgrader's gradebook has no place for the grader's status and reason, so those are kept in
``statuses.json`` next to the tables (``read_statuses``; the tables of autograder.tables
read them back), with what each submission was graded from (its digest,
``autograder.fingerprints.submission_digest``) and what it got, so that a later run can
leave an unchanged submission as it is (``recorded_result``; ``autograder.grading``).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from autograder.files import write_atomic
from autograder.release import COURSE_ID
from autograder.worker import Result

__all__ = ["GradebookWriter", "read_statuses", "recorded_result", "recorded_submissions"]


class GradebookWriter:
    """Open the gradebook at ``db_url`` once and record results into it."""

    def __init__(self, db_url: str, statuses_path: Path) -> None:
        from nbgrader.api import Gradebook

        self.gb = Gradebook(db_url, COURSE_ID)
        if db_url.startswith("sqlite"):
            _quick_commits(self.gb)
        self.statuses_path = Path(statuses_path)
        self.statuses = read_statuses(self.statuses_path)

    def close(self) -> None:
        write_atomic(self.statuses_path, json.dumps(self.statuses, indent=1, sort_keys=True))
        self.gb.close()

    def __enter__(self) -> GradebookWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def record(self, result: Result, digest: str = "") -> None:
        """Record ``result``; ``digest``: what it was graded from (see the module docstring)."""
        from sqlalchemy.exc import SAWarning

        # nbgrader's add_submission triggers harmless "not in session" warnings on SQLAlchemy 2.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SAWarning)
            self._record(result)
        self.statuses[f"{result.student}/{result.chapter}"] = {
            "status": result.status, "detail": result.detail, "digest": digest, "scores": result.scores,
            "max_scores": result.max_scores, "unanswered": result.unanswered, "timestamp": result.timestamp,
            "sandboxed": result.sandboxed, "unenforced": list(result.unenforced), "worker": result.worker}

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


def read_statuses(path: Path) -> dict:
    """``student/chapter`` -> {"status", "detail"} as recorded; {} where there is no readable file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _quick_commits(gb) -> None:
    """SQLite: a write-ahead log, synced at checkpoints rather than at every commit (nbgrader
    commits four times per recorded submission). A crash of the machine may lose the last
    results, which the next run grades again (the record of what was graded is written last);
    the gradebook itself stays whole."""
    from sqlalchemy import text

    gb.db.execute(text("PRAGMA journal_mode=WAL"))
    gb.db.execute(text("PRAGMA synchronous=NORMAL"))


def recorded_submissions(db_url: str) -> set[tuple[str, str]]:
    """(student, chapter) of every submission the gradebook holds."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gb:
        return {(submission.student.id, assignment.name) for assignment in gb.assignments
                for submission in assignment.submissions}


def recorded_result(student: str, chapter: str, entry: dict, out: Path) -> Result:
    """The ``Result`` a previous run recorded for a submission (``entry``: its statuses.json entry)."""
    files = {kind: out / kind / student / chapter / f"{chapter}.{suffix}"
             for kind, suffix in (("autograded", "ipynb"), ("feedback", "html"))}
    return Result(student, chapter, entry["status"], entry["detail"], dict(entry["scores"]), dict(entry["max_scores"]),
                  unanswered=list(entry.get("unanswered", [])), timestamp=entry.get("timestamp"),
                  feedback=str(files["feedback"]),
                  autograded=str(files["autograded"]) if files["autograded"].is_file() else None,
                  sandboxed=bool(entry.get("sandboxed", True)), unenforced=tuple(entry.get("unenforced", ())),
                  worker=entry.get("worker", ""), unchanged=True)
