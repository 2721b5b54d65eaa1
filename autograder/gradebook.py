"""The gradebook: the only place grades and statuses are kept, written and read here alone.

Worker processes never open the gradebook; the process that runs ``grade`` records each
``Result`` as it arrives (``GradebookWriter.record``), the way nbgrader's autograde would: the
student, the submission (with its timestamp), ``auto_score`` of every graded cell (None for a
written answer or a task, which a person grades: nbgrader then sets ``needs_manual_grade``,
so the formgrader lists it), "No response." on untouched answers. A grade set by hand
(``manual_score``) and a comment written in the formgrader are kept; a re-graded cell that
has a manual score is marked for review, as nbgrader does. A submission whose status is not
``graded`` is flagged (nbgrader's ``flagged``, shown in the formgrader). Recording the same
submission again overwrites it, so re-grading never duplicates anything.

What nbgrader's tables have no place for lives in a table of the grader's own in the same
database, ``autograder_submission``, one row per (student, chapter): the status and its
reason, what the submission was graded from (its digest,
``autograder.fingerprints.submission_digest``, so that a later run can leave it as it is),
each cell's automatic score and first failure message, and the sandbox's report. It is
written in the same transaction as nbgrader's rows and created on first use (on SQLite and
PostgreSQL alike). A ``statuses.json`` left by an older version of the grader is read into
it once (``import_statuses``).

Several ``grade`` processes may write to one gradebook at once (two TAs, two chapters): a
write that collides with another process's (SQLite's lock, a row the other just inserted)
is rolled back and done again, and so is the creation of a fresh gradebook's tables.

Readers: ``read_grades(db_url)`` gives every recorded submission with its score, status,
timestamp and each exercise's score and first failure message (what ``autograder.tables``,
exports and reports are made from); ``recorded(db_url)`` what an earlier run recorded.
"""

from __future__ import annotations

import datetime
import json
import logging
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from autograder.cells import NO_RESPONSE
from autograder.release import COLLISIONS, COURSE_ID, sqlite_waiting
from autograder.worker import Result

__all__ = ["GradebookWriter", "SubmissionGrade", "CellGrade", "open_gradebook", "read_grades", "recorded",
           "recorded_result", "import_statuses", "STATUS_TABLE"]

STATUS_TABLE = "autograder_submission"
_ATTEMPTS = 40  # a collision with another writer is retried this many times (about a minute in all)
T = TypeVar("T")


def _status_table():
    """The grader's own table (SQLAlchemy Core), in a metadata of its own: nbgrader's are untouched."""
    from sqlalchemy import Boolean, Column, MetaData, String, Table, Text

    table = Table(
        STATUS_TABLE, MetaData(),
        Column("student", String(128), primary_key=True),
        Column("chapter", String(128), primary_key=True),
        Column("status", String(32), nullable=False),
        Column("detail", Text, nullable=False, default=""),
        Column("digest", String(128), nullable=False, default=""),
        Column("timestamp", String(64)),
        Column("flagged_by_grader", Boolean, nullable=False, default=False),
        # JSON: scores, max_scores, messages, unanswered, sandboxed, unenforced, worker
        Column("result", Text, nullable=False, default="{}"),
    )
    return table


_TABLE = _status_table()


