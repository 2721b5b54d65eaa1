"""Less work per notebook, provably (issue 16, item 3): what autograder.savings leaves out changes no grade.

- Teaching cells (autograder.teaching): which cells a submission may skip, and the checks of
  every mark in the course's and the fixtures' source notebooks (shown to find every wrong
  mark of a course chapter, one cell at a time).
- The no-difference proof: the grader's whole hostile batch (tests/test_autograder_grading.py
  and tests/test_autograder_hardening.py: solved, blank, partly wrong, every fault) and
  every mutation of tests/fixtures/mutations, graded with every saving, with none, and with
  only the teaching cells run (the one saving that changes which student code runs), give
  the same scores, statuses and cell scores. (The detail may name a teaching cell where one
  ran: a student's function that calls sys.exit() is also called by a demonstration.)
- A warm kernel serves one notebook: nothing of the previous student's kernel is in it.
- The quick feedback page shows the same text as nbconvert's own.

The course chapters' solved, blank, partly wrong and mutated notebooks are graded with every
saving and with none in tests/test_autograder_mutations.py.
"""

from __future__ import annotations

import copy
import re
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.cells import is_code
from autograder.feedback import render_feedback
from autograder.grading import grade
from autograder.limits import MiB, Limits
from autograder.release import release
from autograder.samples import load_mutations, solved, with_answers, write_submission
from autograder.savings import Savings
from autograder.teaching import TEACHING, cells_to_skip, is_teaching, mark_problems, teaching_cells
from fixtures import support

pytestmark = pytest.mark.grading

FIXTURES = support.FIXTURE_NOTEBOOKS
COURSE = sorted(support.COURSE_NOTEBOOKS.glob("*/*.ipynb"))
SOURCES = COURSE + sorted(FIXTURES.glob("*/*.ipynb"))


def _teach(source: str, cell_id: str):
    cell = new_code_cell(source, metadata={**TEACHING})
    cell.id = cell_id
    return cell


def _plain(source: str, cell_id: str):
    cell = new_code_cell(source)
    cell.id = cell_id
    return cell


def _skipped(cells: list, released: list | None = None) -> list[str]:
    nb = new_notebook(cells=cells)
    skip = cells_to_skip(nb, teaching_cells(released if released is not None else cells))
    return [nb.cells[i].id for i in sorted(skip)]


def test_a_teaching_cell_is_skipped_unless_a_cell_that_runs_reads_what_it_defines():
    demo = _teach("grid = np.linspace(-1, 1, 5)\nprint(grid)", "demo")
    chart = _teach("plt.plot(grid, grid ** 2)", "chart")  # reads grid: a teaching cell, skipped too
    assert _skipped([demo, chart, _plain("def relu(z):\n    return z", "answer")]) == ["demo", "chart"]
    # A student's own cell that reads a name a teaching cell defines keeps that cell, and
    # what that cell reads in turn.
    setup = _teach("scale = 2.0", "scale")
    uses = _teach("grid = scale * np.linspace(-1, 1, 5)", "demo")  # reads scale, changes nothing
    assert _skipped([setup, uses, _plain("print(grid)", "mine")]) == []
    assert _skipped([setup, uses, _plain("print(scale)", "mine")]) == ["demo"]
    # A name read before the teaching cell that defines it does not need that cell, unless it
    # is read by a function, which reads it when it is called (later, by a cell that runs).
    assert _skipped([_plain("print(grid)", "mine"), demo, _plain("print(1)", "test")]) == ["demo"]
    assert _skipped([_plain("def relu(z):\n    return z * grid", "mine"), demo, _plain("print(1)", "test")]) == []


