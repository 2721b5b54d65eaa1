"""Points of one executed test cell: nbgrader's rule, minus its one false failure.

nbgrader (``utils.determine_grade``) gives a code test cell 0 points when any output is an
error *or anything at all was written to stderr*, partial credit when the cell's value is a
number, and full points otherwise. The stderr rule zeroes a test cell whose asserts all
passed as soon as a library prints a warning (a numpy RuntimeWarning from ``np.exp`` of a
large number, a DeprecationWarning). Here stderr that consists only of Python warnings does
not count; an exception still does, and so does any other stderr text. A test cell that
never ran (the kernel died or stopped first) scores 0, not full marks.
"""

from __future__ import annotations

import re

from nbformat import NotebookNode

__all__ = ["only_warnings", "score_test_cell"]

# "path/file.py:12: RuntimeWarning: overflow encountered in exp" (warnings.formatwarning)
_WARNING_LINE = re.compile(r"^\S.*:\d+: (?:[A-Za-z_][A-Za-z0-9_]*\.)*[A-Za-z_][A-Za-z0-9_]*Warning: ")


def only_warnings(text: str) -> bool:
    """True if ``text`` is made only of formatted Python warnings (each with its source line)."""
    inside = False
    for line in text.splitlines():
        if _WARNING_LINE.match(line):
            inside = True
        elif not (inside and (line.startswith((" ", "\t")) or not line.strip())):
            return False
    return True


def score_test_cell(cell: NotebookNode, executed: bool) -> float | None:
    """Points earned by an autograded cell; None for cells that need a human (written answers)."""
    from nbgrader.utils import get_partial_grade

    meta = cell.metadata["nbgrader"]
    points = float(meta.get("points", 0))
    if meta.get("solution") or cell.cell_type != "code":
        return None
    if not executed:
        return 0.0
    outputs = cell.get("outputs", [])
    for output in outputs:
        if output.output_type == "error":
            return 0.0
        if output.output_type == "stream" and output.name == "stderr" and not only_warnings(output.text):
            return 0.0
    for output in outputs:
        if output.output_type == "execute_result":
            try:
                return float(get_partial_grade(output, points))
            except (KeyError, ValueError, TypeError):
                return points
    return points
