"""Work grading leaves out where it cannot change a grade: the ``Savings`` record.

Each field turns one saving on (all are on by default). The no-difference test
(``tests/test_autograder_savings.py``) grades solved, blank, partly wrong and mutated
notebooks and the hostile fixtures with every saving and with each one off, and finds the
same scores and statuses.

- ``skip_teaching``: a teaching cell (a demonstration, figure or widget) marked in the source
  notebook is not run when the student left it as released and no cell that runs reads a
  name it defines (``autograder.teaching``).
- ``warm_kernel``: the next kernel starts while the current notebook runs, and imports the
  setup cell's modules before it answers (``autograder.kernel``). It is the next
  submission's own fresh kernel: a kernel never serves two submissions.
- ``lean_kernel``: the kernel does not import what grading never uses: ipykernel's debugger
  (debugpy) and IPython's completer engine (jedi).
- ``fork_kernel``: with ``lean_kernel``, in the sandbox with a user id of its own, the kernel
  is forked from a template process that imported ipykernel and the setup cell's libraries
  once per worker, and takes on the sandbox's confinement (``autograder.template``). It is
  still a new process for one submission: nothing of another student's kernel is in it.
- ``quick_feedback``: the feedback page's markdown and code highlighting are rendered once
  per text, and nbconvert's accessibility pass, which looks for JupyterLab's classes that
  nbgrader's classic template never writes, runs only on pages with images.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Savings"]


@dataclass(frozen=True)
class Savings:
    """Which savings grading uses (see the module docstring)."""

    skip_teaching: bool = True
    warm_kernel: bool = True
    lean_kernel: bool = True
    fork_kernel: bool = True
    quick_feedback: bool = True