def test_an_edited_teaching_cell_and_cells_that_reach_any_name_keep_them():
    demo = _teach("grid = np.linspace(-1, 1, 5)", "demo")
    edited = _teach("grid = np.linspace(-9, 9, 5)", "demo")
    assert _skipped([edited], released=[demo]) == [], "the student's text now, not the release's"
    for reader in ("print(globals()['grid'])", "eval('gr' + 'id')", "print(_)", "print(Out)", "%timeit grid",
                   "import __main__\nprint(__main__.grid)", "from nnlib import *", "x = get_ipython().user_ns"):
        assert _skipped([demo, _plain(reader, "mine")]) == [], reader
    assert _skipped([_teach("from pylab import *", "star")]) == [], "what a star import binds is unknown"


def test_only_ordinary_code_cells_can_be_teaching_cells():
    for meta in ({"nbgrader": {"grade": True, "grade_id": "t", "points": 1, "solution": False, "locked": True}},
                 {"nbgrader": {"solution": True, "grade_id": "s", "grade": False, "locked": False}}):
        cell = new_code_cell("x = 1", metadata={**TEACHING, **meta})
        assert not is_teaching(cell)
    assert is_teaching(new_code_cell("x = 1", metadata={**TEACHING}))
    assert not is_teaching(nbformat.v4.new_markdown_cell("x", metadata={**TEACHING}))


@pytest.mark.parametrize("path", [pytest.param(p, id=f"{p.parent.parent.parent.name}-{p.stem}") for p in SOURCES])
def test_every_mark_is_on_a_cell_no_graded_cell_depends_on(path):
    """The marker's checks, on each source notebook (``mark_problems``): a mark sits in cell
    metadata on an ordinary code cell; in the notebook as it stands every marked cell is left
    out (no cell that runs needs a name it defines or an object it changes); no marked cell
    changes what names cannot show (a seed, a module, a file); and every ordinary code cell
    that could be marked is (``python -m autograder mark-teaching`` recomputes the marks)."""
    nb = nbformat.read(path, as_version=4)
    assert mark_problems(nb) == []
    if path.is_relative_to(FIXTURES):
        assert any(is_teaching(cell) for cell in nb.cells), "the fixtures have teaching cells to skip"


@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem) for p in COURSE])
def test_the_check_finds_every_wrong_mark_of_a_course_chapter(path):
    """Every way the course chapter's marks can be wrong one cell at a time is reported: each
    unmarked ordinary code cell marked, each marked cell unmarked, a mark on each setup,
    solution and test cell, and a marked cell given a seed or a module attribute to change."""
    nb = nbformat.read(path, as_version=4)
    assert mark_problems(nb) == [], "the chapter's marks are right to begin with"
    for index, cell in enumerate(nb.cells):
        if not is_code(cell):
            continue
        wrong = copy.deepcopy(nb)
        if is_teaching(cell):
            del wrong.cells[index].metadata["autograder"]
        else:
            wrong.cells[index].metadata["autograder"] = {"teaching": True}
        assert any(f"cell {index} " in problem for problem in mark_problems(wrong)), (path.stem, index, cell.id)
    marked = [index for index, cell in enumerate(nb.cells) if is_teaching(cell)]
    assert marked, "the chapter has teaching cells"
    for effect in ("np.random.seed(0)", "np.pi = 3", "import warnings\nwarnings.simplefilter('error')",
                   "open('out.txt', 'w').write('x')"):
        wrong = copy.deepcopy(nb)
        wrong.cells[marked[-1]].source += "\n" + effect
        assert any("effects beyond its names" in p for p in mark_problems(wrong)), effect


def test_a_teaching_cell_that_changes_an_object_a_running_cell_reads_is_kept():
    made = _plain("rng = np.random.default_rng(0)", "made")
    for change in ("rng.normal()", "rng.bit_generator.state = {}", "draw(rng)", "shuffle(x=rng)", "rng += 1"):
        demo = _teach(change, "demo")
        assert _skipped([made, demo, _plain("print(rng.normal())", "test")]) == [], change
        assert _skipped([made, demo, _plain("print(1)", "test")]) == ["demo"], change
    # A teaching cell that may write any name always runs.
    assert _skipped([made, _teach("globals()['rng'] = None", "demo"), _plain("print(1)", "test")]) == []
    # Passing a function or a module to a call changes no object.
    assert _skipped([_plain("def relu(z):\n    return z", "answer"), _teach("plt.plot(relu(1))\nshow(np)", "demo"),
                     _plain("relu(2)", "test")]) == ["demo"]


