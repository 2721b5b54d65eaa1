"""Grading one submission (in a worker process) and the pool of worker processes.

``grade_submission(task)`` reads the notebook, restores its graded cells, runs it in a fresh
kernel (``autograder.kernel.run_notebook``, the only place a kernel starts), scores the
test cells, writes the executed notebook (``autograded/``, for the instructor) and the
feedback page (``feedback/``, for the student), and returns a ``Result``. It never touches
the gradebook: results go back to the parent process, the gradebook's only writer.

``WorkerPool`` runs tasks in N worker processes. They are forked from the parent after it
has imported nbgrader, nbclient and nbconvert and built the feedback exporter, so each
worker starts warm: the imports are paid once in all, not per worker or per submission
(when the parent runs several threads, e.g. inside a test runner, a fork server that
imports the grader once takes the parent's place). Each worker grades one submission at a
time (one kernel each). A worker that dies takes only its current submission with it
(status ``error``); a new worker replaces it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path

from autograder._speedups import block_slow_optional_imports

block_slow_optional_imports()  # before nbformat: a fork server imports this module first

import nbformat  # noqa: E402

from autograder.feedback import render_feedback, render_problem_page  # noqa: E402
from autograder.kernel import Limits, run_notebook  # noqa: E402
from autograder.reference_imports import reference_imports  # noqa: E402
from autograder.release import Assignment  # noqa: E402
from autograder.scoring import score_test_cell  # noqa: E402
from autograder.submission import InvalidSubmission, read_notebook, restore  # noqa: E402

__all__ = ["Task", "Result", "grade_submission", "WorkerPool", "STATUSES"]

STATUSES = ("graded", "timeout", "memory", "limit", "error", "invalid", "flagged")


@dataclass(frozen=True)
class Task:
    """One submission to grade. notebook is None when the folder holds no gradable notebook
    (``problem`` then says why)."""

    student: str
    chapter: str
    notebook: str | None
    assignment: Assignment
    out: str
    limits: Limits = Limits()
    notes: tuple[str, ...] = ()
    problem: str | None = None
    timestamp: str | None = None
    figures: bool = False


@dataclass
class Result:
    """The outcome of one submission. scores: grade_id -> points (None: needs a human)."""

    student: str
    chapter: str
    status: str
    detail: str
    scores: dict[str, float | None]
    max_scores: dict[str, float]
    unanswered: list[str] = field(default_factory=list)
    feedback: str | None = None
    autograded: str | None = None
    timestamp: str | None = None
    seconds: float = 0.0
    sandboxed: bool = True  # False: the kernel ran without bubblewrap (see kernel.sandbox_available)
    unenforced: tuple[str, ...] = ()  # sandboxed, but these limits could not be set ("processes", "disk", "cpus")

    @property
    def score(self) -> float:
        return sum(s for s in self.scores.values() if s is not None)

    @property
    def max_score(self) -> float:
        return sum(self.max_scores.values())


def _cell_name(nb, index: int) -> str:
    cell = nb.cells[index]
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    number = sum(1 for c in nb.cells[: index + 1] if c.cell_type == "code")
    return f"{grade_id} (code cell {number})" if grade_id else f"code cell {number}"


def _raised(cell, ename: str, words: str = "") -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") == ename and words in str(o.get("evalue", ""))
               for o in cell.get("outputs", []))


def _hit_process_limit(cell) -> bool:
    """fork or a new thread refused (EAGAIN): what RLIMIT_NPROC does."""
    return _raised(cell, "BlockingIOError", "Resource temporarily unavailable") or \
        _raised(cell, "RuntimeError", "can't start new thread")


def _hit_file_size_limit(cell) -> bool:
    return _raised(cell, "OSError", "File too large")


def _hit_disk_limit(cell) -> bool:
    return _raised(cell, "OSError", "No space left on device")


def _unenforced(limits: Limits, execution) -> tuple[str, ...]:
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


def _zero(task: Task, status: str, detail: str) -> Result:
    points = task.assignment.points
    return Result(task.student, task.chapter, status, detail, {g: 0.0 for g in points}, dict(points),
                  timestamp=task.timestamp)


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return str(path)


def grade_submission(task: Task) -> Result:
    """Grade one submission; never raises for anything the submission contains."""
    started = time.monotonic()
    out = Path(task.out)
    feedback_path = out / "feedback" / task.student / task.chapter / f"{task.chapter}.html"
    autograded_path = out / "autograded" / task.student / task.chapter / f"{task.chapter}.ipynb"
    autograded_path.unlink(missing_ok=True)
    assignment = task.assignment
    notes = list(task.notes)
    if task.notebook is None:
        result = _zero(task, "invalid", "; ".join(notes + [task.problem or "no notebook"]))
    else:
        try:
            submitted = read_notebook(Path(task.notebook))
        except InvalidSubmission as exc:
            result = _zero(task, "invalid", "; ".join(notes + [str(exc)]))
        else:
            result = _execute_and_score(task, submitted, notes, autograded_path, feedback_path)
    if result.feedback is None:
        result.feedback = _write(feedback_path, render_problem_page(
            task.chapter, task.student, result.status, result.detail, assignment.max_score))
    result.seconds = time.monotonic() - started
    return result


def _execute_and_score(task: Task, submitted, notes: list[str], autograded_path: Path, feedback_path: Path) -> Result:
    from nbgrader.preprocessors import LimitOutput

    assignment = task.assignment
    nb, restoration = restore(submitted, assignment)
    notes += restoration.notes()
    execution = run_notebook(nb, Path(assignment.runtime), task.limits, task.figures)
    status = "graded"
    if execution.error:
        status = "error"
        notes.append(execution.error)
    elif execution.stop_reason == "died":
        status = "error"
        notes.append(f"the kernel died while running {_cell_name(nb, execution.stopped_at)}; "
                     "the cells after it were not run")
    elif execution.stop_reason == "timeout":
        status = "timeout"
        notes.append(f"{_cell_name(nb, execution.stopped_at)} ran over {task.limits.cell_timeout:g} s and "
                     "ignored the interrupt; the kernel was stopped and the cells after it were not run")
    elif execution.stop_reason == "budget":
        status = "timeout"
        notes.append(f"the notebook used up its {task.limits.notebook_timeout:g} s; "
                     f"stopped at {_cell_name(nb, execution.stopped_at)}")
    if execution.interrupted:
        if status == "graded":
            status = "timeout"
        cells = ", ".join(_cell_name(nb, i) for i in execution.interrupted if i != execution.stopped_at)
        if cells:
            notes.append(f"interrupted after {task.limits.cell_timeout:g} s: {cells}")
    out_of_memory = [i for i in sorted(execution.executed) if _raised(nb.cells[i], "MemoryError")]
    if out_of_memory:
        if status == "graded":
            status = "memory"
        limit = f" (limit {task.limits.memory / 1024**3:g} GiB)" if task.limits.memory else ""
        notes.append(f"memory limit{limit}: out of memory in "
                     + ", ".join(_cell_name(nb, i) for i in out_of_memory))
    exits = [i for i in sorted(execution.executed) if _raised(nb.cells[i], "SystemExit")]
    if exits:
        notes.append("sys.exit() called in " + ", ".join(_cell_name(nb, i) for i in exits)
                     + "; the kernel went on with the next cell")
    limits = task.limits
    resource_limits = []  # (test on a cell's error, what the detail calls it), for the limits in force
    if execution.process_limit:
        resource_limits.append((_hit_process_limit, f"process limit ({limits.processes} processes and threads)"))
    if limits.file_size:
        resource_limits.append((_hit_file_size_limit, f"file size limit ({limits.file_size / 2**20:g} MiB per file)"))
    if execution.disk_limit:
        resource_limits.append((_hit_disk_limit, f"disk limit ({limits.disk / 2**20:g} MiB in all)"))
    for hit, name in resource_limits:
        cells = [i for i in sorted(execution.executed) if hit(nb.cells[i])]
        if cells:
            if status == "graded":
                status = "limit"
            notes.append(f"{name} reached in " + ", ".join(_cell_name(nb, i) for i in cells))
    if execution.tampered:
        notes.append("the grader could not restore numpy/math/builtins before "
                     + ", ".join(_cell_name(nb, i) for i in execution.tampered) + " (scored 0)")
    if execution.truncated:
        notes.append(f"output cut ({task.limits.output_bytes} characters of text per cell, "
                     f"{task.limits.notebook_output_bytes} in all) in "
                     + ", ".join(_cell_name(nb, i) for i in execution.truncated))
    tests_of = assignment.exercise_tests
    taken = reference_imports(nb, tests_of)
    zeroed = {tests_of[name] for name in taken}
    if taken:
        notes.append("answer taken from nnlib instead of written: " + "; ".join(
            f"{name}, in " + ", ".join(_cell_name(nb, i) for i in cells) + f" ({tests_of[name]} scored 0)"
            for name, cells in taken.items()))
    if (restoration.edited or taken) and status == "graded":
        status = "flagged"

    scores: dict[str, float | None] = {}
    for index, cell in enumerate(nb.cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade"):
            score = score_test_cell(cell, index in execution.executed)
            if score and (index in execution.failed or index in execution.tampered):
                score = 0.0  # failed without showing it, or its test environment was broken
            if score and meta["grade_id"] in zeroed:
                score = 0.0  # the reference answer, not the student's
            scores[meta["grade_id"]] = score
    for grade_id in assignment.points:
        scores.setdefault(grade_id, 0.0)
    LimitOutput().preprocess(nb, {})
    result = Result(task.student, task.chapter, status, "; ".join(notes), scores, dict(assignment.points),
                    unanswered=sorted(restoration.unanswered), timestamp=task.timestamp,
                    sandboxed=execution.sandboxed, unenforced=_unenforced(task.limits, execution))
    result.autograded = _write(autograded_path, nbformat.writes(nb))
    result.feedback = _write(feedback_path, render_feedback(nb, assignment, scores, notes))
    return result


# ----------------------------------------------------------------------------- the pool

def _worker_main(conn) -> None:
    """Loop of a worker process: receive a task, send back its result; None stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # run finally blocks: kill the kernel
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            result = grade_submission(task)
        except Exception:  # noqa: BLE001 - a grader bug must not stop the batch
            result = _zero(task, "error", "the grader failed on this submission: "
                           + traceback.format_exc(limit=3).strip().splitlines()[-1])
        conn.send(result)


