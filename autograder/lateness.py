"""Due dates and the late policy: how late a submission came in, and what that costs.

Both live in the course configuration file, TOML (Python's own ``tomllib`` reads it), kept in
the grading folder as ``course.toml`` (``grade --course FILE`` puts a copy there)::

    timezone = "Europe/Berlin"      # due dates without a UTC offset are in this zone [UTC]

    [due]                           # one due date per chapter; a chapter without one is never late
    01_feedforward = 2026-10-05T23:59:00
    02_backprop = 2026-10-12T23:59:00+02:00

    [late]
    per_day = 0.10                  # share of the chapter's points lost per day late, or part of one [0]
    cap = 0.50                      # the most a late submission loses, as a share of the points [1]
    grace_minutes = 15              # this late still counts as on time [0]
    marked_late_days = 1            # days late of a submission the LMS marks late without a time [1]

    [canvas]                        # Canvas's assignment id of each chapter, for export --format canvas
    01_feedforward = 4711

A submission's time is nbgrader's ``timestamp.txt`` (kept in the grader's table of the gradebook);
Canvas's ``LATE`` marker in a bulk download's file names says late without saying when
(``autograder.lms``), and counts as ``marked_late_days`` days late. The penalty is
``min(cap, per_day x days late, counted up to whole days) x max_score``, taken off the raw
score and never below 0. The due dates also go into nbgrader's gradebook (``record_due_dates``);
a chapter the configuration gives none keeps the gradebook's (one set in the formgrader).
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from autograder.course import CHAPTERS
from autograder.files import write_atomic

__all__ = ["CourseConfig", "LatePolicy", "Lateness", "CourseConfigError", "read_course_config",
           "keep_course_config", "kept_course_config", "record_due_dates", "lateness", "COURSE_FILE"]

COURSE_FILE = "course.toml"
_SECTIONS = {"timezone", "due", "late", "canvas"}


class CourseConfigError(ValueError):
    """The course configuration file cannot be used (the message names the file and the entry)."""


@dataclass(frozen=True)
class LatePolicy:
    """per_day and cap: shares of a chapter's points (0 to 1); grace_minutes: a delay still on
    time; marked_late_days: how late a submission the LMS marks late, without a time, counts."""

    per_day: float = 0.0
    cap: float = 1.0
    grace_minutes: float = 0.0
    marked_late_days: float = 1.0


@dataclass(frozen=True)
class CourseConfig:
    """due: chapter -> due date (aware, any zone); canvas_ids: chapter -> Canvas assignment id."""

    due: dict[str, dt.datetime] = field(default_factory=dict)
    late: LatePolicy = LatePolicy()
    canvas_ids: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Lateness:
    """late: after the due date and its grace; hours_late: after the due date, 0 when on time
    or within the grace (None: no time known, or no due date); penalty: points taken off."""

    late: bool
    hours_late: float | None
    penalty: float


def _number(path: Path, section: dict, key: str, default: float, low: float, high: float | None) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low or \
            (high is not None and value > high):
        bounds = f"from {low:g} to {high:g}" if high is not None else f"{low:g} or more"
        raise CourseConfigError(f"{path}: [late] {key} = {value!r} must be a number {bounds}")
    return float(value)


def _chapters(path: Path, section, name: str) -> dict:
    if not isinstance(section, dict):
        raise CourseConfigError(f"{path}: [{name}] must be a table of chapters")
    unknown = [key for key in section if key not in CHAPTERS]
    if unknown:
        raise CourseConfigError(f"{path}: [{name}] names unknown chapters {', '.join(unknown)} "
                                f"(the chapters are {', '.join(CHAPTERS)})")
    return section


def _due_date(path: Path, chapter: str, value, zone: ZoneInfo) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise CourseConfigError(f"{path}: [due] {chapter} = {value!r} is not a date and time "
                                    "(e.g. 2026-10-05T23:59:00)") from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        raise CourseConfigError(f"{path}: [due] {chapter} = {value} has no time of day (e.g. {value}T23:59:00)")
    if not isinstance(value, dt.datetime):
        raise CourseConfigError(f"{path}: [due] {chapter} = {value!r} is not a date and time")
    return value if value.tzinfo else value.replace(tzinfo=zone)


def read_course_config(path: Path) -> CourseConfig:
    """The course configuration in ``path``, or CourseConfigError saying what is wrong with it."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CourseConfigError(f"cannot read the course configuration {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CourseConfigError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - _SECTIONS)
    if unknown:
        raise CourseConfigError(f"{path}: unknown entries {', '.join(unknown)} (known: {', '.join(sorted(_SECTIONS))})")
    try:
        zone = ZoneInfo(str(data.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise CourseConfigError(f"{path}: timezone = {data.get('timezone')!r} is not a time zone "
                                "(e.g. Europe/Berlin, America/New_York, UTC)") from None
    due = {chapter: _due_date(path, chapter, value, zone)
           for chapter, value in _chapters(path, data.get("due", {}), "due").items()}
    late = data.get("late", {})
    if not isinstance(late, dict):
        raise CourseConfigError(f"{path}: [late] must be a table")
    extra = sorted(set(late) - {"per_day", "cap", "grace_minutes", "marked_late_days"})
    if extra:
        raise CourseConfigError(f"{path}: [late] has unknown entries {', '.join(extra)} "
                                "(known: per_day, cap, grace_minutes, marked_late_days)")
    policy = LatePolicy(per_day=_number(path, late, "per_day", 0.0, 0, 1), cap=_number(path, late, "cap", 1.0, 0, 1),
                        grace_minutes=_number(path, late, "grace_minutes", 0.0, 0, None),
                        marked_late_days=_number(path, late, "marked_late_days", 1.0, 0, None))
    canvas = {chapter: str(value) for chapter, value in _chapters(path, data.get("canvas", {}), "canvas").items()}
    return CourseConfig(due=due, late=policy, canvas_ids=canvas)


def keep_course_config(path: Path, out: Path) -> CourseConfig:
    """Read the course configuration at ``path`` and keep a copy of it in the grading folder ``out``."""
    config = read_course_config(path)
    if Path(path).resolve() != (out / COURSE_FILE).resolve():
        write_atomic(out / COURSE_FILE, Path(path).read_text(encoding="utf-8"))
    return config


def kept_course_config(out: Path) -> CourseConfig:
    """The course configuration kept in the grading folder ``out`` (no due dates where there is none)."""
    path = Path(out) / COURSE_FILE
    return read_course_config(path) if path.is_file() else CourseConfig()


def record_due_dates(db_url: str, course_id: str, config: CourseConfig, chapters: list[str]) -> None:
    """Set the due dates the course configuration gives ``chapters`` in nbgrader's gradebook (its
    assignments' ``duedate``, which the formgrader and ``nbgrader export`` show); a chapter
    without one keeps the gradebook's."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        for chapter in chapters:
            if chapter in config.due:
                gb.update_or_create_assignment(chapter, duedate=config.due[chapter])


def lateness(submitted: dt.datetime | None, due: dt.datetime | None, marked_late: bool, max_score: float,
             policy: LatePolicy) -> Lateness:
    """How late a submission was and its penalty in points.

    submitted, due: when it came in, and its chapter's due date (None: never late); naive
    values are UTC, as nbgrader's gradebook keeps them. marked_late: the LMS marked it late.
    """
    if due is None:
        return Lateness(False, None, 0.0)
    if due.tzinfo is None:
        due = due.replace(tzinfo=dt.timezone.utc)
    if submitted is None:
        days = policy.marked_late_days if marked_late else 0.0
        return Lateness(marked_late, None, _penalty(days, max_score, policy))
    if submitted.tzinfo is None:
        submitted = submitted.replace(tzinfo=dt.timezone.utc)
    seconds = (submitted - due).total_seconds()
    if seconds <= policy.grace_minutes * 60:
        return Lateness(False, 0.0, 0.0)
    hours = seconds / 3600
    return Lateness(True, hours, _penalty(math.ceil(hours / 24), max_score, policy))


def _penalty(days: float, max_score: float, policy: LatePolicy) -> float:
    return min(policy.cap, policy.per_day * days) * max_score