def test_a_function_keeps_a_later_teaching_cell_only_where_a_cell_that_runs_follows_it():
    """Chapter 3's last cell passes ``minibatches`` to a call, and earlier cells define
    functions that read ``minibatches``: nothing can call them after the last cell that runs."""
    made = _plain("batches = [1, 2]", "made")
    reader = _plain("def count():\n    return len(batches)", "answer")
    explorer = _teach("explore(batches)", "demo")
    assert _skipped([made, reader, explorer]) == ["demo"]
    assert _skipped([made, reader, explorer, _plain("print(count())", "test")]) == []
    # A student's edited teaching cell runs, so it is a cell that runs after the demonstration.
    figure = _teach("plt.plot([1])", "figure")
    assert _skipped([made, reader, explorer, figure]) == ["demo", "figure"]
    assert _skipped([made, reader, explorer, _teach("plt.plot([2])", "figure")], released=[explorer, figure]) == []
    # A function whose cell may reach any name keeps no teaching cell after the last cell that runs.
    assert _skipped([_plain("def peek():\n    return globals()", "answer"), explorer]) == ["demo"]


def test_a_teaching_cell_kept_by_a_later_reader_keeps_the_teaching_cells_it_needs():
    """In closure: ``helper`` is kept by the test that calls it; it reads ``factor`` at once,
    which keeps ``scale`` before it, and its function reads ``offset`` when called, which keeps
    ``shift`` after it. The same change of ``offset`` after the last cell that runs is left out."""
    cells = [_teach("factor = 3", "scale"), _teach("def helper():\n    return offset * 2\nbase = factor", "helper"),
             _teach("offset = 1", "shift"), _teach("plt.plot([1])", "figure"), _plain("print(helper(), base)", "test")]
    assert _skipped(cells) == ["figure"]
    assert _skipped([*cells, _teach("offset = 4\nprint(helper())", "again")]) == ["figure", "again"]


# The no-difference proof -----------------------------------------------------------------

VARIANTS = {
    "every saving": Savings(),
    "none": Savings(skip_teaching=False, warm_kernel=False, lean_kernel=False, fork_kernel=False,
                     quick_feedback=False),
    "teaching cells run": Savings(skip_teaching=False),
}
# The hostile batch's limits, with shorter waits for the cells that loop.
PROOF_LIMITS = Limits(cell_timeout=3, interrupt_grace=2, file_size=8 * MiB, disk=32 * MiB)


def _proof_batch(root) -> None:
    from test_autograder_grading import write_batch
    from test_autograder_hardening import hostile_submissions

    write_batch(root)
    hostile_submissions(root)
    for chapter in ("01_feedforward", "02_backprop"):
        folder = release([chapter], root / "release", FIXTURES)[chapter]
        ok = solved(nbformat.read(folder / f"{chapter}.ipynb", as_version=4), support.source_notebook(FIXTURES, chapter))
        for exercise, mistakes in load_mutations(chapter, support.FIXTURE_MUTATIONS).items():
            for mistake, source in mistakes.items():
                write_submission(root / "submitted", f"{exercise}--{mistake}", chapter, with_answers(ok, {exercise: source}))
    for name, savings in VARIANTS.items():
        out = root / re.sub(r"\W+", "-", name)
        grade(root / "submitted", out, jobs=2, source_dir=FIXTURES, progress=False, limits=PROOF_LIMITS,
              savings=savings)


@pytest.fixture(scope="module")
def proof(tmp_path_factory):
    return support.computed_once(tmp_path_factory, "savings-proof", _proof_batch)


def _tables(out) -> tuple[list, list]:
    grades = [(r["student"], r["chapter"], r["score"], r["status"]) for r in support.table(out / "grades.csv")]
    cells = [tuple(r.values()) for r in support.table(out / "grades_detail.csv")]
    return grades, cells


