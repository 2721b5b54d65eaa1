"""Putting a submitted notebook's graded cells back the way nbgrader released them.

What nbgrader's sanitize step does, with the gaps it leaves closed:

- every locked cell (setup, tests) gets its source back from the gradebook, hidden tests
  included, whatever the student did to it (nbgrader's OverwriteCells);
- a test cell, solution cell or locked code cell that is *missing* is put back in its place
  (nbgrader skips deleted test cells unless ``add_missing_cells`` is on): a deleted test is
  graded (0 unless the code passes it), and a notebook that predates a new exercise gets
  that exercise's stub and test, so the missing parts score 0;
- cells whose grade_id nbgrader does not know (or repeats) lose their nbgrader metadata
  (nbgrader's DeduplicateIds / OverwriteCells), and every cell takes its grading metadata
  from the release, never from the submission (points cannot be edited);
- the kernelspec is the release's (nbgrader's OverwriteKernelspec); outputs are cleared.

``restore`` takes a notebook as ``autograder.upload.read_notebook`` read it and returns the
notebook to execute, with ``Restoration`` notes that become the ``detail`` of the grade
table (edited test cells make the submission ``flagged``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_notebook

from autograder.assignment import Assignment
from autograder.cells import (cell_source, drop_nbgrader_meta, grade_id, has_nbgrader_meta, is_code, is_graded,
                              is_locked, is_solution, is_task, nbgrader_meta, set_nbgrader_meta)
from autograder.upload import CELL_ID

__all__ = ["Restoration", "restore", "master_cells"]


@dataclass
class Restoration:
    """What ``restore`` had to change, for the grade table's detail column."""

    edited: list[str] = field(default_factory=list)            # locked cells the student changed
    outdated: list[str] = field(default_factory=list)          # locked cells of an older release
    restored_tests: list[str] = field(default_factory=list)    # deleted test cells put back
    missing_exercises: list[str] = field(default_factory=list)  # solution cells absent (with their tests)
    restored_locked: list[str] = field(default_factory=list)   # other locked code cells put back
    demoted: list[str] = field(default_factory=list)           # unknown or repeated grade_ids
    unanswered: set[str] = field(default_factory=set)          # solution cells left as released
    stripped: str | None = None                                # no nbgrader metadata at all: what was done

    def notes(self) -> list[str]:
        notes = [self.stripped] if self.stripped else []
        if self.edited:
            notes.append("edited locked cells restored from the release: " + ", ".join(self.edited))
        if self.outdated:
            notes.append("read-only cells from an older release replaced by the current ones: "
                         + ", ".join(self.outdated))
        if self.restored_tests:
            notes.append("deleted test cells restored and graded: " + ", ".join(self.restored_tests))
        if self.missing_exercises:
            notes.append("exercises missing from the notebook (older release?), graded as unanswered: "
                         + ", ".join(self.missing_exercises))
        if self.restored_locked:
            notes.append("deleted read-only cells restored: " + ", ".join(self.restored_locked))
        if self.demoted:
            notes.append("cells with unknown or repeated grade ids treated as ordinary cells: "
                         + ", ".join(self.demoted))
        return notes


def master_cells(assignment: Assignment) -> list[NotebookNode]:
    """The release notebook's cells with locked ones holding the gradebook's source (hidden tests in)."""
    cells = []
    for raw in assignment.release_cells:
        cell = nbformat.from_dict(copy.deepcopy(raw))
        cell.source = cell_source(cell)
        if is_locked(cell) and grade_id(cell) in assignment.gradebook_sources:
            cell.source = assignment.gradebook_sources[grade_id(cell)]
        if is_code(cell):
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    return cells


def _is_restorable(cell: NotebookNode) -> bool:
    """Cells put back when missing: tests, solutions and read-only code (e.g. the setup cell)."""
    return is_graded(cell) or is_solution(cell) or (is_locked(cell) and is_code(cell))


