"""The course's roster: who must get a grade, under which id, with their name, email and LMS id.

A roster is a CSV file with a header: ``student_id`` (required: the id the grades use, and the
folder name of the student's feedback), and optionally ``name``, ``email`` and ``lms_id`` (the
LMS's user id, Canvas, or participant id, Moodle: how an LMS download names the student).
``grade --roster FILE`` keeps a copy in the grading folder (``ROSTER_FILE``), so later runs,
``export`` and ``report`` know every student, and records the students in nbgrader's
gradebook (name, email, LMS id), where the formgrader shows them. A roster student without a
submission of a chapter gets the status ``missing`` and a score of 0 in ``grades.csv``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from autograder.files import write_atomic

__all__ = ["RosterStudent", "RosterError", "read_roster", "keep_roster", "kept_roster", "record_roster",
           "ROSTER_FILE", "ROSTER_COLUMNS", "MISSING"]

ROSTER_FILE = "roster.csv"
ROSTER_COLUMNS = ("student_id", "name", "email", "lms_id")
MISSING = "missing"  # the status of a roster student who submitted nothing for a chapter
_STUDENT_ID = re.compile(r"^[\w@+\-][\w.@+\-]*$")  # a safe folder name: no path separator, no leading dot


class RosterError(ValueError):
    """The roster cannot be used (the message names the file, the line and the problem)."""


@dataclass(frozen=True)
class RosterStudent:
    """One student of the roster; empty strings where the roster has no value."""

    student_id: str
    name: str = ""
    email: str = ""
    lms_id: str = ""

    @property
    def first_and_last_name(self) -> tuple[str, str]:
        """(first name, last name) as nbgrader's gradebook keeps them: "Last, First" or "First ... Last"."""
        if "," in self.name:
            last, first = (part.strip() for part in self.name.split(",", 1))
            return first, last
        first, _, last = self.name.strip().rpartition(" ")
        return first, last


def read_roster(path: Path) -> list[RosterStudent]:
    """The roster's students in file order, or RosterError saying what is wrong with it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's export may start with a BOM
    except OSError as exc:
        raise RosterError(f"cannot read the roster {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise RosterError(f"the roster {path} is not UTF-8 text") from None
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    if "student_id" not in header:
        raise RosterError(f"the roster {path} has no student_id column (its header: {', '.join(header) or 'none'}; "
                          f"expected {', '.join(ROSTER_COLUMNS)})")
    reader.fieldnames = header
    students, seen, lms_ids = [], {}, {}
    for line, row in enumerate(reader, start=2):
        values = {column: (row.get(column) or "").strip() for column in ROSTER_COLUMNS}
        student_id = values["student_id"]
        if not student_id:
            raise RosterError(f"{path}, line {line}: no student_id")
        if not _STUDENT_ID.match(student_id):
            raise RosterError(f"{path}, line {line}: student_id {student_id!r} is not usable as a folder name "
                              "(letters, digits and . _ @ + - only, not starting with a dot)")
        if student_id in seen:
            raise RosterError(f"{path}, line {line}: student_id {student_id!r} is already on line {seen[student_id]}")
        lms_id = values["lms_id"]
        if lms_id and lms_id in lms_ids:
            raise RosterError(f"{path}, line {line}: lms_id {lms_id!r} is already on line {lms_ids[lms_id]}")
        seen[student_id] = line
        if lms_id:
            lms_ids[lms_id] = line
        students.append(RosterStudent(**values))
    if not students:
        raise RosterError(f"the roster {path} lists no student")
    return students


def keep_roster(path: Path, out: Path) -> list[RosterStudent]:
    """Read the roster at ``path`` and keep a copy of it in the grading folder ``out``."""
    students = read_roster(path)
    if Path(path).resolve() != (out / ROSTER_FILE).resolve():
        write_atomic(out / ROSTER_FILE, Path(path).read_text(encoding="utf-8-sig"))
    return students


def kept_roster(out: Path) -> list[RosterStudent] | None:
    """The roster a grade run kept in the grading folder ``out``; None where there is none."""
    path = Path(out) / ROSTER_FILE
    return read_roster(path) if path.is_file() else None


def record_roster(db_url: str, course_id: str, students: list[RosterStudent]) -> None:
    """Add the roster's students to nbgrader's gradebook, with their names, emails and LMS ids."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        for student in students:
            first, last = student.first_and_last_name
            gb.update_or_create_student(student.student_id, first_name=first or None, last_name=last or None,
                                        email=student.email or None, lms_user_id=student.lms_id or None)
