"""The hidden tests, run after the student's last cell, each in the copy of the kernel made where it stood.

While the notebook runs (``autograder.client``), each test cell runs its visible code with
a freeze point where each of its hidden regions stood, and the kernel leaves a copy of
itself waiting there (``autograder.freeze``). ``run_hidden_regions`` then hands the copies
their hidden regions one by one, through the named pipes of ``HiddenPipes``, and records each
verdict in the test cell. Nothing the copies print or show is kept; of an error, the cell
gets what ``autograder.disclosure`` lets a student see (the full error goes to the
traceback lines of the autograded notebook, for the instructor: the feedback page never
shows a test cell's traceback).

Only test cells whose visible code ran without error are asked: a cell that failed already
scores 0. A copy that does not answer in ``seconds`` is interrupted (the cell fails with
``KeyboardInterrupt`` and counts as interrupted, as a slow cell would); a copy that is gone
(the student's code ended it, or it died running the region) fails its cell, and the
detail says so (``Execution.lost``).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import stat
import time
from pathlib import Path

from nbformat.v4 import new_output

from autograder.disclosure import shown_error
from autograder.execution import Execution
from autograder.hidden import HiddenRegion

__all__ = ["HiddenPipes", "run_hidden_regions"]

# Seconds a copy may run beyond the grader's wait before its alarm ends it.
_GRACE = 2.0
_MAX_ANSWER = 1 << 20


class HiddenPipes:
    """The named pipes of one kernel's copies, in ``folder``: ``<n>.in`` and ``<n>.out`` for each region.

    They are made before the kernel starts (the kernel may run under a user id of its own,
    which can open them but not create them there).
    """

    def __init__(self, folder: Path, count: int) -> None:
        self.folder = Path(folder)
        self.count = count
        self.folder.mkdir(mode=0o755, exist_ok=True)
        for number in range(count):
            for end in ("in", "out"):
                path = self.folder / f"{number}.{end}"
                os.mkfifo(path)
                path.chmod(0o666)

    def ask(self, region: HiddenRegion, seconds: float) -> dict | None:
        """Hand ``region`` to its copy and wait up to ``seconds`` for its answer: the answer,
        ``{"timeout": True}``, or None where no copy is there (or it died before answering).
        The copy stops itself a little later (``_GRACE``), so a copy that runs out of time is
        never taken for one that died."""
        answers = self.folder / f"{region.number}.out"
        questions = self.folder / f"{region.number}.in"
        if not (_is_fifo(answers) and _is_fifo(questions)):
            return None
        reader = os.open(answers, os.O_RDONLY | os.O_NONBLOCK)
        try:
            try:
                writer = os.open(questions, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: nobody waits on the pipe, so no copy is there
                return None
            nonce = secrets.token_hex(16)
            body = region.source.encode("utf-8")
            try:
                header = f"{nonce} {int(seconds + _GRACE) + 1} {len(body)}\n".encode("ascii")
                _write_all(writer, header + body, seconds)
            finally:
                os.close(writer)
            return _read_answer(reader, nonce, time.monotonic() + seconds)
        finally:
            os.close(reader)


def _is_fifo(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(path.lstat().st_mode)
    except OSError:
        return False


def _write_all(fd: int, data: bytes, seconds: float) -> None:
    give_up = time.monotonic() + seconds
    while data:
        _, writable, _ = select.select([], [fd], [], max(0.0, give_up - time.monotonic()))
        if not writable:
            raise TimeoutError("the copy does not read its hidden region")
        data = data[os.write(fd, data):]


def _read_answer(fd: int, nonce: str, give_up: float) -> dict | None:
    """The first line of JSON with ``nonce`` that arrives on ``fd`` before ``give_up``;
    {"timeout": True} when none came in time; None when the copy closed its end (it died)."""
    buffer = b""
    while True:
        left = give_up - time.monotonic()
        if left <= 0:
            return {"timeout": True}
        readable, _, _ = select.select([fd], [], [], left)
        if not readable:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return None
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            try:
                answer = json.loads(line.decode("utf-8"))
            except ValueError:
                continue
            if isinstance(answer, dict) and answer.get("nonce") == nonce:
                return answer
        if len(buffer) > _MAX_ANSWER:
            return None


def run_hidden_regions(pipes: HiddenPipes, regions: list[HiddenRegion], execution: Execution,
                       seconds: float, deadline: float | None) -> None:
    """Run each region whose cell passed its visible code, and record its verdict in the cell."""
    nb = execution.notebook
    for region in regions:
        cell = nb.cells[region.cell]
        if region.cell not in execution.executed or region.cell in execution.failed or _has_error(cell):
            continue  # never ran, or failed already: the hidden tests cannot change its score
        limit = seconds if deadline is None else min(seconds, deadline - time.monotonic())
        if limit <= 0:
            _fail(cell, "KeyboardInterrupt", "", ["the notebook's time budget was used up before the hidden tests"])
            execution.interrupted.append(region.cell)
            continue
        answer = pipes.ask(region, limit)
        if answer is None:
            _fail(cell, "RuntimeError", "the hidden tests of this cell could not run",
                  ["no copy of the kernel answered for this cell's hidden tests"])
            execution.lost.append(region.cell)
        elif answer.get("timeout"):
            _fail(cell, "KeyboardInterrupt", "", [f"the hidden tests ran over {limit:g} s"])
            execution.interrupted.append(region.cell)
        elif answer.get("status") == "error":
            ename, message = shown_error(str(answer.get("ename", "")), str(answer.get("evalue", "")), region.source)
            raw = [f"{answer.get('ename', '')}: {answer.get('evalue', '')}"]
            _fail(cell, ename, message, raw + [str(line) for line in answer.get("traceback", [])][:20])
        elif str(answer.get("stderr", "")):
            execution.hidden_stderr.setdefault(region.cell, "")
            execution.hidden_stderr[region.cell] += str(answer["stderr"])
        if answer is not None and answer.get("status") == "ok" and answer.get("value") is not None:
            execution.hidden_value[region.cell] = str(answer["value"])


def _has_error(cell) -> bool:
    return any(output.get("output_type") == "error" for output in cell.get("outputs", []))


def _fail(cell, ename: str, evalue: str, traceback: list[str]) -> None:
    cell.outputs.append(new_output("error", ename=ename, evalue=evalue, traceback=traceback))
