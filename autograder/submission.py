"""Reading a submitted notebook and putting its graded cells back the way nbgrader released them.

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

``restore`` returns the notebook to execute and ``Restoration`` notes that become the
``detail`` of the grade table (edited test cells make the submission ``flagged``).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from autograder.release import Assignment

__all__ = ["InvalidSubmission", "Restoration", "read_notebook", "restore", "master_cells"]

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
MAX_CELLS = 2000  # a chapter has under 100; each cell costs a kernel round trip and its output
_CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class InvalidSubmission(ValueError):
    """The submitted file is not a notebook the grader can read (the message says why)."""


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


def read_notebook(path: Path) -> NotebookNode:
    """The submitted notebook, or InvalidSubmission saying why it cannot be graded."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidSubmission(f"cannot read {path.name}: {exc.strerror}") from None
    if size > MAX_NOTEBOOK_BYTES:
        raise InvalidSubmission(f"{path.name} is {size / 2**20:.0f} MiB; notebooks over "
                                f"{MAX_NOTEBOOK_BYTES // 2**20} MiB are not graded")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidSubmission(f"{path.name} is not UTF-8 text, so not a notebook") from None
    except json.JSONDecodeError as exc:
        raise InvalidSubmission(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise InvalidSubmission(f"{path.name} is JSON but not a Jupyter notebook (no list of cells)")
    if len(data["cells"]) > MAX_CELLS:
        raise InvalidSubmission(f"{path.name} has {len(data['cells'])} cells; notebooks with more than "
                                f"{MAX_CELLS} are not graded")
    if data.get("nbformat") != 4:
        raise InvalidSubmission(f"{path.name} has notebook format {data.get('nbformat')!r}; format 4 is expected")
    cells = []
    for number, raw in enumerate(data["cells"], start=1):
        if not isinstance(raw, dict):
            raise InvalidSubmission(f"{path.name}: cell {number} is not a JSON object")
        source = raw.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise InvalidSubmission(f"{path.name}: cell {number} has no text source")
        metadata = raw.get("metadata") if isinstance(raw.get("metadata"), dict) else {}
        kind = raw.get("cell_type")
        if kind == "code":
            cell = new_code_cell(source)
        elif kind == "markdown":
            cell = new_markdown_cell(source)
        elif kind == "raw":
            cell = new_raw_cell(source)
        else:
            raise InvalidSubmission(f"{path.name}: cell {number} has unknown type {kind!r}")
        cell.metadata = nbformat.from_dict(copy.deepcopy(metadata))
        if isinstance(raw.get("id"), str) and _CELL_ID.match(raw["id"]):
            cell.id = raw["id"]
        cells.append(cell)
    nb = new_notebook(cells=cells)
    if isinstance(data.get("metadata"), dict):
        nb.metadata = nbformat.from_dict(copy.deepcopy(data["metadata"]))
    return nb


def _grading_meta(cell: NotebookNode) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def master_cells(assignment: Assignment) -> list[NotebookNode]:
    """The release notebook's cells with locked ones holding the gradebook's source (hidden tests in)."""
    cells = []
    for raw in assignment.release_cells:
        cell = nbformat.from_dict(copy.deepcopy(raw))
        if isinstance(cell.source, list):
            cell.source = "".join(cell.source)
        meta = _grading_meta(cell)
        grade_id = meta.get("grade_id")
        if meta.get("locked") and grade_id in assignment.gradebook_sources:
            cell.source = assignment.gradebook_sources[grade_id]
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    return cells


def _is_restorable(cell: NotebookNode) -> bool:
    """Cells put back when missing: tests, solutions and read-only code (e.g. the setup cell)."""
    meta = _grading_meta(cell)
    return bool(meta.get("grade") or meta.get("solution") or (meta.get("locked") and cell.cell_type == "code"))


def restore(submitted: NotebookNode, assignment: Assignment) -> tuple[NotebookNode, Restoration]:
    """The notebook to execute for ``submitted``, and what had to be changed."""
    master = master_cells(assignment)
    release = {(_grading_meta(c).get("grade_id")): c for c in assignment.release_cells if _grading_meta(c).get("grade_id")}
    position = {(_grading_meta(c).get("grade_id")): i for i, c in enumerate(master) if _grading_meta(c).get("grade_id")}
    notes = Restoration()
    if not any("nbgrader" in c.get("metadata", {}) for c in submitted.cells):
        submitted, notes.stripped = _match_stripped(submitted, assignment)
    seen: set[str] = set()
    cells: list[NotebookNode] = []
    next_master = 0

    def put_back_missing(upto: int) -> None:
        for cell in master[next_master:upto]:
            grade_id = _grading_meta(cell).get("grade_id")
            if grade_id and grade_id not in seen and _is_restorable(cell) and grade_id not in present:
                seen.add(grade_id)
                cells.append(copy.deepcopy(cell))
                _note_missing(cell, notes, present)

    present = {g for c in submitted.cells if (g := _grading_meta(c).get("grade_id")) in position}
    for cell in submitted.cells:
        grade_id = _grading_meta(cell).get("grade_id")
        if grade_id in position and grade_id not in seen:
            index = position[grade_id]
            if index >= next_master:
                put_back_missing(index)
                next_master = index + 1
            seen.add(grade_id)
            cells.append(_restored_cell(cell, master[index], release[grade_id], notes))
        else:
            if grade_id is not None or "nbgrader" in cell.metadata:
                if grade_id is not None and (_grading_meta(cell).get("grade") or _grading_meta(cell).get("solution")
                                             or grade_id in position):
                    notes.demoted.append(str(grade_id))
                cell = copy.deepcopy(cell)
                cell.metadata.pop("nbgrader", None)
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
            meta = release_cell.get("metadata", {}).get("nbgrader")
            if meta is not None:
                cell.metadata["nbgrader"] = nbformat.from_dict(copy.deepcopy(meta))
        return matched, "no nbgrader metadata in the notebook: cells matched to the release by position"
    return submitted, ("no nbgrader metadata in the notebook and its cells do not line up with the release: "
                       "answers could not be found")


def _note_missing(cell: NotebookNode, notes: Restoration, present: set[str]) -> None:
    meta = _grading_meta(cell)
    grade_id = meta["grade_id"]
    if meta.get("solution"):
        notes.missing_exercises.append(grade_id)
        notes.unanswered.add(grade_id)
    elif meta.get("grade"):
        exercise = grade_id[len("test_"):] if grade_id.startswith("test_") else None
        if exercise not in notes.missing_exercises:
            notes.restored_tests.append(grade_id)
    else:
        notes.restored_locked.append(grade_id)


def _restored_cell(submitted: NotebookNode, master: NotebookNode, released: dict, notes: Restoration) -> NotebookNode:
    meta = _grading_meta(master)
    grade_id = meta["grade_id"]
    if meta.get("locked") and not meta.get("solution"):
        released_source = "".join(released["source"]) if isinstance(released["source"], list) else released["source"]
        if submitted.cell_type != master.cell_type or submitted.source != released_source:
            if _matches_own_checksum(submitted):
                notes.outdated.append(grade_id)  # unchanged since its release, which has been updated since
            else:
                notes.edited.append(grade_id)
        return copy.deepcopy(master)
    # A solution cell: the student's text, the release's type and metadata.
    cell = copy.deepcopy(master)
    cell.source = submitted.source
    released_source = "".join(released["source"]) if isinstance(released["source"], list) else released["source"]
    if submitted.source.strip() == released_source.strip():
        notes.unanswered.add(grade_id)
    if getattr(submitted, "id", None):
        cell.id = submitted.id
    return cell


def _matches_own_checksum(cell: NotebookNode) -> bool:
    """True if the cell is as generate_assignment released it: nbgrader's checksum, written into
    its metadata at release time, still matches its content."""
    from nbgrader.utils import compute_checksum

    stored = _grading_meta(cell).get("checksum")
    if not stored:
        return False
    try:
        return compute_checksum(cell) == stored
    except (KeyError, TypeError, ValueError):
        return False


def _ordinary_cell(cell: NotebookNode) -> NotebookNode:
    cell = copy.deepcopy(cell)
    if cell.cell_type == "code":
        cell.outputs, cell.execution_count = [], None
    return cell


def _unique_ids(nb: NotebookNode) -> None:
    taken: set[str] = set()
    for number, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if not isinstance(cell_id, str) or not _CELL_ID.match(cell_id) or cell_id in taken:
            cell_id = f"graded-{number}"
            while cell_id in taken:
                cell_id += "x"
            cell["id"] = cell_id
        taken.add(cell_id)
