"""What happened when a notebook ran: the ``Execution`` record the kernel runner returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from nbformat import NotebookNode

__all__ = ["Execution"]


@dataclass
class Execution:
    """What happened when a notebook ran.

    notebook: the notebook with outputs. executed: indices of the code cells the kernel
    answered. skipped: teaching cells left out (``autograder.teaching``). interrupted: cells stopped by the per-cell timeout. stopped_at / stop_reason:
    the cell at which the run ended early and why ("timeout", "died", "budget"), else None.
    error: the kernel could not be started (then nothing ran). kernel_log: the last
    characters the kernel process wrote to its own stdout and stderr. truncated: cells whose
    output was cut. failed: cells whose kernel reply reported an error. tampered: test cells
    before which the guard could not restore numpy, math and builtins.
    sandboxed: the kernel ran in bubblewrap. process_limit: the process limit was in force
    (the sandbox gave the kernel a user id of its own, ``kernel_uid``, or a user namespace).
    disk_limit: the working folder was a tmpfs of ``Limits.disk``. cpu_limit: the kernel's
    processes were under a CPU quota of ``Limits.cpus``.
    Of the hidden regions, run after the notebook (``autograder.deferred``): lost: test cells
    whose copy of the kernel was gone; hidden_stderr: what their regions wrote to stderr
    (cell -> text); hidden_value: the cell's value when a region ends it (nbgrader's partial
    credit; cell -> its text). A region's error is an output of its cell, as shown to students.
    """

    notebook: NotebookNode
    executed: set[int] = field(default_factory=set)
    skipped: set[int] = field(default_factory=set)
    interrupted: list[int] = field(default_factory=list)
    stopped_at: int | None = None
    stop_reason: str | None = None
    error: str | None = None
    kernel_log: str = ""
    seconds: float = 0.0
    sandboxed: bool = False
    truncated: list[int] = field(default_factory=list)
    failed: set[int] = field(default_factory=set)
    tampered: list[int] = field(default_factory=list)
    process_limit: bool = False
    kernel_uid: int | None = None
    disk_limit: bool = False
    cpu_limit: bool = False
    lost: list[int] = field(default_factory=list)
    hidden_stderr: dict[int, str] = field(default_factory=dict)
    hidden_value: dict[int, str] = field(default_factory=dict)
