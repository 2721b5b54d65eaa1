"""Grading one submission: ``grade_submission(task) -> Result``, in a worker process.

``grade_submission`` reads the notebook (``autograder.upload``), restores its graded cells
(``autograder.submission``), runs it in a fresh kernel (``autograder.kernel.KernelRunner``,
the only place a kernel starts), gives it a status (``autograder.status``), scores the test
cells (``autograder.scoring``), and returns a ``Result`` holding the executed notebook (for
the instructor's ``autograded/``) and the feedback page (for the student's ``feedback/``).
It writes nothing: the caller, the only writer of the gradebook and of those files, records
what comes back (the worker may be another machine). ``Task`` and ``Result`` are plain
records, so they travel between processes and machines.
"""

from __future__ import annotations

import copy
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_notebook

from autograder.assignment import Assignment
from autograder.cells import NO_RESPONSE, grade_id
from autograder.feedback import render_feedback, render_problem_page
from autograder.kernel import KernelRunner
from autograder.limits import GiB, Limits
from autograder.readable import failure_message
from autograder.reference_imports import reference_imports
from autograder.savings import Savings
from autograder.scoring import score_notebook
from autograder.status import cell_name, execution_status, notes_cell, unenforced
from autograder.submission import restore
from autograder.teaching import cells_to_skip
from autograder.upload import InvalidSubmission, read_notebook

__all__ = ["Task", "Result", "grade_submission", "zero_result", "problem_page"]


@dataclass(frozen=True)
class Task:
    """One submission to grade. notebook is None when the folder holds no gradable notebook
    (``problem`` then says why). savings: the work grading leaves out (``autograder.savings``)."""

    student: str
    chapter: str
    notebook: str | None
    assignment: Assignment
    limits: Limits = Limits()
    notes: tuple[str, ...] = ()
    problem: str | None = None
    timestamp: str | None = None
    figures: bool = False
    savings: Savings = Savings()


@dataclass
class Result:
    """The outcome of one submission. scores: grade_id -> points (None: needs a human).
    messages: grade_id -> the first failure message the feedback page shows (autograder.readable).
    pages: the executed notebook (``"autograded"``; of an invalid submission, a notebook of its
    notes alone; absent where the grader failed) and the feedback
    page (``"feedback"``) as text, until the caller writes them (then ``autograded`` and
    ``feedback`` are their paths)."""

    student: str
    chapter: str
    status: str
    detail: str
    scores: dict[str, float | None]
    max_scores: dict[str, float]
    unanswered: list[str] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)
    feedback: str | None = None
    autograded: str | None = None
    timestamp: str | None = None  # when the student submitted (nbgrader's timestamp.txt); None: unknown
    exchange_timestamp: str | None = None  # the one nbgrader's files of it carry (the time of grading where unknown)
    seconds: float = 0.0
    sandboxed: bool = True  # False: the kernel ran without bubblewrap (see autograder.sandbox)
    unenforced: tuple[str, ...] = ()  # sandboxed, but these limits could not be set ("processes", "disk", "cpus")
    worker: str = ""  # the grading machine, where it was not this one (a Dask worker's address)
    unchanged: bool = False  # recorded by an earlier run, and not graded again (see autograder.grading)
    messages: dict[str, str] = field(default_factory=dict)  # grade_id -> the first failure message a student sees

    @property
    def score(self) -> float:
        return sum(s for s in self.scores.values() if s is not None)

    @property
    def max_score(self) -> float:
        return sum(self.max_scores.values())


def zero_result(task: Task, status: str, detail: str) -> Result:
    """The result of a submission that earned nothing: every graded cell at 0."""
    points = task.assignment.points
    return Result(task.student, task.chapter, status, detail, {g: 0.0 for g in points}, dict(points),
                  timestamp=task.timestamp)


