"""The chapter notebooks, proven the way the grader will use them.

For every chapter whose source notebook exists:
- its structure follows the course's conventions (nbgrader metadata, one solution cell and
  one read-only test cell with hidden tests per exercise of API.md, stored without outputs,
  enough prose, a widget, nnlib imports only from earlier chapters);
- the solved notebook runs top to bottom against the chapter's student nnlib, with no error
  in any cell, every test cell passing, and at least five figures;
- the blank notebook (solutions cleared by nbgrader) fails every test cell;
- every mutation in ``tests/mutations/<chapter>.py`` (a realistic wrong answer) fails its
  own exercise's test cell and leaves every other test cell passing;
- ``nbgrader generate_assignment`` accepts the notebook and leaves no answer in the release.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import nbharness as h
from autograder.hidden import split_test
from autograder.course import CHAPTERS, EXERCISES, chapter_index, source_notebook

pytestmark = pytest.mark.notebook

CHAPTERS_PRESENT = h.present_chapters()
MUTATION_CASES = [
    pytest.param(chapter, exercise, mistake, id=f"{chapter}-{exercise}-{mistake}")
    for chapter in CHAPTERS_PRESENT
    for exercise, mistakes in h.load_mutations(chapter).items()
    for mistake in mistakes
]


def _nnlib_function(name: str):
    """nnlib's reference function ``name`` (the package re-exports every exercise)."""
    import nnlib

    return getattr(nnlib, name)


