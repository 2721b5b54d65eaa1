"""``python -m autograder release``: what a student downloads, and nothing more.

Run on the grader's fixture chapters and on every chapter notebook present in notebooks/.
Every check is computed from the source notebooks and nnlib themselves (tests/fixtures/support).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.cells import cell_source, is_code, is_solution, is_test, nbgrader_meta
from autograder.course import NNLIB_DIR, REPO_ROOT, chapter_index
from autograder.release import release
from fixtures import support

pytestmark = pytest.mark.grading

SOURCES = {"fixture": support.FIXTURE_NOTEBOOKS, "course": support.COURSE_NOTEBOOKS}
CASES = [pytest.param(kind, chapter, id=f"{kind}-{chapter}")
         for kind, folder in SOURCES.items() for chapter in support.present(folder)]


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """released(kind, chapter): the chapter's release folder, built once on first use
    (so a broken chapter fails only its own tests)."""
    def get(kind: str, chapter: str) -> Path:
        out = support.computed_once(tmp_path_factory, f"release-{kind}-{chapter}",
                                    lambda folder: release([chapter], folder, SOURCES[kind]))
        return out / chapter

    return get


def test_the_fixture_chapters_exist():
    # The fixture keeps these tests meaningful before any course chapter is written.
    assert support.present(support.FIXTURE_NOTEBOOKS) == ["01_feedforward", "02_backprop"]


@pytest.mark.parametrize(("kind", "chapter"), CASES)
def test_release_folder_holds_the_notebook_nnlib_and_assets(released, kind, chapter):
    folder = released(kind, chapter)
    assert sorted(p.name for p in folder.iterdir()) == [f"{chapter}.ipynb", "assets", "nnlib"]
    assert (folder / "assets" / "digits.npz").is_file()
    assert not list(folder.rglob("__pycache__")) and not list(folder.rglob("*.pyc"))
    assert not [p for p in (folder / "assets").rglob("*.py")], "no scripts in the shipped assets"
    nb = nbformat.read(folder / f"{chapter}.ipynb", as_version=4)
    from nbgrader.nbgraderformat import MetadataValidator

    MetadataValidator().validate_nb(nb)
    solutions = [c for c in nb.cells if is_solution(c) and is_code(c)]
    assert solutions and all("raise NotImplementedError" in c.source for c in solutions)
    written = [c for c in nb.cells if is_solution(c) and not is_code(c)]
    assert all(c.source.strip() == "YOUR ANSWER HERE" and nbgrader_meta(c).get("checksum") for c in written)
    tests = [c for c in nb.cells if is_test(c)]
    assert tests and all(nbgrader_meta(c).get("locked") and nbgrader_meta(c).get("checksum") for c in tests)


@pytest.mark.parametrize(("kind", "chapter"), CASES)
def test_release_contains_no_hidden_test_and_no_answer_of_the_notebook(released, kind, chapter):
    folder = released(kind, chapter)
    hidden, answers = support.secret_lines(support.source_notebook(SOURCES[kind], chapter))
    assert hidden and answers, "the source notebook should have hidden tests and answers to hide"
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix != ".npz":
            assert "HIDDEN TESTS" not in path.read_text(encoding="utf-8", errors="replace"), path
    notebook_text = (folder / f"{chapter}.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in notebook_text and "END SOLUTION" not in notebook_text
    nb = json.loads(notebook_text)
    cell_lines = {line.strip() for cell in nb["cells"] for line in cell_source(cell).splitlines()}
    assert not hidden & cell_lines, f"hidden-test lines in the release: {sorted(hidden & cell_lines)[:3]}"
    # Answers in code and written ones (model answers and the grader's rubric) alike.
    assert not answers & cell_lines, f"answer lines in the release: {sorted(answers & cell_lines)[:3]}"


@pytest.mark.parametrize(("kind", "chapter"), CASES)
def test_student_nnlib_has_no_answer_of_this_or_a_later_chapter(released, kind, chapter):
    nnlib = released(kind, chapter) / "nnlib"
    stripped = support.nnlib_answers_after(chapter)
    for relative, functions in stripped.items():
        text = (nnlib / relative).read_text(encoding="utf-8")
        tree = ast.parse(text)
        for function, region_chapter in functions:
            body = support.function_body(tree, function)
            assert len(body) == 1 and isinstance(body[0], ast.Raise), \
                f"{relative}:{function} ({region_chapter}) still has its answer in the {chapter} release"
            assert f"SOLUTION {region_chapter}" not in text
    # Earlier chapters' answers stay, identical to the reference (the notebook imports them).
    for path in sorted(NNLIB_DIR.rglob("*.py")):
        relative = path.relative_to(NNLIB_DIR)
        reference = ast.parse(path.read_text(encoding="utf-8"))
        released = ast.parse((nnlib / relative).read_text(encoding="utf-8"))
        from autograder.strip import find_regions

        for region in find_regions(path.read_text(encoding="utf-8"), str(path)):
            if chapter_index(region.chapter) < chapter_index(chapter):
                assert ast.dump(ast.Module(support.function_body(reference, region.function), [])) == \
                    ast.dump(ast.Module(support.function_body(released, region.function), [])), \
                    f"{relative}:{region.function} of {region.chapter} must stay in the {chapter} release"


def test_released_nnlib_imports_and_refuses_the_chapters_answers(released):
    folder = released("fixture", "02_backprop")
    code = (
        "import numpy as np, nnlib.activations as a, nnlib.datasets as d\n"
        "assert a.__file__.startswith(%r)\n"
        "assert a.relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]\n"  # chapter 01: kept
        "assert d.load_digits()[0].shape[0] == 1797\n"                  # assets found next to nnlib
        "try:\n    a.relu_backward(np.ones(1), np.ones(1))\nexcept NotImplementedError as e:\n    print(e)\n"
    ) % str(folder)
    run = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": ""})
    assert run.returncode == 0, run.stderr
    assert "relu_backward is an exercise of chapter 02_backprop" in run.stdout


def test_release_command_writes_every_requested_chapter(tmp_path):
    out = tmp_path / "rel"
    run = subprocess.run([sys.executable, "-m", "autograder", "release", "02_backprop", "--out", str(out),
                          "--source", str(support.FIXTURE_NOTEBOOKS)],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["02_backprop", "README.md", "requirements.txt"]
    assert (out / "02_backprop" / "02_backprop.ipynb").is_file()
    bad = subprocess.run([sys.executable, "-m", "autograder", "release", "99_nothing"], cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown chapter" in bad.stderr


def test_default_output_folders_are_outside_the_tracked_tree():
    from autograder.__main__ import _parser

    parser = _parser()
    defaults = [parser.parse_args(["release"]).out, parser.parse_args(["grade", "x"]).out,
                parser.parse_args(["demo"]).out]
    for folder in defaults:
        assert Path(folder).is_absolute() and Path(folder).is_relative_to(REPO_ROOT / "_work")
        check = subprocess.run(["git", "check-ignore", "-q", str(folder / "x.ipynb")], cwd=REPO_ROOT)
        assert check.returncode == 0, f"{folder} is not git-ignored"
