"""autograder.reference_imports: which exercises a submission takes from nnlib instead of writing."""

from __future__ import annotations

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.course import CHAPTERS, EXERCISES, source_notebook
from autograder.reference_imports import reference_imports
from autograder.samples import load_mutations

CH1 = EXERCISES["01_feedforward"]


def _solution(grade_id: str, source: str):
    return new_code_cell(source, metadata={"nbgrader": {"grade_id": grade_id, "solution": True, "grade": False,
                                                         "locked": False, "schema_version": 3}})


def _locked(source: str):
    return new_code_cell(source, metadata={"nbgrader": {"grade_id": "setup", "solution": False, "grade": False,
                                                         "locked": True, "schema_version": 3}})


def _found(*sources: str, exercises=CH1) -> dict[str, list[int]]:
    return reference_imports(new_notebook(cells=[_solution(f"cell{i}", s) for i, s in enumerate(sources)]), exercises)


@pytest.mark.parametrize("source", [
    "from nnlib import sigmoid",
    "from nnlib.activations import sigmoid",
    "from nnlib.activations import sigmoid as my_sigmoid",
    "import nnlib\ndef sigmoid(z):\n    return nnlib.sigmoid(z)",
    "import nnlib.activations\nsigmoid = nnlib.activations.sigmoid",
    "import nnlib.activations as act\ndef sigmoid(z):\n    return act.sigmoid(z)",
    "from nnlib import activations\nsigmoid = activations.sigmoid",
    "import nnlib as nl\nsigmoid = getattr(nl, 'sigmoid')",
    "def sigmoid(z):\n    from nnlib.activations import sigmoid as reference\n    return reference(z)",
    "%matplotlib inline\nfrom nnlib import sigmoid",
])
def test_each_way_of_taking_an_answer_from_nnlib_is_found(source):
    assert _found(source) == {"sigmoid": [0]}


def test_star_import_counts_only_for_exercises_the_student_does_not_write():
    found = _found("from nnlib import *", "def sigmoid(z):\n    return 1 / (1 + np.exp(-z))")
    assert "sigmoid" not in found and found["relu"] == [0] and set(found) == set(CH1) - {"sigmoid"}


@pytest.mark.parametrize("source", [
    "import numpy as np\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))",
    "from nnlib import Dense, make_moons\nfrom nnlib.activations import identity",  # not exercises
    "import nnlib\nprint(nnlib.__version__)",
    "sigmoid = lambda z: z  # the word nnlib.sigmoid in a comment",
    "text = 'from nnlib import sigmoid'",
    "from mylib import sigmoid\nimport numpy.nnlib as x",  # another package
    "from . import sigmoid",
    "def broken(:\n    from nnlib import sigmoid",  # does not parse: it fails when run
    # the student's own function put into nnlib, so that its layers use it
    "import nnlib.activations\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\nnnlib.activations.sigmoid = sigmoid",
    "import nnlib\ndel nnlib.sigmoid",
    # reading the documentation, which the release has too
    "import nnlib\nhelp(nnlib.sigmoid)\nprint(nnlib.activations.sigmoid.__doc__)",
])
def test_own_code_and_other_names_are_not_flagged(source):
    assert _found(source) == {}


def test_earlier_chapters_answers_may_be_imported_and_read_only_cells_are_not_the_students():
    ch2 = EXERCISES["02_backprop"]
    nb = new_notebook(cells=[
        _locked("from nnlib import sigmoid_backward"),  # the release's own setup cell
        new_markdown_cell("from nnlib import relu_backward"),
        _solution("relu_backward", "from nnlib import relu, sigmoid\ndef relu_backward(dout, z):\n    return dout * (z > 0)"),
        new_code_cell("import nnlib\nnnlib.dense_backward"),  # a cell the student added
    ])
    assert reference_imports(nb, ch2) == {"dense_backward": [3]}


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_solved_notebook_and_no_mutation_is_flagged(chapter):
    import nbformat

    nb = nbformat.read(source_notebook(chapter), as_version=4)
    assert reference_imports(nb, EXERCISES[chapter]) == {}
    for exercise, mistakes in load_mutations(chapter).items():
        for name, source in mistakes.items():
            found = _found(source, exercises=EXERCISES[chapter])
            assert not found, f"{chapter} {exercise}/{name} flagged: {found}"
