"""A student's uploaded notebook file, read without trusting it.

``read_notebook`` turns whatever file a student uploaded into an nbformat notebook built
cell by cell (code, markdown or raw; text source; the metadata copied), or raises
``InvalidSubmission`` saying why it cannot be graded: unreadable, too large, not UTF-8, not
JSON, not a notebook of format 4, more than ``MAX_CELLS`` cells, a cell of another type or
without text. A cell id that nbformat would refuse is replaced by a fresh one.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

from autograder.cells import cell_source

__all__ = ["InvalidSubmission", "read_notebook", "CELL_ID", "MAX_CELLS", "MAX_NOTEBOOK_BYTES"]

MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
MAX_CELLS = 2000  # a chapter has under 100; each cell costs a kernel round trip and its output
CELL_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # what nbformat 4.5 accepts as a cell id


class InvalidSubmission(ValueError):
    """The submitted file is not a notebook the grader can read (the message says why)."""


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
        try:
            source = cell_source(raw)
        except TypeError:  # a list of other things than text
            source = None
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
        if isinstance(raw.get("id"), str) and CELL_ID.match(raw["id"]):
            cell.id = raw["id"]
        cells.append(cell)
    nb = new_notebook(cells=cells)
    if isinstance(data.get("metadata"), dict):
        nb.metadata = nbformat.from_dict(copy.deepcopy(data["metadata"]))
    return nb
