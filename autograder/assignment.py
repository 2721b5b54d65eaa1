"""One chapter as grading knows it: the ``Assignment`` record that worker processes receive.

``CourseFolder.generate`` (autograder.release) builds it from what nbgrader released and
recorded: what grading needs to restore a submission's locked cells (the gradebook's copies,
hidden tests included), to score it, and to keep hidden tests out of feedback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

from autograder.cells import cell_source, grade_id, is_graded, is_solution, is_test, points

__all__ = ["Assignment", "HIDDEN_BEGIN", "HIDDEN_END", "hidden_test_lines", "visible_tests"]

HIDDEN_BEGIN = "BEGIN HIDDEN TESTS"
HIDDEN_END = "END HIDDEN TESTS"


def _split_hidden(source: str) -> tuple[list[str], list[str]]:
    """(lines outside, lines inside) the ``BEGIN HIDDEN TESTS``/``END HIDDEN TESTS`` regions
    of a cell's source; the marker lines count as inside."""
    visible, hidden, inside = [], [], False
    for line in source.splitlines():
        if HIDDEN_BEGIN in line:
            inside = True
        (hidden if inside else visible).append(line)
        if HIDDEN_END in line:
            inside = False
    return visible, hidden


def hidden_test_lines(source: str) -> list[str]:
    """The lines between ``BEGIN HIDDEN TESTS`` and ``END HIDDEN TESTS`` of a cell (markers included)."""
    return _split_hidden(source)[1]


def visible_tests(source: str) -> str:
    """A test cell's source as the student release shows it: the hidden regions removed."""
    return "\n".join(_split_hidden(source)[0])


@dataclass(frozen=True)
class Assignment:
    """One chapter as nbgrader knows it, in a form worker processes can receive.

    release_json: the student notebook, as released (checksums of the student version).
    gradebook_sources: grade_id -> the source nbgrader keeps in its gradebook for that cell
        (for test cells, hidden tests included); locked cells are restored from these.
    runtime: the release folder (student nnlib, assets) that grading kernels import from.
    """

    chapter: str
    release_json: str
    gradebook_sources: dict[str, str]
    runtime: str
    notebook: str = field(default="")

    def __post_init__(self) -> None:
        if not self.notebook:
            object.__setattr__(self, "notebook", self.chapter)

    @cached_property
    def release_cells(self) -> list[dict]:
        return json.loads(self.release_json)["cells"]

    @cached_property
    def test_ids(self) -> list[str]:
        """grade_ids of the autograded test cells, in notebook order."""
        return [grade_id(c) for c in self.release_cells if is_test(c)]

    @cached_property
    def points(self) -> dict[str, float]:
        """grade_id -> points, for every grade cell."""
        return {grade_id(c): points(c) for c in self.release_cells if is_graded(c)}

    @cached_property
    def exercise_tests(self) -> dict[str, str]:
        """exercise (the grade_id of its solution cell, an nnlib function name) -> its test's grade_id."""
        solutions = [grade_id(c) for c in self.release_cells if is_solution(c) and grade_id(c)]
        return {name: f"test_{name}" for name in solutions if f"test_{name}" in self.points}

    @property
    def max_score(self) -> float:
        return sum(self.points.values())

    @cached_property
    def hidden_lines(self) -> frozenset[str]:
        """Stripped lines of the hidden tests that appear nowhere in the student notebook.

        Feedback must not contain any of them; lines a student can read anyway (e.g. an
        import that is also in the setup cell) and bare punctuation are left out.
        """
        visible = set()
        for cell in self.release_cells:
            visible.update(line.strip() for line in cell_source(cell).splitlines())
        hidden = set()
        for source in self.gradebook_sources.values():
            for line in hidden_test_lines(source):
                line = line.strip()
                if (len(line) >= 6 and line not in visible) or HIDDEN_BEGIN in line or HIDDEN_END in line:
                    hidden.add(line)
        return frozenset(hidden)