def grade_submission(task: Task, runner: KernelRunner | None = None) -> Result:
    """Grade one submission; never raises for anything the submission contains.

    runner: the process's kernel runner, kept from one submission to the next (default: one
    made for this submission alone).
    """
    started = time.monotonic()
    notes = list(task.notes)
    try:
        submitted = _read(task)
    except InvalidSubmission as exc:
        result = zero_result(task, "invalid", "; ".join(notes + [str(exc)]))
        result.pages["feedback"] = problem_page(task, result)
        result.pages["autograded"] = nbformat.writes(_for_instructor(new_notebook(), result))
    else:
        with nullcontext(runner) if runner else KernelRunner() as kernels:
            nb, result = _grade_notebook(task, submitted, notes, kernels)
        result.pages["autograded"] = nbformat.writes(_for_instructor(nb, result))
        result.pages["feedback"] = render_feedback(nb, task.assignment, result.scores, notes,
                                                   comments={name: NO_RESPONSE for name in result.unanswered},
                                                   quick=task.savings.quick_feedback,
                                                   cell_timeout=task.limits.cell_timeout,
                                                   memory_gib=task.limits.memory / GiB if task.limits.memory else None)
    result.seconds = time.monotonic() - started
    return result


def _for_instructor(nb: NotebookNode, result: Result) -> NotebookNode:
    """The executed notebook as ``autograded/`` keeps it: with the status and its reason on
    top where it is not a plain ``graded`` (the formgrader shows them there)."""
    if result.status == "graded" and not result.detail:
        return nb
    out = copy.copy(nb)
    out.cells = [notes_cell(result.status, result.detail)] + list(nb.cells)
    return out


def problem_page(task: Task, result: Result) -> str:
    """The feedback page of a submission that could not be run (no notebook, a worker that died)."""
    return render_problem_page(task.chapter, task.student, result.status, result.detail, task.assignment.max_score)


def _read(task: Task) -> NotebookNode:
    if task.notebook is None:
        raise InvalidSubmission(task.problem or "no notebook")
    return read_notebook(Path(task.notebook))


def _grade_notebook(task: Task, submitted: NotebookNode, notes: list[str],
                    runner: KernelRunner) -> tuple[NotebookNode, Result]:
    """(the executed notebook, its result); ``notes`` gets what the detail says."""
    from nbgrader.preprocessors import LimitOutput

    assignment = task.assignment
    nb, restoration = restore(submitted, assignment)
    notes += restoration.notes()
    skip = cells_to_skip(nb, assignment.teaching) if task.savings.skip_teaching else set()
    execution = runner.run(nb, Path(assignment.runtime), task.limits, task.figures, frozenset(skip), task.savings)
    status, faults = execution_status(nb, execution, task.limits)
    notes += faults
    tests_of = assignment.exercise_tests
    taken = reference_imports(nb, tests_of)
    if taken:
        notes.append("answer taken from nnlib instead of written: " + "; ".join(
            f"{name}, in " + ", ".join(cell_name(nb, i) for i in cells) + f" ({tests_of[name]} scored 0)"
            for name, cells in taken.items()))
    if (restoration.edited or taken) and status == "graded":
        status = "flagged"
    scores = score_notebook(nb, execution, {tests_of[name] for name in taken}, assignment.points)
    for name in restoration.unanswered:  # nbgrader's rule: an answer left as released earns 0, no person needed
        if name in scores and scores[name] is None:
            scores[name] = 0.0
    LimitOutput().preprocess(nb, {})
    messages = {}
    for cell in nb.cells:
        name = grade_id(cell)
        if name in scores and (message := failure_message(cell, scores[name], assignment.points.get(name, 0.0))):
            messages[name] = message
    return nb, Result(task.student, task.chapter, status, "; ".join(notes), scores, dict(assignment.points),
                      unanswered=sorted(restoration.unanswered), timestamp=task.timestamp,
                      sandboxed=execution.sandboxed, unenforced=unenforced(task.limits, execution), messages=messages)