def restore(submitted: NotebookNode, assignment: Assignment) -> tuple[NotebookNode, Restoration]:
    """The notebook to execute for ``submitted``, and what had to be changed."""
    master = master_cells(assignment)
    release = {grade_id(c): c for c in assignment.release_cells if grade_id(c)}
    position = {grade_id(c): i for i, c in enumerate(master) if grade_id(c)}
    notes = Restoration()
    if not any(has_nbgrader_meta(c) for c in submitted.cells):
        submitted, notes.stripped = _match_stripped(submitted, assignment)
    seen: set[str] = set()
    cells: list[NotebookNode] = []
    next_master = 0

    def put_back_missing(upto: int) -> None:
        for cell in master[next_master:upto]:
            name = grade_id(cell)
            if name and name not in seen and _is_restorable(cell) and name not in present:
                seen.add(name)
                cells.append(copy.deepcopy(cell))
                _note_missing(cell, notes, present)

    present = {g for c in submitted.cells if (g := grade_id(c)) in position}
    for cell in submitted.cells:
        name = grade_id(cell)
        if name in position and name not in seen:
            index = position[name]
            if index >= next_master:
                put_back_missing(index)
                next_master = index + 1
            seen.add(name)
            cells.append(_restored_cell(cell, master[index], release[name], notes))
        else:
            if name is not None or has_nbgrader_meta(cell):
                if name is not None and (is_graded(cell) or is_solution(cell) or name in position):
                    notes.demoted.append(str(name))
                cell = copy.deepcopy(cell)
                drop_nbgrader_meta(cell)
            cells.append(_ordinary_cell(cell))
    put_back_missing(len(master))

    nb = new_notebook(cells=cells)
    nb.metadata = nbformat.from_dict(copy.deepcopy(submitted.metadata))
    release_meta = json.loads(assignment.release_json).get("metadata", {})
    nb.metadata["kernelspec"] = nbformat.from_dict(release_meta.get("kernelspec", {
        "name": "python3", "display_name": "Python 3", "language": "python"}))
    nb.metadata.pop("widgets", None)
    _unique_ids(nb)
    return nb, notes


def _match_stripped(submitted: NotebookNode, assignment: Assignment) -> tuple[NotebookNode, str]:
    """A notebook without any nbgrader metadata (saved by an editor that drops it, or pasted
    into a new notebook): if its cells line up one to one with the release's (same number,
    same types), each cell takes the release cell's grading metadata; otherwise nothing can
    be matched and every exercise is graded as missing."""
    released = assignment.release_cells
    if len(released) == len(submitted.cells) and all(
            c.cell_type == r["cell_type"] for c, r in zip(submitted.cells, released)):
        matched = copy.deepcopy(submitted)
        for cell, release_cell in zip(matched.cells, released):
            if has_nbgrader_meta(release_cell):
                set_nbgrader_meta(cell, nbformat.from_dict(copy.deepcopy(nbgrader_meta(release_cell))))
        return matched, "no nbgrader metadata in the notebook: cells matched to the release by position"
    return submitted, ("no nbgrader metadata in the notebook and its cells do not line up with the release: "
                       "answers could not be found")


def _note_missing(cell: NotebookNode, notes: Restoration, present: set[str]) -> None:
    name = grade_id(cell)
    if is_solution(cell):
        notes.missing_exercises.append(name)
        notes.unanswered.add(name)
    elif is_graded(cell) and not is_task(cell):
        exercise = name[len("test_"):] if name.startswith("test_") else None
        if exercise not in notes.missing_exercises:
            notes.restored_tests.append(name)
    else:
        notes.restored_locked.append(name)


def _restored_cell(submitted: NotebookNode, master: NotebookNode, released: dict, notes: Restoration) -> NotebookNode:
    name = grade_id(master)
    released_source = cell_source(released)
    if is_locked(master):
        if submitted.cell_type != master.cell_type or submitted.source != released_source:
            if _matches_own_checksum(submitted):
                notes.outdated.append(name)  # unchanged since its release, which has been updated since
            else:
                notes.edited.append(name)
        return copy.deepcopy(master)
    # A solution cell: the student's text, the release's type and metadata.
    cell = copy.deepcopy(master)
    cell.source = submitted.source
    if submitted.source.strip() == released_source.strip():
        notes.unanswered.add(name)
    if getattr(submitted, "id", None):
        cell.id = submitted.id
    return cell


def _matches_own_checksum(cell: NotebookNode) -> bool:
    """True if the cell is as generate_assignment released it: nbgrader's checksum, written into
    its metadata at release time, still matches its content."""
    from nbgrader.utils import compute_checksum

    stored = nbgrader_meta(cell).get("checksum")
    if not stored:
        return False
    try:
        return compute_checksum(cell) == stored
    except (KeyError, TypeError, ValueError):
        return False


def _ordinary_cell(cell: NotebookNode) -> NotebookNode:
    cell = copy.deepcopy(cell)
    if is_code(cell):
        cell.outputs, cell.execution_count = [], None
    return cell


def _unique_ids(nb: NotebookNode) -> None:
    taken: set[str] = set()
    for number, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not CELL_ID.match(cell_id) or cell_id in taken:
            cell_id = f"graded-{number}"
            while cell_id in taken:
                cell_id += "x"
            cell["id"] = cell_id
        taken.add(cell_id)
