"""Sample submissions made from a release: solved, blank, or with realistic mistakes.

Used by ``python -m autograder demo``, the grading benchmark and the grader's tests.

- ``solved(release_nb, source_nb)``: the student notebook with every solution cell holding
  the source notebook's answer (what a student who got everything right submits);
- ``with_answers(nb, {exercise: source})``: the same with some solution cells replaced,
  e.g. by the wrong answers of ``tests/mutations/<chapter>.py``;
- ``only_graded_cells(nb)``: setup, solution and test cells only (fast to grade);
- ``mutation_batch(release_nb, source_nb, mutations)``: the solved and blank notebooks and
  one notebook per listed mistake (student ``<exercise>--<mistake>``).
"""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from autograder.cells import grade_id, is_code, is_graded, is_locked, is_solution
from autograder.course import REPO_ROOT

__all__ = ["solved", "with_answers", "only_graded_cells", "load_mutations", "mutation_batch", "write_submission",
           "MUTATIONS_DIR"]

MUTATIONS_DIR = REPO_ROOT / "tests" / "mutations"


def _answer(source: str) -> str:
    """A solution cell's source with nbgrader's solution markers taken out (the answer stays)."""
    lines = [line for line in source.splitlines() if "BEGIN SOLUTION" not in line and "END SOLUTION" not in line]
    return "\n".join(lines)


def solved(release_nb: NotebookNode, source_nb: NotebookNode) -> NotebookNode:
    """``release_nb`` with the answers of ``source_nb`` in its solution cells."""
    answers = {grade_id(c): _answer(c.source) for c in source_nb.cells if is_solution(c)}
    return _with_solutions(release_nb, answers)


def with_answers(nb: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """``nb`` with the solution cells named in ``answers`` holding the given sources."""
    out = _with_solutions(nb, answers)
    missing = set(answers) - {grade_id(c) for c in out.cells if is_solution(c)}
    if missing:
        raise KeyError(f"no solution cell for {sorted(missing)}")
    return out


def _with_solutions(nb: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """A copy of ``nb`` whose solution cells named in ``answers`` hold the given sources."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if is_solution(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return out


def only_graded_cells(nb: NotebookNode) -> NotebookNode:
    """``nb`` with only its setup (read-only code), solution and test cells."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if is_code(c) and (is_solution(c) or is_graded(c) or is_locked(c))]
    return out


def load_mutations(chapter: str, folder: Path = MUTATIONS_DIR) -> dict[str, dict[str, str]]:
    """``MUTATIONS`` of ``<folder>/<chapter>.py``: exercise -> mistake -> wrong solution cell."""
    path = Path(folder) / f"{chapter}.py"
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"_mutations_{chapter}_{abs(hash(str(path)))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MUTATIONS


def mutation_batch(release_nb: NotebookNode, source_nb: NotebookNode, mutations: dict[str, dict[str, str]],
                   every_mistake: bool = True) -> dict[str, NotebookNode]:
    """student -> notebook: ``solved``, ``blank`` (the release) and ``<exercise>--<mistake>``,
    the solved notebook with that one wrong answer, for every mistake of ``mutations`` (or the
    first of each exercise)."""
    answers = solved(release_nb, source_nb)
    batch = {"solved": answers, "blank": release_nb}
    for exercise, mistakes in mutations.items():
        for mistake, source in list(mistakes.items())[:None if every_mistake else 1]:
            batch[f"{exercise}--{mistake}"] = with_answers(answers, {exercise: source})
    return batch


def write_submission(root: Path, student: str, chapter: str, nb: NotebookNode) -> Path:
    """Write ``nb`` as ``root/<student>/<chapter>/<chapter>.ipynb``."""
    path = Path(root) / student / chapter / f"{chapter}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path
