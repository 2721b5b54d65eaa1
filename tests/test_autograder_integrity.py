"""Test integrity (issue 6, item 1): student code cannot change a test's verdict.

Each notebook has the course's shape: a locked setup cell, a student cell, a test cell. The
student's ``answer()`` is wrong (1.0 where 2.0 is right) and the student cell tries one way
to make the test pass anyway; every test must still fail. The honest notebook shows the
guard does not fail right answers.
"""

from __future__ import annotations

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from autograder.limits import Limits
from autograder.scoring import score_test_cell

pytestmark = pytest.mark.grading

SETUP = "import math\nimport numpy as np\nfrom numpy.testing import assert_allclose\n"
TESTS = [
    "np.testing.assert_allclose(answer(), 2.0)",
    "assert_allclose(answer(), 2.0)",
    "assert np.isclose(answer(), 2.0) and np.allclose(answer(), 2.0)",
    "assert abs(answer() - 2.0) < 1e-9",
    "assert math.isclose(answer(), 2.0)",
    "assert answer() == 2.0",
]
WRONG = "def answer():\n    return 1.0\n"
ATTACKS = {
    "numpy.testing replaced": WRONG + "np.testing.assert_allclose = lambda *a, **k: None\n"
                              "import numpy.testing as t; t.assert_allclose = lambda *a, **k: None\n"
                              "assert_allclose = lambda *a, **k: None\n"
                              "np.isclose = lambda *a, **k: True\nnp.allclose = lambda *a, **k: True\n",
    "builtins and math replaced": WRONG + "import builtins\nbuiltins.abs = lambda x: 0\n"
                                  "math.isclose = lambda *a, **k: True\n",
    "np rebound to a fake": WRONG + "import numpy\nclass Fake:\n    def __getattr__(self, name):\n"
                            "        return lambda *a, **k: True\nnp = Fake()\nmath = Fake()\n",
    "__eq__ always True": "class Always(float):\n    def __eq__(self, other):\n        return True\n"
                          "    __hash__ = float.__hash__\n"
                          "    def __sub__(self, other):\n        return 0.0\n"
                          "def answer():\n    return Always(1.0)\n",
    "fake success printed": "def answer():\n    print('All tests passed!')\n    return 1.0\n"
                            "print('test_answer: 1/1 points. All tests passed!')\n",
    "failure hidden": WRONG + "get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)\n"
                      "import sys\nsys.excepthook = lambda *a: None\n",
    "numpy module swapped": WRONG + "import sys, types\nfake = types.ModuleType('numpy')\n"
                            "fake.__getattr__ = lambda name: (lambda *a, **k: True)\nsys.modules['numpy'] = fake\n",
}


def _notebook(student: str):
    meta = lambda kind, i=0: {"nbgrader": {"grade": kind == "test", "solution": kind == "answer",  # noqa: E731
                                           "locked": kind != "answer", "points": 1 if kind == "test" else 0,
                                           "grade_id": f"{kind}{i}", "schema_version": 3}}
    cells = [new_code_cell(SETUP, metadata=meta("setup")), new_code_cell(student, metadata=meta("answer"))]
    cells += [new_code_cell(test, metadata=meta("test", i)) for i, test in enumerate(TESTS)]
    return new_notebook(cells=cells)


def _scores(runner, runtime, student: str) -> list[float]:
    nb = _notebook(student)
    execution = runner.run(nb, runtime, Limits(cell_timeout=10))
    assert execution.error is None and execution.stop_reason is None
    scores = []
    for index, cell in enumerate(nb.cells[2:], start=2):
        score = score_test_cell(cell, index in execution.executed)
        scores.append(0.0 if index in execution.failed or index in execution.tampered else score)
    return scores


def test_right_answers_pass_every_test_with_the_guard_on(runner, runtime):
    assert _scores(runner, runtime, "def answer():\n    return 2.0\n") == [1.0] * len(TESTS)
    assert _scores(runner, runtime, "def answer():\n    return np.float64(2.0)\n") == [1.0] * len(TESTS)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_student_code_cannot_make_a_wrong_answer_pass(runner, runtime, attack):
    assert _scores(runner, runtime, ATTACKS[attack]) == [0.0] * len(TESTS)
