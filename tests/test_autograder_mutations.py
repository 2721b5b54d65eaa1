"""The mutation suite through the grading pipeline, whole notebooks: every listed mistake
loses its own exercise's points and no others, and skipping teaching cells changes no grade.

For each chapter present (the course's notebooks with ``tests/mutations/<chapter>.py``, and
the grader's fixture chapters with ``tests/fixtures/mutations/``) one batch of whole
notebooks, teaching cells included, is graded with ``autograder.grading.grade`` and every
saving: the solved notebook (every autograded point, its written answers left to a person),
the blank release (zero), a partly wrong one (as ``make demo`` makes it) and one submission
per listed mistake (``mutation_batch``: 269 for the course). Each mistake is caught by its
own test cell and costs nothing else, and no feedback page shows a line of the hidden tests
that is not also a line the student wrote.

The no-difference proof (issue 16, item 3): the same batch, graded with no saving (teaching
cells run, a cold kernel per notebook, nbconvert's own feedback page), gives the same
scores, statuses and cell scores, for the solved, blank and partly wrong notebooks and the
first mistake of every exercise. Grading all 269 mutated notebooks with no saving too
would add about 10 minutes on 2 cores (the teaching cells are most of a notebook's run
time: 4.99 against 1.94 s per notebook, measured), so the test grades the first mistake of
each exercise that way, and ``bench/savings.py`` grades every one of them both ways (run
it after changing the marks or the savings; see the README).
"""

from __future__ import annotations


import nbformat
import pytest

from autograder.cells import grade_id, is_code, is_solution
from autograder.demo import _mistakes
from autograder.grading import grade
from autograder.limits import Limits
from autograder.release import release
from autograder.samples import load_mutations, mutation_batch, with_answers, write_submission
from autograder.savings import Savings
from fixtures import support

pytestmark = pytest.mark.grading

SOURCES = {
    "fixture": (support.FIXTURE_NOTEBOOKS, support.FIXTURE_MUTATIONS),
    "course": (support.COURSE_NOTEBOOKS, support.COURSE_NOTEBOOKS.parent / "tests" / "mutations"),
}
CASES = [pytest.param(kind, chapter, id=f"{kind}-{chapter}")
         for kind, (notebooks, _) in SOURCES.items() for chapter in support.present(notebooks)]
NO_SAVING = Savings(skip_teaching=False, warm_kernel=False, lean_kernel=False, fork_kernel=False,
                     quick_feedback=False)
LIMITS = Limits(cell_timeout=120)


def _tables(out) -> tuple[dict, dict]:
    """student -> (score, status, detail), and student -> grade_id -> (score, max_score); the
    score of a cell that waits for a person is None."""
    grades = {r["student"]: (float(r["score"]), r["status"], r["detail"]) for r in support.table(out / "grades.csv")}
    cells: dict[str, dict[str, tuple[float | None, float]]] = {}
    for row in support.table(out / "grades_detail.csv"):
        score = float(row["score"]) if row["score"] else None
        cells.setdefault(row["student"], {})[row["grade_id"]] = (score, float(row["max_score"]))
    return grades, cells


@pytest.mark.parametrize(("kind", "chapter"), CASES)
def test_each_mistake_loses_its_own_exercise_and_nothing_else(kind, chapter, tmp_path):
    notebooks, mutations_dir = SOURCES[kind]
    mutations = load_mutations(chapter, mutations_dir)
    folder = release([chapter], tmp_path / "release", notebooks)[chapter]
    blank = nbformat.read(folder / f"{chapter}.ipynb", as_version=4)
    source = support.source_notebook(notebooks, chapter)
    exercises = [grade_id(c) for c in blank.cells if is_solution(c) and is_code(c)]
    written = {grade_id(c) for c in blank.cells if is_solution(c) and not is_code(c)}
    missing = [e for e in exercises if not mutations.get(e)]
    assert not missing, f"exercises of {chapter} without a mutation in {mutations_dir}/{chapter}.py: {missing}"

    batch = mutation_batch(blank, source, mutations)
    batch["partly_wrong"] = with_answers(batch["solved"], _mistakes(chapter, mutations_dir))
    first = set(mutation_batch(blank, source, mutations, every_mistake=False)) | {"partly_wrong"}
    for student, nb in batch.items():
        write_submission(tmp_path / "every", student, chapter, nb)
        if student in first:
            write_submission(tmp_path / "none", student, chapter, nb)
    for name, savings in (("every", Savings()), ("none", NO_SAVING)):
        grade(tmp_path / name, tmp_path / f"out-{name}", jobs=2, source_dir=notebooks, progress=False,
              limits=LIMITS, savings=savings)
    statuses, scores = _tables(tmp_path / "out-every")
    assert set(statuses) == set(batch), "every submission was graded"

    problems = []
    lost = {g for g, (s, m) in scores["solved"].items() if g not in written and s != m}
    graded = {g for g in written if scores["solved"][g][0] is not None}
    if graded:
        problems.append(f"written answers of the solved notebook scored without a person: {sorted(graded)}")
    if lost:
        problems.append(f"the solved notebook loses points on {sorted(lost)}")
    earned = {g for g, (s, _) in scores["blank"].items() if s != 0}
    if earned:
        problems.append(f"the blank release earns points on {sorted(earned)}")
    if not 0 < statuses["partly_wrong"][0] < statuses["solved"][0]:
        problems.append(f"the partly wrong notebook scores {statuses['partly_wrong'][0]}")
    for student in batch:
        if "--" not in student:
            continue
        exercise = student.split("--")[0]
        if statuses[student][1] != "graded":
            problems.append(f"{student}: status {statuses[student][1:]}")
        cells = scores[student]
        caught = cells[f"test_{exercise}"][0]
        if caught != 0:
            problems.append(f"{student}: the mistake is not caught (test_{exercise} scores {caught})")
        collateral = sorted(g for g, (s, m) in cells.items() if g != f"test_{exercise}" and g not in written and s != m)
        if collateral:
            problems.append(f"{student}: also loses points on {collateral}")
    # No feedback page shows a line of the hidden tests (lines that are also a line of the
    # student's own answers may appear: the student wrote them).
    hidden, answer_lines = support.secret_lines(source)
    for page in sorted((tmp_path / "out-every" / "feedback").rglob("*.html")):
        student = page.parent.parent.name
        own = {line.strip() for cell in batch[student].cells if is_solution(cell)
               for line in cell.source.splitlines()}
        shown = {line.strip() for line in support.html_text(page).splitlines()}
        leaked = sorted((hidden - answer_lines - own) & shown)
        if leaked:
            problems.append(f"{student}: feedback shows hidden-test lines {leaked[:2]}")
    # With no saving, the same scores, statuses and cell scores (the detail may name a
    # teaching cell where one ran).
    plain_statuses, plain_scores = _tables(tmp_path / "out-none")
    assert set(plain_statuses) == first
    for student in sorted(first):
        if plain_statuses[student][:2] != statuses[student][:2] or plain_scores[student] != scores[student]:
            problems.append(f"{student}: with no saving {plain_statuses[student]}, with every saving {statuses[student]}")
    assert not problems, f"{chapter}:\n" + "\n".join(problems)