@pytest.mark.parametrize("variant", [v for v in VARIANTS if v != "every saving"])
def test_the_savings_change_no_score_or_status(proof, variant):
    expected = _tables(proof / "every-saving")
    students = {(p.parent.name, p.name) for p in (proof / "submitted").glob("*/*")}
    assert {(s, c) for s, c, _, _ in expected[0]} == students, "every submission was graded"
    assert _tables(proof / re.sub(r"\W+", "-", variant)) == expected


def test_the_teaching_cells_were_skipped_and_only_their_outputs_are_missing(proof):
    def notebook(variant):
        return nbformat.read(proof / variant / "autograded" / "solved" / "01_feedforward" / "01_feedforward.ipynb",
                             as_version=4)

    lean, full = notebook("every-saving"), notebook("none")
    assert [bool(c.outputs) for c in lean.cells if is_teaching(c)] == [False, False]
    assert [bool(c.outputs) for c in full.cells if is_teaching(c)] == [True, True]
    others = lambda nb: [c.outputs for c in nb.cells if is_code(c) and not is_teaching(c)]  # noqa: E731
    assert others(lean) == others(full)


def test_the_quick_feedback_page_shows_what_nbconverts_own_page_shows(proof, tmp_path):
    from autograder.release import CourseFolder

    nb = nbformat.read(proof / "none" / "autograded" / "partly_wrong" / "01_feedforward" / "01_feedforward.ipynb",
                       as_version=4)
    assignment = CourseFolder(tmp_path / "course", source_dir=FIXTURES).generate("01_feedforward")
    scores = {"test_sigmoid": 0.0, "test_relu": 1.0, "test_softmax": 2.0}
    words = []
    for number, quick in enumerate((False, True, True)):  # the second quick page comes from the caches
        page = tmp_path / f"page{number}.html"
        page.write_text(render_feedback(nb, assignment, scores, ["a note"], quick=quick), encoding="utf-8")
        words.append(re.sub(r"\s+", " ", support.html_text(page)).strip())
    assert words[0] == words[1] == words[2] and "Score: 3.0 / 5.0" in words[0]


# Warm kernels -----------------------------------------------------------------------------

SETUP = new_code_cell("import nnlib.activations", metadata={"nbgrader": {
    "grade": False, "solution": False, "locked": True, "grade_id": "setup", "schema_version": 3}})


def test_a_warm_kernel_is_the_next_students_own_fresh_kernel(runner, runtime):
    """It started while the first notebook ran, imported the setup cell's modules before it
    answered, and holds nothing of the first student's kernel."""
    probe = "import os, sys\nprint(os.getcwd(), 'secret' in globals(), 'nnlib.activations' in sys.modules)"
    first = new_notebook(cells=[new_code_cell("secret = 'from the first student'"), SETUP])
    second = new_notebook(cells=[new_code_cell(probe), SETUP])
    runner.run(first, runtime, Limits())
    warm = runner.warm
    assert warm is not None and warm.error is None, "the next kernel started while the first notebook ran"
    runner.run(second, runtime, Limits())
    cwd, seen, imported = second.cells[0].outputs[0]["text"].split()
    assert cwd == str(warm.scratch / "work"), "the second notebook ran in the warm kernel"
    assert (seen, imported) == ("False", "True")
    assert not warm.scratch.exists(), "and its folder is gone with it"
    # A notebook that needs another kind of kernel (other limits) does not get the warm one,
    # which is discarded; without the saving, no kernel is kept warm.
    kept = runner.warm
    cold = new_notebook(cells=[new_code_cell(probe), SETUP])
    runner.run(cold, runtime, Limits(cell_timeout=7), savings=Savings(warm_kernel=False))
    assert runner.warm is None and not kept.scratch.exists()
    assert cold.cells[0].outputs[0]["text"].split()[1:] == ["False", "False"], "no import before the setup cell"
