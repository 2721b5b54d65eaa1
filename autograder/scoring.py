"""Points of executed test cells: nbgrader's rule, minus its one false failure.

nbgrader (``utils.determine_grade``) gives a code test cell 0 points when any output is an
error *or anything at all was written to stderr*, partial credit when the cell's value is a
number, and full points otherwise. The stderr rule zeroes a test cell whose asserts all
passed as soon as a library prints a warning (a numpy RuntimeWarning from ``np.exp`` of a
large number, a DeprecationWarning). Here stderr that consists only of Python warnings does
not count; an exception still does, and so does any other stderr text. A test cell that
never ran (the kernel died or stopped first) scores 0, not full marks.

A test cell's hidden regions run after the notebook (``autograder.deferred``): an error in
one is an error output of its cell; what one wrote to stderr counts as the cell's stderr;
and where a region ends its cell, its last value is the cell's value.

``score_notebook`` applies the rule to every graded cell of an executed notebook, and gives 0
to a test cell whose kernel reply reported an error (student code can hide the traceback),
whose test environment the guard could not restore, or whose exercise's answer was taken
from nnlib.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nbformat import NotebookNode

from autograder.cells import grade_id, is_code, is_graded, is_solution, points
from autograder.execution import Execution

__all__ = ["only_warnings", "score_test_cell", "score_notebook"]

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


def score_test_cell(cell: NotebookNode, executed: bool, hidden_stderr: str = "",
                    hidden_value: str | None = None) -> float | None:
    """Points earned by an autograded cell; None for cells that need a human (written answers).

    hidden_stderr, hidden_value: what its hidden regions wrote to stderr, and the cell's value
    when a hidden region ends it (its text, as IPython shows it).
    """
    from nbformat.v4 import new_output
    from nbgrader.utils import get_partial_grade

    if is_solution(cell) or not is_code(cell):
        return None
    if not executed:
        return 0.0
    outputs = cell.get("outputs", [])
    if hidden_stderr and not only_warnings(hidden_stderr):
        return 0.0
    for output in outputs:
        if output.output_type == "error":
            return 0.0
        if output.output_type == "stream" and output.name == "stderr" and not only_warnings(output.text):
            return 0.0
    values = [o for o in outputs if o.output_type == "execute_result"]
    if hidden_value is not None:
        values = [new_output("execute_result", data={"text/plain": hidden_value})]
    for output in values:
        try:
            return float(get_partial_grade(output, points(cell)))
        except (KeyError, ValueError, TypeError):
            return points(cell)
    return points(cell)


def score_notebook(nb: NotebookNode, execution: Execution, zeroed: set[str],
                   grade_ids: Iterable[str]) -> dict[str, float | None]:
    """grade_id -> points of each graded cell of ``nb``; 0 for each of ``grade_ids`` not in it.

    zeroed: grade_ids of the tests whose exercise's answer was taken from nnlib.
    """
    scores: dict[str, float | None] = {}
    for index, cell in enumerate(nb.cells):
        if is_graded(cell):
            score = score_test_cell(cell, index in execution.executed, execution.hidden_stderr.get(index, ""),
                                    execution.hidden_value.get(index))
            if score and (index in execution.failed or index in execution.tampered):
                score = 0.0  # failed without showing it, or its test environment was broken
            if score and grade_id(cell) in zeroed:
                score = 0.0  # the reference answer, not the student's
            scores[grade_id(cell)] = score
    for name in grade_ids:
        scores.setdefault(name, 0.0)
    return scores
