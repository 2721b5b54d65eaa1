"""The course's tooling on nbgrader: student releases, grading (CLI: ``python -m autograder``)."""

# Before any module of the package imports nbformat/jsonschema (see autograder._speedups).
from autograder._speedups import block_slow_optional_imports

block_slow_optional_imports()
