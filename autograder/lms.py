"""Canvas and Moodle bulk downloads of submissions, put into nbgrader's layout for grading.

Recognised from their file naming (a zip, already extracted by ``autograder.collect``, or its
unpacked folder; one wrapping folder is looked through):

- Canvas ("Download Submissions"): one flat folder of files named
  ``<sortablename>_<userid>_<submissionid>_<original name>``, with ``_LATE`` after the name
  when Canvas marks the submission late; a resubmitted file's original name may end in ``-1``,
  ``-2`` (``01_feedforward-1.ipynb``).
- Moodle ("Download all submissions"): a folder per student,
  ``<Full Name>_<participantid>_assignsubmission_file_/`` holding the files (or, without
  folders, the same prefix before each file's name); online-text parts are ignored.

A download is one assignment: the caller names its chapter (``--chapter``) and gives a roster
(``autograder.roster``) whose ``lms_id`` column maps the LMS's id to the student's id. A file
whose id is not on the roster is reported, never guessed. Each student's files are copied to
``<workdir>/<student_id>/<chapter>/``, a resubmission's ``-N`` taken off the notebook's name,
so ``autograder.collect`` picks the notebook as in any submission folder. Canvas's late marker
becomes a note of the submission (``CANVAS_LATE_NOTE``), which ``autograder.lateness`` reads.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.roster import RosterStudent

__all__ = ["LmsFile", "LmsError", "recognise", "lms_files", "nbgrader_layout", "CANVAS_LATE_NOTE"]

CANVAS_LATE_NOTE = "Canvas marked the submission late"
_CANVAS = re.compile(r"^(?P<name>[^_]*?)_(?P<late>LATE_)?(?P<lms_id>\d+)_(?P<submission>\d+)_(?P<original>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<lms_id>\d+)_assignsubmission_(?P<plugin>[a-z]+)_(?P<rest>.*)$")
_RESUBMITTED = re.compile(r"^(?P<stem>.+?)-\d+(?P<suffix>\.[^.]+)$")
_HIDDEN = (".", "__MACOSX")


class LmsError(ValueError):
    """An LMS download that cannot be graded as asked (the message says why)."""


@dataclass(frozen=True)
class LmsFile:
    """One file of a download: the LMS ("canvas" or "moodle"), the student's id there and name
    as the LMS wrote it, the file and the name the student gave it, and Canvas's late marker."""

    lms: str
    lms_id: str
    name: str
    path: Path
    original: str
    late: bool = False


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if not p.name.startswith(_HIDDEN))


def _content_root(root: Path) -> Path:
    """``root``, or the one folder it wraps (a zip of the download's folder)."""
    entries = _entries(root)
    if len(entries) == 1 and entries[0].is_dir() and not _MOODLE.match(entries[0].name):
        return entries[0]
    return root


def recognise(root: Path) -> str | None:
    """The LMS whose bulk download ``root`` holds ("canvas" or "moodle"), or None."""
    entries = _entries(_content_root(root))
    if not entries:
        return None
    if any(_MOODLE.match(p.name) for p in entries) and all(_MOODLE.match(p.name) or p.is_file() for p in entries):
        return "moodle"
    files = [p for p in entries if p.is_file()]
    if files and len(files) == len(entries) and any(_CANVAS.match(p.name) for p in files):
        return "canvas"
    return None


def lms_files(root: Path, lms: str) -> tuple[list[LmsFile], list[str]]:
    """The download's files, and notes on those that follow no naming of the LMS."""
    root = _content_root(root)
    found, notes = [], []
    for entry in _entries(root):
        if lms == "canvas":
            match = _CANVAS.match(entry.name)
            if not match or not entry.is_file():
                notes.append(f"{entry.name}: not named as Canvas names a submission's files")
                continue
            found.append(LmsFile("canvas", match["lms_id"], match["name"], entry, match["original"],
                                 late=bool(match["late"])))
            continue
        match = _MOODLE.match(entry.name)
        if not match:
            notes.append(f"{entry.name}: not named as Moodle names a submission's files")
            continue
        if match["plugin"] != "file":
            continue  # online text, comments: nothing to grade
        if entry.is_dir():
            for path in sorted(p for p in entry.rglob("*") if p.is_file() and not any(
                    part.startswith(_HIDDEN) for part in p.relative_to(entry).parts)):
                found.append(LmsFile("moodle", match["lms_id"], match["name"], path, path.name))
        elif match["rest"]:
            found.append(LmsFile("moodle", match["lms_id"], match["name"], entry, match["rest"]))
    return found, notes


def _plain_name(original: str, chapter: str) -> str:
    """A resubmission's file name without Canvas's ``-N`` (where that gives the chapter's notebook)."""
    match = _RESUBMITTED.match(original)
    if match and f"{match['stem']}{match['suffix']}" == f"{chapter}.ipynb":
        return f"{chapter}.ipynb"
    return original


def nbgrader_layout(root: Path, lms: str, chapter: str, roster: list[RosterStudent],
                    dest: Path) -> tuple[dict[tuple[str, str], list[str]], list[str]]:
    """Copy the download at ``root`` into ``dest/<student_id>/<chapter>/``.

    Returns ({(student_id, chapter): notes for the submission}, notes on what was left out:
    files of ids not on the roster, files not named as the LMS names them).
    """
    by_lms_id = {s.lms_id: s for s in roster if s.lms_id}
    if not by_lms_id:
        raise LmsError(f"the roster has no lms_id column filled in, so no {lms.title()} id can be matched "
                       "to a student")
    files, skipped = lms_files(root, lms)
    if not files:
        raise LmsError(f"the {lms.title()} download in {root} holds no submitted file")
    notes: dict[tuple[str, str], list[str]] = {}
    unknown: dict[str, list[str]] = {}
    for item in files:
        if item.original.startswith(".") or not item.original.strip():
            skipped.append(f"{item.path.name}: no file name after the {lms.title()} prefix")
            continue
        student = by_lms_id.get(item.lms_id)
        if student is None:
            unknown.setdefault(item.lms_id, []).append(item.path.name)
            continue
        folder = dest / student.student_id / chapter
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _plain_name(item.original, chapter)
        if target.exists():  # two files of one student under one name
            skipped.append(f"{item.path.name}: {student.student_id} has another file of this name; not graded")
            continue
        shutil.copyfile(item.path, target)
        submission_notes = notes.setdefault((student.student_id, chapter), [])
        if item.late and CANVAS_LATE_NOTE not in submission_notes:
            submission_notes.append(CANVAS_LATE_NOTE)
    if not notes:
        ids = ", ".join(sorted(unknown)[:10]) or "none"
        raise LmsError(f"no file of the {lms.title()} download in {root} belongs to a student of the roster "
                       f"(the download's ids: {ids}; the roster's lms_id column must hold them)")
    for lms_id, names in sorted(unknown.items()):
        skipped.append(f"{', '.join(names)}: {lms.title()} id {lms_id} is not on the roster")
    return notes, skipped
