"""A test cell cut at its hidden regions: its visible code runs with the student's, its regions later.

nbgrader marks hidden tests inside a test cell with two comment lines::

    assert relu(-1.0) == 0, "relu(-1) is 0"        # visible: the student has it
    ### BEGIN HIDDEN TESTS
    assert np.array_equal(relu(z), ...), "..."    # hidden: only the grader has it
    ### END HIDDEN TESTS
    print("relu: all tests in this cell passed")   # visible

``split_test`` cuts such a cell into its visible pieces and its hidden regions (the marker
lines belong to neither; "\\n".join of the visible lines is the cell as nbgrader releases
it). While the student's notebook runs, a test cell runs its visible pieces only, with a
*freeze point* where each hidden region stood (``phase_one_source``); the hidden regions
run later, each in the copy of the kernel made at its freeze point (``autograder.freeze``,
``autograder.deferred``). For that, a hidden region must be whole top-level statements: its
marker lines are not indented, it parses on its own, and its freeze point is a top-level
statement of the cell (not, say, the body of an ``if`` the visible code opened).
``check_test`` says what is wrong with a cell that breaks this, for the release to refuse it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from nbformat import NotebookNode

from autograder.cells import is_test

__all__ = ["HIDDEN_BEGIN", "HIDDEN_END", "SplitTest", "HiddenRegion", "split_test", "check_test",
           "phase_one_source", "hidden_regions"]

HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"
HIDDEN_END = "END HIDDEN TESTS"


@dataclass(frozen=True)
class SplitTest:
    """A test cell cut at its hidden regions.

    visible: the n + 1 pieces of visible code around the n hidden regions (each may be "").
    hidden: the n hidden regions, marker lines left out.
    marker_lines: the marker lines, in order (to check their indentation).
    """

    visible: tuple[str, ...]
    hidden: tuple[str, ...]
    marker_lines: tuple[str, ...] = ()

    @property
    def ends_hidden(self) -> bool:
        """True when no visible code follows the last hidden region (the cell's value, nbgrader's
        partial credit, is then the last hidden statement's)."""
        return bool(self.hidden) and not self.visible[-1].strip()


@dataclass(frozen=True)
class HiddenRegion:
    """Hidden region ``number`` (counted through the notebook, from 0) of the test cell at index
    ``cell``; ``ends_cell``: no visible code follows it in its cell."""

    number: int
    cell: int
    source: str
    ends_cell: bool


def split_test(source: str) -> SplitTest:
    """The visible pieces and hidden regions of a test cell's source (ValueError if a region is
    nested or left open, as nbgrader refuses them too)."""
    pieces: list[list[str]] = [[]]
    hidden: list[str] = []
    markers: list[str] = []
    region: list[str] | None = None
    for line in source.split("\n"):
        if HIDDEN_BEGIN in line:
            if region is not None:
                raise ValueError(f"a {HIDDEN_BEGIN} line inside a hidden region")
            region = []
            markers.append(line)
        elif HIDDEN_END in line:
            if region is None:
                raise ValueError(f"an {HIDDEN_END} line without its {HIDDEN_BEGIN}")
            hidden.append("\n".join(region))
            pieces.append([])
            markers.append(line)
            region = None
        elif region is not None:
            region.append(line)
        else:
            pieces[-1].append(line)
    if region is not None:
        raise ValueError(f"a {HIDDEN_BEGIN} line without its {HIDDEN_END}")
    return SplitTest(tuple("\n".join(p) for p in pieces), tuple(hidden), tuple(markers))


def phase_one_source(split: SplitTest, freeze_points: list[str]) -> str:
    """The cell as it runs with the student's code: its visible pieces, with ``freeze_points[i]``
    (one line of code) where hidden region i stood."""
    parts = [split.visible[0]]
    for point, piece in zip(freeze_points, split.visible[1:]):
        parts += [point, piece]
    return "\n".join(parts)


def check_test(source: str) -> str | None:
    """Why the hidden regions of a test cell cannot run apart from it (None: they can)."""
    try:
        split = split_test(source)
    except ValueError as exc:
        return str(exc)
    if not split.hidden:
        return None
    if any(line != line.lstrip() for line in split.marker_lines):
        return f"an indented {HIDDEN_BEGIN} or {HIDDEN_END} line: hidden tests must be top-level statements"
    for number, region in enumerate(split.hidden, start=1):
        try:
            ast.parse(region)
        except SyntaxError as exc:
            return f"hidden region {number} is not whole statements on its own (line {exc.lineno}: {exc.msg})"
    points = [f"__freeze_point_{i}__()" for i in range(len(split.hidden))]
    try:
        tree = ast.parse(phase_one_source(split, points))
    except SyntaxError as exc:
        return f"the visible code does not parse without the hidden regions (line {exc.lineno}: {exc.msg})"
    top = {node.value.func.id for node in tree.body if isinstance(node, ast.Expr)
           and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)}
    if not set(p[:-2] for p in points) <= top:
        return "a hidden region stands inside a block the visible code opens: it must be top-level statements"
    return None


def hidden_regions(nb: NotebookNode) -> list[HiddenRegion]:
    """Every hidden region of the notebook's test cells, in order (ValueError naming the cell
    where one cannot run apart from its cell: see ``check_test``)."""
    regions: list[HiddenRegion] = []
    for index, cell in enumerate(nb.cells):
        if not is_test(cell) or HIDDEN_BEGIN not in cell.source:
            continue
        problem = check_test(cell.source)
        if problem:
            raise ValueError(f"test cell {index}: {problem}")
        split = split_test(cell.source)
        for position, source in enumerate(split.hidden):
            ends = position == len(split.hidden) - 1 and split.ends_hidden
            regions.append(HiddenRegion(len(regions), index, source, ends))
    return regions