class _RetriedCollisions(logging.Filter):
    """Leaves out nbgrader's log, with its traceback, of a write that collided with another
    grader's (``_retrying`` does it again; a fault that is not a collision is still logged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (text.startswith("Rolling back session due to database error")
                    and (any(words in text for words in COLLISIONS) or "IntegrityError" in text))


logging.getLogger("tornado.application").addFilter(_RetriedCollisions())  # nbgrader.api's app_log


def _retrying(action: Callable[[], T], rollback: Callable[[], None] | None = None) -> T:
    """``action()``, done again after a collision with another writer (SQLite's "database is
    locked", a table or row another process just created); other errors go through."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    from nbgrader.api import InvalidEntry

    for attempt in range(_ATTEMPTS):
        try:
            return action()
        except (IntegrityError, OperationalError, ProgrammingError, InvalidEntry) as exc:
            if rollback:
                rollback()
            collided = isinstance(exc, (IntegrityError, InvalidEntry)) or any(
                words in str(exc) for words in COLLISIONS)
            if not collided or attempt == _ATTEMPTS - 1:
                raise  # a real fault (a server that cannot be reached, a wrong URL): at once
            time.sleep(0.05 + random.random() * min(2.0, 0.05 * 2 ** attempt))
    raise AssertionError("unreachable")


def open_gradebook(db_url: str):
    """nbgrader's ``Gradebook`` at ``db_url``, with the grader's table, created if need be (also
    when another process is creating them at the same moment)."""
    from nbgrader.api import Gradebook

    def make():
        gb = Gradebook(sqlite_waiting(db_url), COURSE_ID)
        try:
            _TABLE.create(gb.engine, checkfirst=True)
        except Exception:
            gb.close()
            raise
        return gb

    gb = _retrying(make)
    if db_url.startswith("sqlite"):
        _quick_commits(gb)
    return gb


def _quick_commits(gb) -> None:
    """SQLite: a write-ahead log (readers never wait for the writer; two writers take turns),
    synced at checkpoints rather than at every commit. A crash of the machine may lose the
    last results, which the next run grades again; the gradebook itself stays whole."""
    from sqlalchemy import text

    def pragmas():
        gb.db.execute(text("PRAGMA journal_mode=WAL"))
        gb.db.execute(text("PRAGMA synchronous=NORMAL"))
        gb.db.commit()

    _retrying(pragmas, gb.db.rollback)


class GradebookWriter:
    """Open the gradebook at ``db_url`` once and record results into it."""

    def __init__(self, db_url: str) -> None:
        self.gb = open_gradebook(db_url)

    def close(self) -> None:
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
            _retrying(lambda: self._record(result, digest), self.gb.db.rollback)

    def _record(self, result: Result, digest: str) -> None:
        from nbgrader.api import Comment, Grade

        gb = self.gb
        gb.update_or_create_student(result.student)
        stamp = result.exchange_timestamp or result.timestamp
        if stamp:
            submission = gb.update_or_create_submission(result.chapter, result.student, timestamp=stamp)
        else:
            submission = gb.update_or_create_submission(result.chapter, result.student)
        notebook = next(nb for nb in submission.notebooks if nb.name == result.chapter)
        grades = {grade.name: grade for grade in notebook.grades}
        for cell in list(notebook.notebook.grade_cells) + list(notebook.notebook.task_cells):
            if cell.name not in grades:  # a cell added to the source after this submission was recorded
                grades[cell.name] = Grade(cell_id=cell.id, notebook=notebook)
        for name, grade in grades.items():
            score = result.scores.get(name, 0.0)
            grade.auto_score = score
            grade.needs_manual_grade = score is None or grade.manual_score is not None
        comments = {comment.name: comment for comment in notebook.comments}
        for cell in list(notebook.notebook.solution_cells) + list(notebook.notebook.task_cells):
            comment = comments.get(cell.name) or Comment(cell_id=cell.id, notebook=notebook)
            comment.auto_comment = NO_RESPONSE if cell.name in result.unanswered else None
        previous = self._row(result.student, result.chapter)
        by_hand = bool(notebook.flagged) and not (previous and previous["flagged_by_grader"])
        by_grader = result.status != "graded"
        notebook.flagged = by_hand or by_grader
        self._write_row(result, digest, by_grader, exists=previous is not None)
        gb.db.commit()

    def _row(self, student: str, chapter: str) -> dict | None:
        row = self.gb.db.execute(_TABLE.select().where(
            (_TABLE.c.student == student) & (_TABLE.c.chapter == chapter))).mappings().first()
        return dict(row) if row else None

    def _write_row(self, result: Result, digest: str, flagged: bool, exists: bool) -> None:
        values = {"status": result.status, "detail": result.detail, "digest": digest, "timestamp": result.timestamp,
                  "flagged_by_grader": flagged, "result": json.dumps({
                      "scores": result.scores, "max_scores": result.max_scores, "messages": result.messages,
                      "unanswered": result.unanswered, "sandboxed": result.sandboxed,
                      "unenforced": list(result.unenforced), "worker": result.worker}, sort_keys=True)}
        key = (_TABLE.c.student == result.student) & (_TABLE.c.chapter == result.chapter)
        if exists:
            self.gb.db.execute(_TABLE.update().where(key).values(**values))
        else:
            self.gb.db.execute(_TABLE.insert().values(student=result.student, chapter=result.chapter, **values))


def import_statuses(db_url: str, path: Path) -> None:
    """Read an older grader's ``statuses.json`` at ``path`` (if there is one) into the table,
    where the table lacks its rows; the file is then renamed ``statuses.json.imported``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    gb = open_gradebook(db_url)
    try:
        _retrying(lambda: _import_rows(gb, data), gb.db.rollback)
    finally:
        gb.close()
    path.rename(path.with_name(path.name + ".imported"))


def _import_rows(gb, data) -> None:
    present = {(r.student, r.chapter) for r in gb.db.execute(_TABLE.select())}
    for key, entry in (data.items() if isinstance(data, dict) else ()):
        student, _, chapter = key.partition("/")
        if (student, chapter) in present or not isinstance(entry, dict):
            continue
        gb.db.execute(_TABLE.insert().values(
            student=student, chapter=chapter, status=entry.get("status", "graded"), detail=entry.get("detail", ""),
            digest=entry.get("digest", ""), timestamp=entry.get("timestamp"),
            flagged_by_grader=entry.get("status", "graded") != "graded",
            result=json.dumps({k: entry[k] for k in ("scores", "max_scores", "unanswered", "sandboxed",
                                                     "unenforced", "worker") if k in entry})))
    gb.db.commit()


@dataclass(frozen=True)
class CellGrade:
    """One graded cell of a submission, as the gradebook holds it.

    grade_id: the cell's name; exercise: the function it tests (its solution cell's grade_id;
    the grade_id itself for other cells); score: nbgrader's (the manual score where one was
    set, else the automatic one; None: waiting for a person); message: the first failure
    message a student was shown ("" where it passed); comment: the comment a student sees
    (written in the formgrader, or nbgrader's "No response."); manual: a person grades it;
    graded_by_hand: the gradebook holds a manual score or a comment written by a person.
    """

    grade_id: str
    exercise: str
    score: float | None
    max_score: float
    message: str = ""
    comment: str = ""
    manual: bool = False
    needs_manual_grade: bool = False
    graded_by_hand: bool = False


@dataclass(frozen=True)
class SubmissionGrade:
    """One recorded submission: score (nbgrader's total, manual grades included) out of
    max_score, the grader's status and reason, when the student submitted (the text of
    nbgrader's ``timestamp.txt``; None where the submission carried none, as an LMS download
    does), its chapter's due date in the gradebook (None: none set), and its graded cells in
    notebook order."""

    student: str
    chapter: str
    score: float
    max_score: float
    status: str
    detail: str
    timestamp: str | None
    needs_manual_grade: bool
    flagged: bool
    cells: tuple[CellGrade, ...] = field(default_factory=tuple)
    duedate: datetime.datetime | None = None


def read_grades(db_url: str, chapters: list[str] | None = None,
                students: list[str] | None = None) -> list[SubmissionGrade]:
    """Every submission the gradebook at ``db_url`` holds (or those of ``chapters`` and
    ``students``), sorted by student then chapter, with each cell's grade.

    A submission recorded by nbgrader's own autograde, with no row of the grader's, has
    status ``graded``.
    """
    gb = open_gradebook(db_url)
    try:
        rows = {(r.student, r.chapter): r for r in gb.db.execute(_TABLE.select())}
        out = []
        for assignment in gb.assignments:
            if chapters and assignment.name not in chapters:
                continue
            for submission in assignment.submissions:
                student = submission.student.id
                if students and student not in students:
                    continue
                out.append(_submission_grade(submission, assignment, rows.get((student, assignment.name))))
        out.sort(key=lambda s: (s.student, s.chapter))
        return out
    finally:
        gb.close()


def _submission_grade(submission, assignment, row) -> SubmissionGrade:
    extra = json.loads(row.result) if row is not None else {}
    messages = extra.get("messages", {})
    cells = []
    for notebook in submission.notebooks:
        comments = {c.name: c.manual_comment or c.auto_comment or "" for c in notebook.comments}
        written = {c.name for c in notebook.comments if c.manual_comment}
        order = {cell.name: i for i, cell in enumerate(_cell_order(notebook.notebook))}
        tasks = {cell.name for cell in notebook.notebook.task_cells}
        manual = {cell.name for cell in notebook.notebook.solution_cells} | tasks
        for grade in sorted(notebook.grades, key=lambda g: (order.get(g.name, len(order)), g.name)):
            exercise = grade.name[len("test_"):] if grade.name.startswith("test_") else grade.name
            # nbgrader's Grade.score is 0 where neither score is set: the cell waits for a person.
            waiting = grade.auto_score is None and grade.manual_score is None
            cells.append(CellGrade(grade.name, exercise, None if waiting else grade.score,
                                   float(grade.max_score), messages.get(grade.name, ""), comments.get(grade.name, ""),
                                   grade.name in manual, bool(grade.needs_manual_grade),
                                   grade.manual_score is not None or grade.name in written))
    stamp = submission.timestamp
    # The grader's row keeps the student's own time; nbgrader's holds the time of grading
    # where the student's is unknown (its files need one), which must not count as late.
    timestamp = row.timestamp if row is not None else stamp.isoformat() if stamp is not None else None
    return SubmissionGrade(submission.student.id, assignment.name, float(submission.score),
                           float(assignment.max_score), row.status if row is not None else "graded",
                           row.detail if row is not None else "", timestamp, bool(submission.needs_manual_grade),
                           any(nb.flagged for nb in submission.notebooks), tuple(cells),
                           assignment.duedate)


def _cell_order(notebook) -> list:
    """A notebook's graded cells in the order of the source notebook (nbgrader keeps its
    source cells' order of creation)."""
    names = [cell.name for cell in notebook.source_cells]
    graded = {cell.name: cell for cell in list(notebook.grade_cells) + list(notebook.task_cells)}
    return [graded[name] for name in names if name in graded]


def recorded(db_url: str) -> dict[tuple[str, str], dict]:
    """(student, chapter) -> what the grader recorded of it ("status", "detail", "digest",
    "timestamp" and the result's fields), for the submissions nbgrader's tables hold."""
    gb = open_gradebook(db_url)
    try:
        present = {(s.student.id, a.name) for a in gb.assignments for s in a.submissions}
        out = {}
        for row in gb.db.execute(_TABLE.select()):
            if (row.student, row.chapter) in present:
                out[row.student, row.chapter] = {"status": row.status, "detail": row.detail, "digest": row.digest,
                                                 "timestamp": row.timestamp, **json.loads(row.result)}
        return out
    finally:
        gb.close()


def recorded_result(student: str, chapter: str, entry: dict, out: Path) -> Result:
    """The ``Result`` a previous run recorded for a submission (``entry``: from ``recorded``)."""
    files = {kind: out / kind / student / chapter / f"{chapter}.{suffix}"
             for kind, suffix in (("autograded", "ipynb"), ("feedback", "html"))}
    return Result(student, chapter, entry["status"], entry["detail"], dict(entry.get("scores", {})),
                  dict(entry.get("max_scores", {})), unanswered=list(entry.get("unanswered", [])),
                  timestamp=entry.get("timestamp"), feedback=str(files["feedback"]),
                  autograded=str(files["autograded"]) if files["autograded"].is_file() else None,
                  sandboxed=bool(entry.get("sandboxed", True)), unenforced=tuple(entry.get("unenforced", ())),
                  worker=entry.get("worker", ""), unchanged=True, messages=dict(entry.get("messages", {})))
