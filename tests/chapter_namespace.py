"""A chapter's solved notebook run in this process, for the claims tests (test_claims_*.py).

The claims tests check what a chapter's text says about its figures, numbers and widgets by
computing it, from the very values the notebook computes: ``namespace(chapter)`` executes
every code cell of the source notebook (answers and hidden tests included) with the reference
nnlib and matplotlib's Agg backend, and returns the names the cells defined. It runs once per
test process and chapter (a few seconds); printed output is swallowed and each cell's figures
are closed after it.
"""

from __future__ import annotations

import contextlib
import io
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402

from autograder.course import source_notebook  # noqa: E402

__all__ = ["namespace"]


@lru_cache(maxsize=None)
def namespace(chapter: str) -> dict[str, Any]:
    """The global names after running every code cell of ``chapter``'s source notebook in order.

    Treat it as read-only: the tests of a chapter share it.
    """
    nb = nbformat.read(source_notebook(chapter), as_version=4)
    names: dict[str, Any] = {"__name__": f"notebook_{chapter}"}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell.source, f"<{chapter} cell {index}>", "exec"), names)
        plt.close("all")
    return names
