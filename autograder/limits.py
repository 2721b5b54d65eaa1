"""What one submission may use: the ``Limits`` record, its defaults, its command-line options.

``Limits()`` holds every default. A field that ``python -m autograder grade`` can set carries
its ``Option`` (flag, unit, help text) in the field's metadata; the command line's options,
their defaults and help texts are made from these, so a default is written once, here.
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields

__all__ = ["Limits", "Option", "GiB", "MiB", "option_fields"]

GiB = 2**30
MiB = 2**20


@dataclass(frozen=True)
class Option:
    """How one field of ``Limits`` is set on the command line of ``python -m autograder grade``.

    flag, metavar, help: the option as ``--help`` shows it (the default is added to the help).
    unit: what one unit of the option is in the field's own unit (``GiB``: the field counts
        bytes, the option GiB); 1 where the two agree.
    zero: what 0 means on the command line (the field is then None); None: 0 is refused.
    """

    flag: str
    metavar: str
    help: str
    unit: int = 1
    zero: str | None = None

    def shown(self, value: float) -> float:
        """``value`` of the field in the option's unit."""
        return value / self.unit

    def read(self, number: float, default: float) -> float | None:
        """The field's value for ``number`` given on the command line (of the type of ``default``)."""
        if number == 0 and self.zero is not None:
            return None
        return type(default)(number * self.unit)

    def full_help(self, default: float) -> str:
        shown = self.shown(default)
        text = f"{self.help} (default: {int(shown) if shown == int(shown) else shown}"
        return text + (f"; 0: {self.zero})" if self.zero is not None else ")")


def _option(default: float, flag: str, metavar: str, help: str, unit: int = 1, zero: str | None = None) -> Field:
    return field(default=default, metadata={"option": Option(flag, metavar, help, unit, zero)})


@dataclass(frozen=True)
class Limits:
    """What one submission may use: the comment above each field says what it is and how it
    is enforced. A field the command line sets carries its ``Option``; where the option
    allows 0, 0 there is None here (no limit)."""

    # Seconds one cell may run before it is interrupted.
    cell_timeout: float = _option(30.0, "--timeout", "S", "seconds a cell may run before it is interrupted")
    # Seconds an interrupted cell gets to stop before the kernel is killed.
    interrupt_grace: float = 5.0
    # Seconds for the whole notebook (kernel start included); None: no cap. The default, 5
    # minutes, is 50 times what a solved chapter takes to grade; it also bounds how long
    # anything the notebook left running can slow the other workers.
    notebook_timeout: float | None = _option(300.0, "--notebook-timeout", "S",
                                             "seconds a whole notebook may run, kernel start included",
                                             zero="no limit")
    # Seconds for the kernel to start and answer.
    startup_timeout: float = 60.0
    # Bytes of address space the kernel may map (RLIMIT_AS; numpy with one BLAS thread imports
    # in ~0.4 GB of it); None: no limit. An allocation past it raises MemoryError in the
    # student's cell, and the kernel lives on.
    memory: int | None = _option(2 * GiB, "--memory", "GIB", "address space a student's kernel may use, in GiB",
                                 unit=GiB)
    # Characters of text output one cell may keep (prints, text and HTML displays); the rest
    # is dropped, with a note in the cell.
    output_bytes: int = _option(100_000, "--max-output", "CHARS",
                                "text output kept per cell; the rest is cut with a note")
    # Characters of output the whole notebook may keep, figures included (a chapter with every
    # figure drawn keeps about 1.4 million); the rest is dropped likewise. Many cells that each
    # print just under ``output_bytes`` stop here.
    notebook_output_bytes: int = _option(5_000_000, "--max-notebook-output", "CHARS",
                                         "output kept for the whole notebook, figures included")
    # Processes and threads the kernel may run at once, itself included (RLIMIT_NPROC, counted
    # for a user id of its own; ipykernel with numpy and matplotlib runs about 10); None: no
    # limit. Enforced only in the sandbox (see ``autograder.confinement``): outside it the
    # count would include the grader's own processes.
    processes: int | None = _option(64, "--max-processes", "N",
                                    "processes and threads a student's kernel may run at once, itself included; "
                                    "needs the sandbox", zero="no limit")
    # Bytes one file written by the kernel may reach (RLIMIT_FSIZE); None: no limit.
    file_size: int | None = _option(256 * MiB, "--max-file-size", "MIB",
                                    "size one file written by a student's kernel may reach, in MiB",
                                    unit=MiB, zero="no limit")
    # Bytes the kernel may write in all: in the sandbox its working folder is a tmpfs of this
    # size (held in memory, freed with the kernel); None: the working folder is on disk.
    disk: int | None = _option(512 * MiB, "--max-disk", "MIB",
                               "what a student's kernel may write in all, in MiB: its working folder is a tmpfs "
                               "of that size; needs the sandbox", unit=MiB, zero="a folder on disk, no limit")
    # Cores the kernel and everything it starts may use together (a cgroup CPU quota, where the
    # machine allows one: see ``autograder.cgroup``); None: no quota.
    cpus: float | None = _option(1.0, "--max-cpus", "N",
                                 "cores a student's kernel and all it starts may use together, a cgroup CPU quota "
                                 "where the machine allows one", zero="no quota")
    # Run the kernel in bubblewrap (None: when available, see ``autograder.sandbox``);
    # ``--no-sandbox`` sets False.
    sandbox: bool | None = None
    # Before each test cell, undo what student code did to numpy, math, builtins and the setup
    # cell's names (see ``autograder.guard``).
    guard_tests: bool = True


def option_fields() -> list[tuple[Field, Option]]:
    """The fields of ``Limits`` set on the command line, in the order ``--help`` lists them."""
    return [(f, f.metadata["option"]) for f in fields(Limits) if "option" in f.metadata]
