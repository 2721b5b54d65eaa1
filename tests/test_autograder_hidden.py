"""Hidden regions run after the notebook, each in the copy of the kernel made where it stood.

autograder.hidden (where the regions are), autograder.disclosure (what of a failure a
student sees) and, through a real kernel, autograder.freeze and autograder.deferred: a
region sees the kernel exactly as it was at its cell, faults in a region cost only its
cell, and a kernel that dies later leaves the earlier regions their copies.
"""

from __future__ import annotations

import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.cells import grade_id, is_test
from autograder.disclosure import shown_error
from autograder.hidden import check_test, phase_one_source, split_test
from autograder.limits import Limits
from autograder.release import ReleaseError, release
from autograder.scoring import score_notebook
from autograder.teaching import bound_names, needed_names
from autograder.status import execution_status
from fixtures import support

pytestmark = pytest.mark.grading

CELL = '''assert f(1) == 2, "f(1) is 2"
### BEGIN HIDDEN TESTS
assert f(2) == 4, "f doubles"
### END HIDDEN TESTS
print("f: all tests in this cell passed")'''


def test_a_test_cell_splits_into_what_the_student_saw_and_its_hidden_regions():
    split = split_test(CELL)
    assert split.visible == ('assert f(1) == 2, "f(1) is 2"', 'print("f: all tests in this cell passed")')
    assert split.hidden == ('assert f(2) == 4, "f doubles"',)
    assert not split.ends_hidden and split_test("x = 1\n### BEGIN HIDDEN TESTS\ny\n### END HIDDEN TESTS").ends_hidden
    assert phase_one_source(split, ["freeze()"]) == ('assert f(1) == 2, "f(1) is 2"\nfreeze()\n'
                                                     'print("f: all tests in this cell passed")')
    assert check_test(CELL) is None


@pytest.mark.parametrize(("source", "words"), [
    ("for i in range(3):\n    ### BEGIN HIDDEN TESTS\n    assert i < 3\n    ### END HIDDEN TESTS", "indented"),
    ("if True:\n### BEGIN HIDDEN TESTS\n    assert 1\n### END HIDDEN TESTS\n", "whole statements"),
    ("x = (1,\n### BEGIN HIDDEN TESTS\n2)\n### END HIDDEN TESTS", "whole statements"),
    ("### BEGIN HIDDEN TESTS\nassert 1\n", "without its END HIDDEN TESTS"),
    ("### BEGIN HIDDEN TESTS\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS", "inside a hidden region"),
])
def test_a_hidden_region_that_cannot_run_apart_from_its_cell_is_named(source, words):
    assert words in check_test(source)


def test_the_release_refuses_a_hidden_region_inside_a_block(tmp_path):
    source = tmp_path / "notebooks"
    shutil.copytree(support.FIXTURE_NOTEBOOKS / "02_backprop", source / "02_backprop")
    path = source / "02_backprop" / "02_backprop.ipynb"
    nb = nbformat.read(path, as_version=4)
    test = support.cell(nb, "test_relu_backward")
    test.source = "for _ in range(2):\n" + "\n".join("    " + line for line in test.source.splitlines())
    nbformat.write(nb, path)
    with pytest.raises(ReleaseError, match="02_backprop, test cell test_relu_backward: an indented"):
        release(["02_backprop"], tmp_path / "release", source)


def test_a_student_sees_the_instructors_words_of_a_hidden_failure_never_values():
    region = ('a = relu(z)\nassert a.shape == z.shape, f"relu(z) has shape {a.shape}, expected {z.shape}"\n'
              'np.testing.assert_allclose(a, b, err_msg="relu is wrong on random inputs")\n'
              'w = f"{lr:.3f}"\n')
    assert shown_error("AssertionError", "relu(z) has shape (9, 9), expected (6, 9)", region) == \
        ("AssertionError", "relu(z) has shape …, expected …")
    numpy_report = "\nNot equal to tolerance rtol=1e-07\nrelu is wrong on random inputs\nMismatched: x: array([3.1, 4.1])"
    assert shown_error("AssertionError", numpy_report, region) == ("AssertionError", "relu is wrong on random inputs")
    # A message the student's code made, under a class of its own: nothing of it is shown.
    assert shown_error("Smuggler", "eJzLSM3JyVcozy/KSQEAGgQEXQ==", region) == ("Exception", "")
    assert shown_error("ValueError", "LEAK relu(z) has shape", region) == ("ValueError", "")
    # The operating system's own words stay (the status reads them).
    assert shown_error("OSError", "[Errno 28] No space left on device: 'x.bin'", region) == \
        ("OSError", "No space left on device")


def _meta(kind: str, number: int = 0) -> dict:
    return {"nbgrader": {"grade": kind == "test", "solution": kind == "answer", "locked": kind != "answer",
                         "points": 1 if kind == "test" else 0, "grade_id": f"{kind}{number}", "schema_version": 3}}


