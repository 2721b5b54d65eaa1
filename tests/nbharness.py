"""Execute chapter notebooks the way the grader sees them, for the notebook tests.

A chapter's notebook is executed in a fresh Jupyter kernel (nbclient) whose ``nnlib`` is the
*student build* for that chapter (answers of this and later chapters removed, see
``autograder.strip``), so a notebook that leans on nnlib for its own exercises fails here.

A test cell *passes* under nbgrader's rule: no error output and nothing written to stderr.

Mutations (``tests/mutations/<chapter>.py``) are realistic wrong answers: a dict
``MUTATIONS[exercise][mistake] = source of a wrong solution cell``. ``graded_only`` runs
keep just the cells that grading depends on (setup cells, solution cells, test cells), which
makes one run per mutation cheap.
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import queue
import time

import nbformat
from jupyter_client import KernelManager
from nbclient import NotebookClient
from nbformat import NotebookNode

from autograder import cells, samples
from autograder.cells import grade_id, is_code, is_test, nbgrader_meta
from autograder.course import CHAPTERS, EXERCISES, REPO_ROOT, source_notebook
from autograder.strip import build_student_nnlib

MUTATIONS_DIR = Path(__file__).resolve().parent / "mutations"


@dataclass(frozen=True)
class CellResult:
    grade_id: str
    passed: bool
    message: str  # the error (ename: evalue) or stderr text when it failed; "" when it passed


def present_chapters() -> list[str]:
    """The chapters whose source notebook exists, in course order."""
    return [c for c in CHAPTERS if source_notebook(c).exists()]


def load(chapter: str) -> NotebookNode:
    return nbformat.read(source_notebook(chapter), as_version=4)


def is_solution(cell: NotebookNode) -> bool:
    """A solution code cell (an exercise's answer)."""
    return is_code(cell) and cells.is_solution(cell)


def is_setup(cell: NotebookNode) -> bool:
    return is_code(cell) and str(grade_id(cell) or "").startswith("setup")


def graded_only(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with only its setup, solution and test cells."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if is_setup(c) or is_solution(c) or is_test(c)]
    return out


def inject(nb: NotebookNode, exercise: str, source: str) -> NotebookNode:
    """A copy of ``nb`` whose solution cell ``exercise`` holds ``source`` instead."""
    out = copy.deepcopy(nb)
    cells = [c for c in out.cells if is_solution(c) and grade_id(c) == exercise]
    if len(cells) != 1:
        raise KeyError(f"expected one solution cell with grade_id {exercise!r}, found {len(cells)}")
    cells[0].source = source
    return out


def blank(nb: NotebookNode) -> NotebookNode:
    """A copy of ``nb`` with its solutions replaced by nbgrader's stub (ClearSolutions)."""
    from nbgrader.preprocessors import ClearSolutions

    out, _ = ClearSolutions().preprocess(copy.deepcopy(nb), {})
    return out


@lru_cache(maxsize=None)
def student_nnlib_root(chapter: str) -> str:
    """A folder holding the student build of nnlib for ``chapter`` (made once per process)."""
    root = Path(tempfile.mkdtemp(prefix=f"nnlib-{chapter}-"))
    build_student_nnlib(chapter, root)
    # The student build finds its data one level up, as in a release folder.
    (root / "assets").symlink_to(REPO_ROOT / "assets")
    return str(root)


def _kernel_env(chapter: str) -> dict[str, str]:
    """The kernel's environment: the student nnlib of ``chapter`` first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([student_nnlib_root(chapter), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("MPLBACKEND", None)  # the kernel's inline backend turns figures into outputs
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    # One BLAS thread per kernel: test workers already use every core, and threads that
    # fight over them make mid-sized matrix products many times slower.
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


def execute(nb: NotebookNode, chapter: str, timeout: int = 120) -> NotebookNode:
    """Run ``nb`` top to bottom in a new kernel with the student nnlib of ``chapter``.

    Errors do not stop the run (as in nbgrader's autograde); returns the executed copy.
    The working directory is the chapter's notebook folder.
    """
    out = copy.deepcopy(nb)
    client = NotebookClient(
        out,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(source_notebook(chapter).parent)}},
    )
    client.execute(env=_kernel_env(chapter))
    return out


class KernelSession:
    """One kernel kept alive across many short runs of a chapter's graded cells.

    Starting a kernel and importing the setup cell's libraries costs seconds; the graded
    cells of a chapter run in about one. ``run(nb)`` clears the namespace (``%reset -f``)
    and executes every code cell of ``nb`` in order, recording stream and error outputs
    as nbclient would, so each run starts from the same clean state as a new kernel
    (modules stay imported; the mutations are ordinary wrong answers, not monkeypatches).
    """

    def __init__(self, chapter: str, timeout: float = 120):
        self.timeout = timeout
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env=_kernel_env(chapter), cwd=str(source_notebook(chapter).parent))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=timeout)

    def _run_source(self, source: str) -> list[NotebookNode]:
        msg_id = self.kc.execute(source, store_history=True, allow_stdin=False)
        outputs: list[NotebookNode] = []
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.km.interrupt_kernel()
                outputs.append(nbformat.v4.new_output(
                    "error", ename="CellTimeoutError", evalue=f"cell ran over {self.timeout} s", traceback=[]))
                deadline = time.monotonic() + 10  # collect what the interrupt produces
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
            elif kind == "error":
                outputs.append(nbformat.v4.new_output(
                    "error", ename=content["ename"], evalue=content["evalue"], traceback=content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return outputs

    def run(self, nb: NotebookNode) -> NotebookNode:
        """Execute ``nb``'s code cells in a cleared namespace; returns the executed copy."""
        self._run_source("%reset -f\nimport warnings\ngetattr(warnings, '_filters_mutated', lambda: None)()")
        out = copy.deepcopy(nb)
        for cell in out.cells:
            if cell.cell_type == "code":
                cell.outputs = self._run_source(cell.source)
        return out

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def cell_failure(cell: NotebookNode) -> str:
    """'' if the executed cell passes nbgrader's rule, else what went wrong."""
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            return f"{output.ename}: {output.evalue}"
        if output.output_type == "stream" and output.name == "stderr":
            return "stderr: " + output.text.strip()[:500]
    return ""


def test_results(executed: NotebookNode) -> dict[str, CellResult]:
    """Result of every test cell of an executed notebook, by grade_id."""
    results = {}
    for cell in executed.cells:
        if is_test(cell):
            message = cell_failure(cell)
            results[grade_id(cell)] = CellResult(grade_id(cell), not message, message)
    return results


def load_mutations(chapter: str) -> dict[str, dict[str, str]]:
    """``MUTATIONS`` of ``tests/mutations/<chapter>.py`` (empty when the file is missing)."""
    return samples.load_mutations(chapter, MUTATIONS_DIR)


def exercises(chapter: str) -> tuple[str, ...]:
    return EXERCISES[chapter]


__all__ = [
    "CellResult", "KernelSession", "present_chapters", "load", "graded_only", "inject", "blank", "execute",
    "test_results", "cell_failure", "load_mutations", "exercises", "is_solution", "is_test",
    "is_setup", "grade_id", "nbgrader_meta", "student_nnlib_root",
]
del sys
