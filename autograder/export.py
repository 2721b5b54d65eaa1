"""``python -m autograder export``: the grades as Canvas's or Moodle's gradebook import reads them, or wide.

Read from a grading folder (``grades.csv``, and the roster and course configuration a grade
run kept there; the score is the one after any late penalty):

- ``canvas``: Canvas's Gradebook import CSV, its documented columns ``Student``, ``ID`` (Canvas's
  user id: the roster's ``lms_id``), ``SIS User ID`` (the student's id), ``SIS Login ID``,
  ``Section``, then one column per chapter headed ``<chapter> (<assignment id>)`` where the
  course configuration gives Canvas's assignment id (``[canvas]``), else ``<chapter>`` (Canvas
  then offers to create the assignment), and a ``Points Possible`` row under the header.
- ``moodle``: one chapter's grading worksheet, which Moodle's assignment takes back with
  "Upload grading worksheet": ``Identifier`` (``Participant <lms_id>``, the id in the bulk
  download's folder names), ``Full name``, ``Email address``, ``Status``, ``Grade``,
  ``Maximum Grade``, ``Grade can be changed``, ``Last modified (submission)``,
  ``Last modified (grade)``, ``Feedback comments``. A student without an ``lms_id`` cannot be
  matched and is left out, with a warning.
- ``wide``: one row per student (``student``, ``name``, ``email``), a column per chapter and
  ``total`` and ``max_total`` (a chapter without a row counts 0 in the total).

Students come in roster order, then those graded but not on the roster, by id.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from autograder.course import CHAPTERS
from autograder.files import write_atomic
from autograder.lateness import kept_course_config
from autograder.roster import MISSING, RosterStudent, kept_roster

__all__ = ["FORMATS", "ExportError", "Exported", "export_grades", "read_grades", "MOODLE_COLUMNS",
           "CANVAS_COLUMNS"]

FORMATS = ("canvas", "moodle", "wide")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_COLUMNS = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments")


class ExportError(ValueError):
    """The grades cannot be exported as asked (the message says why)."""


@dataclass
class Exported:
    """The file written and the warnings to show (students left out, and why)."""

    path: Path
    warnings: list[str]


def read_grades(folder: Path) -> list[dict[str, str]]:
    """The rows of ``folder/grades.csv``, or ExportError where there is none."""
    path = Path(folder) / "grades.csv"
    if not path.is_file():
        raise ExportError(f"no grades.csv in {folder}: grade into that folder first (python -m autograder grade)")
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _students(rows: list[dict[str, str]], roster: list[RosterStudent]) -> list[RosterStudent]:
    listed = {s.student_id for s in roster}
    others = sorted({r["student"] for r in rows} - listed)
    return list(roster) + [RosterStudent(student_id) for student_id in others]


def _csv(header, body) -> str:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(body)
    return text.getvalue()


def _chapters(rows: list[dict[str, str]]) -> list[str]:
    return [c for c in CHAPTERS if any(r["chapter"] == c for r in rows)]


def _max_scores(rows: list[dict[str, str]]) -> dict[str, str]:
    return {r["chapter"]: r["max_score"] for r in rows}


def _canvas(rows, students, folder: Path) -> tuple[str, list[str]]:
    ids = kept_course_config(folder).canvas_ids
    chapters = _chapters(rows)
    header = list(CANVAS_COLUMNS) + [f"{c} ({ids[c]})" if c in ids else c for c in chapters]
    maxima = _max_scores(rows)
    score = {(r["student"], r["chapter"]): r["score"] for r in rows}
    body = [["Points Possible", "", "", "", ""] + [maxima[c] for c in chapters]]
    for s in students:
        body.append([s.name or s.student_id, s.lms_id, s.student_id, "", ""]
                    + [score.get((s.student_id, c), "") for c in chapters])
    return _csv(header, body), []


def _moodle(rows, students) -> tuple[str, list[str]]:
    chapters = _chapters(rows)
    if len(chapters) != 1:
        raise ExportError("a Moodle grading worksheet holds one assignment: name its chapter with --chapter "
                          f"(graded: {', '.join(chapters) or 'none'})")
    by_student = {r["student"]: r for r in rows}
    body, left_out = [], []
    for s in students:
        row = by_student.get(s.student_id)
        if row is None:
            continue
        if not s.lms_id:
            left_out.append(s.student_id)
            continue
        submitted = row["status"] != MISSING
        comment = ""
        if float(row.get("penalty") or 0) > 0:
            comment = f"late: {float(row['penalty']):g} of {float(row['raw_score']):g} points taken off"
        body.append([f"Participant {s.lms_id}", s.name or s.student_id, s.email,
                     "Submitted for grading" if submitted else "No submission", f"{float(row['score']):.2f}",
                     f"{float(row['max_score']):.2f}", "Yes", "", "", comment])
    warnings = [f"left out, no lms_id on the roster (Moodle's participant id): {', '.join(left_out)}"] if left_out else []
    return _csv(MOODLE_COLUMNS, body), warnings


def _wide(rows, students) -> tuple[str, list[str]]:
    chapters = _chapters(rows)
    maxima = {c: float(m) for c, m in _max_scores(rows).items()}
    score = {(r["student"], r["chapter"]): r["score"] for r in rows}
    body = []
    for s in students:
        cells = [score.get((s.student_id, c), "") for c in chapters]
        total = sum(float(v) for v in cells if v != "")
        body.append([s.student_id, s.name, s.email] + cells + [f"{total:g}", f"{sum(maxima.values()):g}"])
    return _csv(["student", "name", "email"] + chapters + ["total", "max_total"], body), []


def export_grades(folder: Path, fmt: str, out_file: Path | None = None, chapter: str | None = None) -> Exported:
    """Write the grades of the grading folder ``folder`` in ``fmt`` (one of FORMATS), of one
    chapter or all, to ``out_file`` (default ``folder/grades_<fmt>.csv``, or
    ``grades_<fmt>_<chapter>.csv`` for one chapter)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; the formats are {', '.join(FORMATS)}")
    folder = Path(folder)
    rows = read_grades(folder)
    if chapter is not None:
        if chapter not in _chapters(rows):
            raise ExportError(f"no grades of {chapter} in {folder} (graded: {', '.join(_chapters(rows)) or 'none'})")
        rows = [r for r in rows if r["chapter"] == chapter]
    students = _students(rows, kept_roster(folder) or [])
    if fmt == "canvas":
        text, warnings = _canvas(rows, students, folder)
    elif fmt == "moodle":
        text, warnings = _moodle(rows, students)
        chapter = _chapters(rows)[0]
    else:
        text, warnings = _wide(rows, students)
    default = f"grades_{fmt}_{chapter}.csv" if chapter else f"grades_{fmt}.csv"
    path = write_atomic(Path(out_file) if out_file else folder / default, text)
    return Exported(Path(path), warnings)
