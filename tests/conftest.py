"""Shared pytest fixtures and the hypothesis profile of the test suite."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import settings

# Figures render off-screen in every test process (before any test module imports pyplot).
matplotlib.use("Agg")

# No deadline: the machine is shared, and timing is not what these tests check.
# HYPOTHESIS_PROFILE=thorough runs many more examples.
settings.register_profile("default", deadline=None, max_examples=50)
settings.register_profile("thorough", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator, fresh for each test."""
    return np.random.default_rng(12345)


@pytest.fixture
def strict_numerics():
    """Make any warning, and any numpy overflow, division by zero or invalid operation, an error.

    For tests of numerical stability: correct code must stay silent (nbgrader scores a test
    cell 0 when anything reaches stderr). Underflow to 0 stays allowed: it is harmless.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            yield


@pytest.fixture(scope="session")
def edition(tmp_path_factory) -> Path:
    """The student edition of every chapter, as `make lab` builds it (once per session)."""
    from autograder.edition import build_edition
    from fixtures import support

    folder = support.computed_once(tmp_path_factory, "student-edition",
                                   lambda f: build_edition(f / "edition", echo=lambda _: None))
    return folder / "edition"


@pytest.fixture(scope="session")
def student_venv(tmp_path_factory, edition) -> Path:
    """The scripts folder of a fresh virtual environment made from the edition's
    requirements.txt alone, as `make lab` makes it (once per session)."""
    from autograder.edition import create_student_venv
    from fixtures import support

    folder = support.computed_once(tmp_path_factory, "student-venv",
                                   lambda f: create_student_venv(f / "venv", edition, echo=lambda _: None))
    return folder / "venv" / "bin"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory):
    """The release folder of the grader's fixture chapter 02_backprop (built once per session):
    what a grading kernel imports from."""
    from autograder.release import release
    from fixtures import support

    out = support.computed_once(tmp_path_factory, "release-fixture-02_backprop",
                                lambda folder: release(["02_backprop"], folder, support.FIXTURE_NOTEBOOKS))
    return out / "02_backprop"


@pytest.fixture(scope="module")
def runner():
    """A kernel runner kept for a module's tests, as a worker process keeps one."""
    from autograder.kernel import KernelRunner

    with KernelRunner() as kernels:
        yield kernels