class _Worker:
    def __init__(self, context) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child,), daemon=True)
        self.process.start()
        child.close()
        self.task: Task | None = None


class WorkerPool:
    """``jobs`` worker processes (fork) that grade tasks.

    ``start()`` forks the workers (do it before opening database connections or starting
    threads); ``run(tasks)`` yields results as they finish; ``close()`` stops the workers.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, int(jobs))
        # Forking copies the parent's imports for free, but is only safe while the parent runs
        # a single thread (the command line does); otherwise a fork server, which imports the
        # grader once and forks the workers from that clean process.
        if threading.active_count() == 1:
            self.context = multiprocessing.get_context("fork")
        else:
            self.context = multiprocessing.get_context("forkserver")
            self.context.set_forkserver_preload(["autograder.worker"])
        self.workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self) -> None:
        while len(self.workers) < self.jobs:
            self.workers.append(_Worker(self.context))

    def run(self, tasks: list[Task]) -> Iterator[Result]:
        self.start()
        pending = deque(tasks)
        workers = self.workers
        for worker in workers:
            self._dispatch(worker, pending)
        while any(w.task is not None for w in workers):
            busy = [w for w in workers if w.task is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                died = worker.process.sentinel in ready
                if worker.conn in ready or (died and worker.conn.poll()):
                    try:
                        result = worker.conn.recv()
                    except (EOFError, OSError):
                        result = None
                    if result is not None:
                        worker.task = None
                        yield result
                        self._dispatch(worker, pending)
                        continue
                    died = True
                if died:
                    task, worker.task = worker.task, None
                    worker.process.join(timeout=1)
                    code = worker.process.exitcode
                    yield _zero(task, "error", f"the grading process died while grading this submission "
                                               f"(exit code {code}); nothing of it was graded")
                    workers[workers.index(worker)] = replacement = _Worker(self.context)
                    self._dispatch(replacement, pending)

    def close(self) -> None:
        for worker in self.workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self.workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.terminate()
                worker.process.join(timeout=5)
        self.workers = []

    @staticmethod
    def _dispatch(worker: _Worker, pending: deque) -> None:
        if pending:
            worker.task = pending.popleft()
            worker.conn.send(worker.task)
