"""The nbgrader cell vocabulary: what a notebook cell is to nbgrader, read from its metadata.

nbgrader keeps a cell's grading role in ``cell.metadata["nbgrader"]``: ``grade`` (the cell
has points), ``solution`` (the student writes it), ``locked`` (read-only), ``grade_id`` (its
name in the gradebook) and ``points``. A submitted notebook may hold anything there, so every
reader here treats a missing or malformed entry as "an ordinary cell".

Every function takes a cell as nbformat's ``NotebookNode`` or as a plain dict (the cells of
``Assignment.release_cells`` are dicts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "nbgrader_meta", "has_nbgrader_meta", "set_nbgrader_meta", "drop_nbgrader_meta", "grade_id", "points", "is_code", "is_graded", "is_solution",
    "is_locked", "is_test", "is_task", "is_manual", "cell_source", "NO_RESPONSE",
]

NO_RESPONSE = "No response."  # nbgrader's comment on an answer left as released (0 points, no person needed)


def nbgrader_meta(cell: Mapping[str, Any]) -> dict:
    """The cell's nbgrader metadata; {} where it has none (or something that is not a dict)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def has_nbgrader_meta(cell: Mapping[str, Any]) -> bool:
    """True if the cell's metadata has an nbgrader entry at all, well-formed or not."""
    return "nbgrader" in cell.get("metadata", {})


def set_nbgrader_meta(cell: dict, meta: dict) -> None:
    """Give ``cell`` this nbgrader metadata (a NotebookNode cell wants a NotebookNode ``meta``)."""
    cell["metadata"]["nbgrader"] = meta


def drop_nbgrader_meta(cell: dict) -> None:
    """Make ``cell`` an ordinary cell: no nbgrader metadata."""
    cell.get("metadata", {}).pop("nbgrader", None)


def grade_id(cell: Mapping[str, Any]) -> str | None:
    """The cell's name in the gradebook, or None for an ordinary cell."""
    return nbgrader_meta(cell).get("grade_id")


def points(cell: Mapping[str, Any]) -> float:
    """Points of a graded cell (0 where none are given)."""
    return float(nbgrader_meta(cell).get("points", 0))


def is_code(cell: Mapping[str, Any]) -> bool:
    return cell.get("cell_type") == "code"


def is_graded(cell: Mapping[str, Any]) -> bool:
    """A cell with points: an autograded test, an answer graded by hand, or a task."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade") or meta.get("task"))


def is_task(cell: Mapping[str, Any]) -> bool:
    """nbgrader's task: a read-only markdown cell with points, graded by hand on the whole notebook."""
    return bool(nbgrader_meta(cell).get("task"))


def is_manual(cell: Mapping[str, Any]) -> bool:
    """A cell with points that a person grades: a written or coded answer with points, or a task."""
    return is_graded(cell) and (is_solution(cell) or is_task(cell))


def is_solution(cell: Mapping[str, Any]) -> bool:
    """A cell the student writes (an exercise's answer)."""
    return bool(nbgrader_meta(cell).get("solution"))


def is_locked(cell: Mapping[str, Any]) -> bool:
    """A read-only cell (setup, tests, text): locked, and not a solution cell, which is the student's."""
    return bool(nbgrader_meta(cell).get("locked")) and not is_solution(cell)


def is_test(cell: Mapping[str, Any]) -> bool:
    """An autograded test cell: code with points that the student does not write."""
    return is_code(cell) and is_graded(cell) and not is_solution(cell)


def cell_source(cell: Mapping[str, Any]) -> str:
    """The cell's source as one string (a notebook file may store it as a list of lines).

    A cell read from an untrusted file may hold anything there: a list of other things than
    text raises TypeError, and anything else comes back as it is, for the caller to refuse.
    """
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source