def _prose_words(nb) -> int:
    words = 0
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`|<[^>]+>", " ", cell.source, flags=re.S)
        words += len(re.findall(r"[A-Za-z][A-Za-z'’-]*", text))
    return words


@pytest.mark.parametrize("chapter", CHAPTERS_PRESENT)
def test_notebook_follows_the_course_conventions(chapter):
    nb = h.load(chapter)
    from nbgrader.nbgraderformat import MetadataValidator

    MetadataValidator().validate_nb(nb)  # raises on invalid nbgrader metadata

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(c.get("outputs") or c.get("execution_count") for c in code), "stored with outputs"
    assert any(h.is_setup(c) and h.nbgrader_meta(c).get("locked") for c in code), "no read-only setup cell"

    order = [c for c in nb.cells if h.is_solution(c) or h.is_test(c)]
    solutions = [h.grade_id(c) for c in order if h.is_solution(c)]
    assert sorted(solutions) == sorted(EXERCISES[chapter]), "solution cells must be exactly API.md's exercises"
    for exercise in EXERCISES[chapter]:
        position = next(i for i, c in enumerate(order) if h.is_solution(c) and h.grade_id(c) == exercise)
        cell = order[position]
        test = order[position + 1] if position + 1 < len(order) else None
        assert test is not None and h.is_test(test) and h.grade_id(test) == f"test_{exercise}", \
            f"solution {exercise} must be followed by its test cell test_{exercise}"
        meta = h.nbgrader_meta(test)
        assert meta.get("locked") and meta.get("points", 0) > 0, f"test_{exercise} must be read-only with points"
        assert "### BEGIN HIDDEN TESTS" in test.source and "### END HIDDEN TESTS" in test.source
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source
        # Same name and signature as nnlib's counterpart.
        tree = ast.parse(cell.source)
        defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == exercise]
        assert defs, f"solution cell {exercise} must define {exercise}"
        assert ast.get_docstring(defs[0]), f"{exercise} needs a docstring"
        namespace: dict = {"np": __import__("numpy")}
        exec(compile(cell.source, f"<solution {exercise}>", "exec"), namespace)
        expected = inspect.signature(_nnlib_function(exercise))
        got = inspect.signature(namespace[exercise])
        assert [(p.name, p.default) for p in got.parameters.values()] == \
            [(p.name, p.default) for p in expected.parameters.values()], f"{exercise}{got} differs from nnlib's {expected}"

    # nnlib imports: only what earlier chapters taught.
    forbidden = {name for c in CHAPTERS[chapter_index(chapter):] for name in EXERCISES[c]}
    source = "\n".join(c.source for c in code if not c.source.lstrip().startswith(("%", "!")))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nnlib"):
            bad = forbidden & {alias.name for alias in node.names}
            assert not bad, f"imports this or a later chapter's answer from nnlib: {sorted(bad)}"
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "nnlib":
            assert node.attr not in forbidden, f"uses nnlib.{node.attr}, an answer of this or a later chapter"

    assert "nnlib.widgets" in source, "each chapter has at least one nnlib.widgets control"
    assert _prose_words(nb) >= 1500, f"only {_prose_words(nb)} words of prose"


PASS_MESSAGE = "{exercise}: all tests in this cell passed"


@pytest.mark.parametrize("chapter", CHAPTERS_PRESENT)
def test_every_test_cell_ends_with_the_same_pass_message(chapter):
    """One pass line, the same in every chapter, as the last line of each test cell (after
    its hidden tests, so at grading time it means every test of the cell passed)."""
    wrong = {}
    for exercise in EXERCISES[chapter]:
        cell = next(c for c in h.load(chapter).cells if h.is_test(c) and h.grade_id(c) == f"test_{exercise}")
        last = cell.source.rstrip().splitlines()[-1]
        expected = f'print("{PASS_MESSAGE.format(exercise=exercise)}")'
        if last != expected:
            wrong[exercise] = last
    assert not wrong, f"test cells whose last line is not the pass message: {wrong}"


@pytest.mark.parametrize("chapter", CHAPTERS_PRESENT)
def test_every_assert_in_a_test_cell_says_what_went_wrong(chapter):
    """No bare AssertionError: every ``assert`` of a test cell, visible or hidden, has a message."""
    bare = []
    for cell in h.load(chapter).cells:
        if not h.is_test(cell):
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Assert) and node.msg is None:
                bare.append(f"{h.grade_id(cell)} line {node.lineno}: {ast.unparse(node.test)[:80]}")
    assert not bare, f"{len(bare)} assert statements without a message:\n" + "\n".join(bare)


@pytest.mark.parametrize("chapter", CHAPTERS_PRESENT)
def test_solved_notebook_runs_and_passes_every_test(chapter):
    executed = h.execute(h.load(chapter), chapter, timeout=120)
    errors = [(h.grade_id(c) or f"cell {i}", h.cell_failure(c)) for i, c in enumerate(executed.cells)
              if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)]
    assert not errors, f"cells raised: {errors}"
    failed = {g: r.message for g, r in h.test_results(executed).items() if not r.passed}
    assert not failed, f"test cells failed on the solved notebook: {failed}"
    figures = sum(1 for c in executed.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {}))
    assert figures >= 5, f"only {figures} figures"


@pytest.mark.parametrize("chapter", CHAPTERS_PRESENT)
def test_blank_notebook_fails_every_test(chapter):
    executed = h.execute(h.blank(h.graded_only(h.load(chapter))), chapter)
    results = h.test_results(executed)
    assert set(results) == {f"test_{e}" for e in EXERCISES[chapter]}
    passed = [g for g, r in results.items() if r.passed]
    assert not passed, f"test cells pass on the blank notebook: {passed}"


@pytest.mark.parametrize("chapter", CHAPTERS_PRESENT)
def test_every_exercise_has_a_realistic_mutation(chapter):
    mutations = h.load_mutations(chapter)
    missing = [e for e in EXERCISES[chapter] if not mutations.get(e)]
    assert not missing, f"exercises without a mutation in tests/mutations/{chapter}.py: {missing}"
    unknown = set(mutations) - set(EXERCISES[chapter])
    assert not unknown, f"mutations for unknown exercises: {unknown}"


@pytest.fixture(scope="session")
def kernels():
    """One kernel per chapter (per test worker), shared by that chapter's mutation runs."""
    sessions: dict[str, h.KernelSession] = {}

    def session_for(chapter: str) -> h.KernelSession:
        if chapter not in sessions:
            sessions[chapter] = h.KernelSession(chapter)
        return sessions[chapter]

    yield session_for
    for session in sessions.values():
        session.close()


@pytest.mark.parametrize(("chapter", "exercise", "mistake"), MUTATION_CASES)
def test_mutation_fails_its_visible_tests_and_no_other_test(chapter, exercise, mistake, kernels):
    """The mistake fails the *visible* part of its own test cell (what the student sees before
    submitting: that cell runs here with its hidden tests removed), and no other test cell
    (those run whole, hidden tests included)."""
    wrong = h.load_mutations(chapter)[exercise][mistake]
    nb = h.inject(h.graded_only(h.load(chapter)), exercise, wrong)
    own = next(c for c in nb.cells if h.is_test(c) and h.grade_id(c) == f"test_{exercise}")
    own.source = "\n".join(split_test(own.source).visible)
    executed = kernels(chapter).run(nb)
    results = h.test_results(executed)
    assert not results[f"test_{exercise}"].passed, \
        f"the mistake {mistake!r} in {exercise} passes the visible tests: only the hidden tests catch it"
    collateral = {g: r.message for g, r in results.items() if g != f"test_{exercise}" and not r.passed}
    assert not collateral, f"a mistake in {exercise} also fails other test cells: {collateral}"


_GENERATE = """
import json, sys
from nbgrader.apps import NbGraderAPI
from traitlets.config import Config

config = Config()
config.CourseDirectory.root = sys.argv[1]
config.CourseDirectory.course_id = "nncourse"
api = NbGraderAPI(config=config)
print(json.dumps({chapter: api.generate_assignment(chapter, force=True) for chapter in sys.argv[2:]}))
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Every present chapter put through ``nbgrader generate_assignment`` in one process."""
    root = tmp_path_factory.mktemp("nbgrader-course")
    for chapter in CHAPTERS_PRESENT:
        (root / "source" / chapter).mkdir(parents=True)
        nbformat.write(h.load(chapter), root / "source" / chapter / f"{chapter}.ipynb")
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'nncourse'\n")
    # nbgrader runs `alembic` as a command: the venv's bin folder must be on PATH.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    run = subprocess.run([sys.executable, "-c", _GENERATE, str(root), *CHAPTERS_PRESENT],
                         cwd=root, capture_output=True, text=True, timeout=600, env=env)
    assert run.returncode == 0, run.stderr
    return root, json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("chapter", CHAPTERS_PRESENT)
def test_nbgrader_generates_the_student_version(chapter, generated):
    root, results = generated
    assert results[chapter]["success"], results[chapter].get("error") or results[chapter]["log"]
    released = (root / "release" / chapter / f"{chapter}.ipynb").read_text()
    assert "BEGIN HIDDEN TESTS" not in released and "BEGIN SOLUTION" not in released
    student = nbformat.reads(released, as_version=4)
    for cell in student.cells:
        if h.is_solution(cell):
            assert "raise NotImplementedError" in cell.source