def _test(number: int, hidden: str, visible: str = "assert answer() is not None") -> nbformat.NotebookNode:
    return new_code_cell(f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS", metadata=_meta("test", number))


def _run(runner, runtime, answer: str, *cells, limits=Limits(cell_timeout=3, interrupt_grace=2)):
    nb = new_notebook(cells=[new_code_cell("import numpy as np", metadata=_meta("setup")),
                             new_code_cell(answer, metadata=_meta("answer")), *cells])
    execution = runner.run(nb, runtime, limits)
    names = [grade_id(c) for c in nb.cells if grade_id(c) and grade_id(c).startswith("test")]
    return nb, execution, score_notebook(nb, execution, set(), names), execution_status(nb, execution, limits)


def test_a_hidden_region_sees_the_kernel_as_it_was_at_its_cell(runner, runtime):
    # The visible code's names, and the student's function as it was then (redefined later).
    nb, execution, scores, status = _run(
        runner, runtime, "def answer():\n    return 2.0\n",
        _test(0, "assert before == 2.0 and answer() == 2.0", "before = answer()"),
        new_code_cell("def answer():\n    return 5.0\nbefore = 0\n"),
        _test(1, "assert answer() == 2.0, f'answer gave {answer()}, not 2'"))
    assert scores == {"test0": 1.0, "test1": 0.0} and status == ("graded", [])
    assert [(o.ename, o.evalue) for o in nb.cells[4].outputs if o.output_type == "error"] == \
        [("AssertionError", "answer gave …, not 2")]


def test_faults_in_a_hidden_region_cost_only_its_cell(runner, runtime):
    answer = ("import os, sys, warnings\n"
              "def answer(x=0):\n"
              "    if x == 1:\n        while True:\n            pass\n"
              "    if x == 2:\n        os._exit(3)\n"
              "    if x == 3:\n        return np.ones(3 * 1024**3 // 8)\n"
              "    if x == 4:\n        print('noise', file=sys.stderr)\n"
              "    if x == 5:\n        warnings.warn('careful', RuntimeWarning)\n"
              "    return 2.0\n")
    cells = [_test(i, f"assert answer({i}) == 2.0") for i in range(6)]
    nb, execution, scores, (status, notes) = _run(runner, runtime, answer, *cells)
    assert scores == {"test0": 1.0, "test1": 0.0, "test2": 0.0, "test3": 0.0, "test4": 0.0, "test5": 1.0}
    assert execution.interrupted == [3] and execution.lost == [4]
    assert status == "error" and notes[0].startswith("the copy of the kernel kept for the hidden tests of test2")
    assert "interrupted after 3 s: test1" in notes[1] and "out of memory in test3" in notes[2]


@pytest.mark.parametrize("fault", ["import os\nos._exit(1)\n",
                                   "import time\nwhile True:\n    try:\n        time.sleep(1)\n"
                                   "    except KeyboardInterrupt:\n        pass\n"])
def test_the_cells_before_a_dead_or_stuck_kernel_keep_their_hidden_points(runner, runtime, fault):
    nb, execution, scores, (status, notes) = _run(
        runner, runtime, "def answer():\n    return 2.0\n",
        _test(0, "assert answer() == 2.0"), new_code_cell(fault), _test(1, "assert answer() == 2.0"))
    assert scores == {"test0": 1.0, "test1": 0.0}
    assert status == ("error" if "_exit" in fault else "timeout") and "the cells after it were not run" in notes[0]


def _bound(source: str) -> set[str]:
    """Names a piece of code binds anywhere in it (assignments, loops, imports, defs)."""
    return set(bound_names(source) or ())


@pytest.mark.parametrize("path", [pytest.param(p, id=f"{p.parent.parent.parent.name}-{p.stem}") for p in
                                  sorted(support.COURSE_NOTEBOOKS.glob("*/*.ipynb"))
                                  + sorted(support.FIXTURE_NOTEBOOKS.glob("*/*.ipynb"))])
def test_no_hidden_region_reads_a_name_only_another_hidden_region_defines(path):
    """Each region runs in a copy of the kernel made where it stood, which never ran the others."""
    nb = nbformat.read(path, as_version=4)
    outside, inside, problems = set(), {}, []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if not (is_test(cell) and "BEGIN HIDDEN TESTS" in cell.source):
            outside |= _bound(cell.source)
            continue
        split = split_test(cell.source)
        for visible, region in zip(split.visible, split.hidden):
            outside |= _bound(visible)
            needed = (set(needed_names(region) or ()) - _bound(region) - outside) & set(inside)
            problems += [f"{grade_id(cell)} reads {name}, defined only by the hidden region of {inside[name]}"
                         for name in sorted(needed)]
            inside.update({name: grade_id(cell) for name in _bound(region)})
        outside |= _bound(split.visible[-1])
    assert not problems, "\n".join(problems)
