"""The mutation suite, through the grading pipeline: for every exercise of every chapter, a
realistic wrong answer injected into the solved notebook loses that exercise's points and
no others.

For each chapter present (the course's notebooks with ``tests/mutations/<chapter>.py``, and
the grader's fixture chapters with ``tests/fixtures/mutations/``) one batch is graded with
``autograder.grading.grade``: the solved notebook (full marks), the blank release (zero) and
one submission per exercise, holding the first mistake listed for it. (tests/test_notebooks.py
runs every listed mistake with nbclient; grading them all here too would take minutes.)
Submissions keep only the setup, solution and test cells (what grading depends on), which
makes a batch quick; ``make demo`` grades the whole notebooks.
"""

from __future__ import annotations

import csv

import nbformat
import pytest

from autograder.cells import grade_id, is_solution
from autograder.grading import grade
from autograder.limits import Limits
from autograder.release import release
from autograder.samples import load_mutations, only_graded_cells, solved, with_answers, write_submission
from fixtures import support

pytestmark = pytest.mark.grading

SOURCES = {
    "fixture": (support.FIXTURE_NOTEBOOKS, support.FIXTURE_MUTATIONS),
    "course": (support.COURSE_NOTEBOOKS, support.COURSE_NOTEBOOKS.parent / "tests" / "mutations"),
}
CASES = [pytest.param(kind, chapter, id=f"{kind}-{chapter}")
         for kind, (notebooks, _) in SOURCES.items() for chapter in support.present(notebooks)]


def _solution_ids(nb) -> list[str]:
    return [grade_id(c) for c in nb.cells if is_solution(c)]


@pytest.mark.parametrize(("kind", "chapter"), CASES)
def test_each_mistake_loses_its_own_exercise_and_nothing_else(kind, chapter, tmp_path):
    notebooks, mutations_dir = SOURCES[kind]
    mutations = load_mutations(chapter, mutations_dir)
    folder = release([chapter], tmp_path / "release", notebooks)[chapter]
    blank = only_graded_cells(nbformat.read(folder / f"{chapter}.ipynb", as_version=4))
    answers = solved(blank, support.source_notebook(notebooks, chapter))
    exercises = _solution_ids(blank)
    missing = [e for e in exercises if not mutations.get(e)]
    assert not missing, f"exercises of {chapter} without a mutation in {mutations_dir}/{chapter}.py: {missing}"

    submitted = tmp_path / "submitted"
    write_submission(submitted, "solved", chapter, answers)
    write_submission(submitted, "blank", chapter, blank)
    cases = {}
    for exercise in exercises:
        mistake, source = next(iter(mutations[exercise].items()))
        student = f"{exercise}--{mistake}"
        write_submission(submitted, student, chapter, with_answers(answers, {exercise: source}))
        cases[student] = exercise
    grade(submitted, tmp_path / "out", jobs=2, source_dir=notebooks, progress=False, limits=Limits(cell_timeout=120))

    with open(tmp_path / "out" / "grades_detail.csv", newline="") as handle:
        scores: dict[str, dict[str, tuple[float, float]]] = {}
        for row in csv.DictReader(handle):
            scores.setdefault(row["student"], {})[row["grade_id"]] = (float(row["score"]), float(row["max_score"]))
    with open(tmp_path / "out" / "grades.csv", newline="") as handle:
        statuses = {row["student"]: (row["status"], row["detail"]) for row in csv.DictReader(handle)}

    problems = []
    lost = {g for g, (s, m) in scores["solved"].items() if s != m}
    if lost:
        problems.append(f"the solved notebook loses points on {sorted(lost)}")
    earned = {g for g, (s, _) in scores["blank"].items() if s != 0}
    if earned:
        problems.append(f"the blank release earns points on {sorted(earned)}")
    for student, exercise in cases.items():
        if statuses[student][0] != "graded":
            problems.append(f"{student}: status {statuses[student]}")
        cells = scores[student]
        if cells[f"test_{exercise}"][0] != 0:
            problems.append(f"{student}: the mistake is not caught (test_{exercise} scores {cells[f'test_{exercise}'][0]})")
        collateral = sorted(g for g, (s, m) in cells.items() if g != f"test_{exercise}" and s != m)
        if collateral:
            problems.append(f"{student}: also loses points on {collateral}")
    # No feedback page shows a line of the hidden tests (lines that are also a line of the
    # answer may appear: the student wrote them).
    hidden, answer_lines = support.secret_lines(support.source_notebook(notebooks, chapter))
    for page in sorted((tmp_path / "out" / "feedback").rglob("*.html")):
        shown = {line.strip() for line in support.html_text(page).splitlines()}
        leaked = sorted((hidden - answer_lines) & shown)
        if leaked:
            problems.append(f"{page.parent.parent.name}: feedback shows hidden-test lines {leaked[:2]}")
    assert not problems, f"{chapter}:\n" + "\n".join(problems)
