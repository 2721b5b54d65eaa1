"""The summary table printed after grading: students down, chapters across, ``score/max``.

Below the grid: each submission whose status is not a plain ``graded`` with its reason, the
folders skipped, the roster's notes (students not on it, students who submitted nothing),
how many submissions wait for grading by hand, how many were left as an earlier run graded
them (unchanged since), and one ``WARNING`` line for each protection that was missing (no
sandbox, or a limit the sandbox could not set), with how many submissions ran without it and,
where grading ran on other machines (a Dask cluster), on which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from autograder.course import CHAPTERS

if TYPE_CHECKING:
    from autograder.grading import GradingRun

__all__ = ["summary_table"]

# Why a limit the sandbox asked for could not be set, by its name in ``Result.unenforced``.
_UNENFORCED = {
    "processes": "no process limit (the kernel could not run under a user id of its own: is util-linux's "
                 "setpriv installed?)",
    "disk": "no disk limit (bubblewrap cannot size a tmpfs before version 0.7)",
    "cpus": "no CPU quota (a control group needs root and a writable /sys/fs/cgroup; a notebook can "
            "take CPU from the other workers within its budget)",
}


def summary_table(run: GradingRun) -> str:
    """Students down, chapters across, ``score/max``; '*' marks a status other than graded."""
    return "\n".join(_grid(run) + _exceptions(run) + _warnings(run))


def _grid(run: GradingRun) -> list[str]:
    chapters = [c for c in CHAPTERS if any(r.chapter == c for r in run.results)]
    students = sorted({r.student for r in run.results})
    cell = {(r.student, r.chapter): r for r in run.results}
    header = ["student"] + [c.replace("_", " ", 1) for c in chapters] + ["total"]
    rows = []
    for student in students:
        row = [student]
        total = maximum = 0.0
        for chapter in chapters:
            r = cell.get((student, chapter))
            if r is None:
                row.append("-")
                continue
            total += r.score
            maximum += r.max_score
            row.append(f"{r.score:g}/{r.max_score:g}" + ("" if r.status == "graded" else "*"))
        row.append(f"{total:g}/{maximum:g}")
        rows.append(row)
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    return lines + ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)) for row in rows]


def _exceptions(run: GradingRun) -> list[str]:
    """The submissions not plainly graded, with their reasons; the folders skipped."""
    lines = []
    flagged = [r for r in run.results if r.status != "graded"]
    if flagged:
        lines += ["", "* not a plain 'graded':"]
        for r in flagged:
            detail = r.detail if len(r.detail) <= 160 else r.detail[:157] + "..."
            lines.append(f"  {r.student}/{r.chapter}: {r.status}: {detail}")
    lines += [f"  skipped {note}" for note in run.skipped]
    if run.roster_notes:
        lines += ["", "roster:"] + [f"  {note}" for note in run.roster_notes]
    by_hand = [r for r in run.results if any(score is None for score in r.scores.values())]
    if by_hand:
        lines += ["", f"to grade by hand: {len(by_hand)} submission(s) with written answers or tasks (nbgrader's "
                      "formgrader in the output folder; then python -m autograder feedback puts the grades on "
                      "the pages)"]
    if run.unchanged:
        lines += ["", f"unchanged since the last run: {run.unchanged} of {len(run.results)} submission(s), "
                      "not graded again (--force grades them again)"]
    return lines


def _warnings(run: GradingRun) -> list[str]:
    lines = []
    unsandboxed = [r for r in run.results if not r.sandboxed]
    if unsandboxed:
        lines += ["", f"WARNING: no sandbox (bubblewrap not available {_where(unsandboxed)}): the code of "
                      f"{len(unsandboxed)} submission(s) ran with the grader's own file and network access."]
    for limit, reason in _UNENFORCED.items():
        unlimited = [r for r in run.results if limit in r.unenforced]
        if unlimited:
            lines += ["", f"WARNING: {reason}, for {len(unlimited)} submission(s){_on(unlimited)}."]
    return lines


def _where(results) -> str:
    workers = sorted({r.worker for r in results if r.worker})
    return f"on {', '.join(workers)}" if workers else "here"


def _on(results) -> str:
    workers = sorted({r.worker for r in results if r.worker})
    return f" on {', '.join(workers)}" if workers else ""
