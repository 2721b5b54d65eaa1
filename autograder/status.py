"""The status of one executed submission: which fault it hit, in which cells.

Statuses, in the order one takes precedence over the next: ``error`` (the kernel died or
could not start, or died running a cell's hidden tests; the grader itself failed), ``timeout`` (a cell was interrupted, or the
notebook stopped), ``memory`` (a cell ran out of its memory limit), ``limit`` (a cell reached
the process, file size or disk limit), ``flagged`` (read-only cells were edited: they were
restored and the notebook graded; or an exercise's answer was taken from nnlib: its test
scored 0), ``graded``; and ``invalid`` (no readable notebook), given before anything runs.
Each fault also adds a note naming its cells; the notes become the ``detail`` column and the
top of the feedback page.
"""

from __future__ import annotations

from nbformat import NotebookNode

from autograder.cells import grade_id, is_code
from autograder.execution import Execution
from autograder.limits import GiB, Limits, MiB

__all__ = ["STATUSES", "cell_name", "execution_status", "unenforced", "notes_cell", "is_notes_cell"]

STATUSES = ("graded", "timeout", "memory", "limit", "error", "invalid", "flagged")

# (status or None, note or None) for each fault found, in the order the detail lists them.
Findings = list[tuple[str | None, str | None]]


def cell_name(nb: NotebookNode, index: int) -> str:
    """How the detail names a cell: its grade_id and code cell number, e.g. ``relu (code cell 5)``."""
    name = grade_id(nb.cells[index])
    number = sum(1 for c in nb.cells[: index + 1] if is_code(c))
    return f"{name} (code cell {number})" if name else f"code cell {number}"


def _names(nb: NotebookNode, indices) -> str:
    return ", ".join(cell_name(nb, i) for i in indices)


def execution_status(nb: NotebookNode, execution: Execution, limits: Limits) -> tuple[str, list[str]]:
    """(status, notes) of an executed notebook: the first fault found sets the status
    (``graded`` where there is none); every fault adds its note."""
    findings = (_stop(nb, execution, limits) + _lost(nb, execution) + _interruptions(nb, execution, limits)
                + _out_of_memory(nb, execution, limits) + _exits(nb, execution)
                + _resource_limits(nb, execution, limits) + _guard_failures(nb, execution)
                + _truncations(nb, execution, limits))
    status = next((status for status, _ in findings if status), "graded")
    return status, [note for _, note in findings if note]


def _stop(nb: NotebookNode, execution: Execution, limits: Limits) -> Findings:
    """Why the run ended early, if it did."""
    if execution.error:
        return [("error", execution.error)]
    stopped = cell_name(nb, execution.stopped_at) if execution.stopped_at is not None else None
    if execution.stop_reason == "died":
        return [("error", f"the kernel died while running {stopped}; the cells after it were not run")]
    if execution.stop_reason == "timeout":
        return [("timeout", f"{stopped} ran over {limits.cell_timeout:g} s and ignored the interrupt; "
                            "the kernel was stopped and the cells after it were not run")]
    if execution.stop_reason == "budget":
        return [("timeout", f"the notebook used up its {limits.notebook_timeout:g} s; stopped at {stopped}")]
    return []


def _interruptions(nb: NotebookNode, execution: Execution, limits: Limits) -> Findings:
    if not execution.interrupted:
        return []
    cells = [i for i in execution.interrupted if i != execution.stopped_at]
    return [("timeout", f"interrupted after {limits.cell_timeout:g} s: {_names(nb, cells)}" if cells else None)]


def _raised(cell: NotebookNode, ename: str, words: str = "") -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") == ename and words in str(o.get("evalue", ""))
               for o in cell.get("outputs", []))


def _cells_that_raised(nb: NotebookNode, execution: Execution, ename: str, words: str = "") -> list[int]:
    return [i for i in sorted(execution.executed) if _raised(nb.cells[i], ename, words)]


def _out_of_memory(nb: NotebookNode, execution: Execution, limits: Limits) -> Findings:
    cells = _cells_that_raised(nb, execution, "MemoryError")
    if not cells:
        return []
    limit = f" (limit {limits.memory / GiB:g} GiB)" if limits.memory else ""
    return [("memory", f"memory limit{limit}: out of memory in {_names(nb, cells)}")]


def _exits(nb: NotebookNode, execution: Execution) -> Findings:
    cells = _cells_that_raised(nb, execution, "SystemExit")
    if not cells:
        return []
    return [(None, f"sys.exit() called in {_names(nb, cells)}; the kernel went on with the next cell")]


def _resource_limits(nb: NotebookNode, execution: Execution, limits: Limits) -> Findings:
    """The process, file size and disk limits in force, each with the cells that reached it."""
    reached = []  # (cells whose error shows the limit, what the detail calls it)
    if execution.process_limit:
        # fork or a new thread refused (EAGAIN): what RLIMIT_NPROC does.
        refused = set(_cells_that_raised(nb, execution, "BlockingIOError", "Resource temporarily unavailable"))
        refused |= set(_cells_that_raised(nb, execution, "RuntimeError", "can't start new thread"))
        reached.append((sorted(refused), f"process limit ({limits.processes} processes and threads)"))
    if limits.file_size:
        reached.append((_cells_that_raised(nb, execution, "OSError", "File too large"),
                        f"file size limit ({limits.file_size / MiB:g} MiB per file)"))
    if execution.disk_limit:
        reached.append((_cells_that_raised(nb, execution, "OSError", "No space left on device"),
                        f"disk limit ({limits.disk / MiB:g} MiB in all)"))
    return [("limit", f"{name} reached in {_names(nb, cells)}") for cells, name in reached if cells]


def _guard_failures(nb: NotebookNode, execution: Execution) -> Findings:
    if not execution.tampered:
        return []
    return [(None, f"the grader could not restore numpy/math/builtins before {_names(nb, execution.tampered)} "
                   "(scored 0)")]


def _lost(nb: NotebookNode, execution: Execution) -> Findings:
    if not execution.lost:
        return []
    return [("error", f"the copy of the kernel kept for the hidden tests of {_names(nb, execution.lost)} was gone "
                      "(ended by the notebook's code, or it died running them); those cells scored 0")]


def _truncations(nb: NotebookNode, execution: Execution, limits: Limits) -> Findings:
    if not execution.truncated:
        return []
    return [(None, f"output cut ({limits.output_bytes} characters of text per cell, "
                   f"{limits.notebook_output_bytes} in all) in {_names(nb, execution.truncated)}")]


def unenforced(limits: Limits, execution: Execution) -> tuple[str, ...]:
    """The limits asked for that the sandbox could not set (without a sandbox, none is claimed)."""
    if not execution.sandboxed or execution.error:
        return ()
    missing = []
    if limits.processes and not execution.process_limit:
        missing.append("processes")
    if limits.disk and not execution.disk_limit:
        missing.append("disk")
    if limits.cpus and not execution.cpu_limit:
        missing.append("cpus")
    return tuple(missing)


def notes_cell(status: str, detail: str) -> NotebookNode:
    """A markdown cell with the status and its reason, put at the top of the instructor's
    executed notebook (``autograded/``), where nbgrader's formgrader shows it; the feedback
    page, which lists the notes itself, leaves it out (``is_notes_cell``)."""
    from nbformat.v4 import new_markdown_cell

    text = f"**Grader: {status}**" + (f"\n\n{detail}" if detail else "")
    return new_markdown_cell(text, metadata={"autograder": {"notes": True}})


def is_notes_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("autograder")
    return isinstance(meta, dict) and bool(meta.get("notes"))
