"""One chapter as grading knows it: the ``Assignment`` record that worker processes receive.

``CourseFolder.generate`` (autograder.release) builds it from what nbgrader released and
recorded: what grading needs to restore a submission's locked cells (the gradebook's copies,
hidden tests included) and to score it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

from autograder.cells import grade_id, is_graded, is_solution, is_test, points
from autograder.teaching import teaching_cells

__all__ = ["Assignment"]


@dataclass(frozen=True)
class Assignment:
    """One chapter as nbgrader knows it, in a form worker processes can receive.

    release_json: the student notebook, as released (checksums of the student version).
    gradebook_sources: grade_id -> the source nbgrader keeps in its gradebook for that cell
        (for test cells, hidden tests included); locked cells are restored from these.
    runtime: the release folder (student nnlib, assets) that grading kernels import from.
    digest: what the release was made from (``autograder.fingerprints.chapter_digest``).
    """

    chapter: str
    release_json: str
    gradebook_sources: dict[str, str]
    runtime: str
    notebook: str = field(default="")
    digest: str = ""

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

    @cached_property
    def teaching(self) -> dict[str, str]:
        """cell id -> source of the release's teaching cells (see ``autograder.teaching``)."""
        return teaching_cells(self.release_cells)

    @property
    def max_score(self) -> float:
        return sum(self.points.values())
