"""What a student reads of an executed notebook's outputs: faults in words, no grader internals.

The feedback page (``autograder.feedback``) shows the outputs the kernel made, after these
changes to a copy of the notebook (``make_readable``):

- a cell stopped by the time limit shows "Stopped: this cell ran longer than ..." in place of
  IPython's ``KeyboardInterrupt`` traceback; a ``MemoryError`` says the memory limit was
  reached;
- a traceback (of an ordinary cell: a test cell shows its exception and message alone) keeps
  the frames of the student's cells and of the chapter's nnlib, without the grader's own
  frames (its guard wraps the student's functions) and with no path of the grading machine
  (the release folder, the kernel's scratch folder, the Python installation);
- a figure that was not drawn (``<Figure size 640x360 with 1 Axes>``, the text matplotlib
  gives without a display) is left out;
- what a cell printed in several pieces is one block (as Jupyter shows it), not one per piece.

``failure_message`` names what went wrong first in a graded cell, for the table at the top
of the page and the gradebook (``Result.messages``).
"""

from __future__ import annotations

import re
import sys

from nbformat import NotebookNode

from autograder.cells import is_code, is_graded, is_manual

__all__ = ["make_readable", "failure_message", "TIME_LIMIT", "MEMORY_LIMIT", "NOT_RUN"]

TIME_LIMIT = "Stopped: this cell ran longer than the time limit{limit} and was interrupted (an endless loop, or " \
             "much more work than the exercise needs?)"
MEMORY_LIMIT = "MemoryError: this cell needed more memory than the limit{limit} allows (an array far larger " \
               "than the exercise needs?)"
NOT_RUN = "not run: the notebook stopped before this cell (see the notes above)"
_FIGURE_TEXT = re.compile(r"^<Figure size \d+(\.\d+)?x\d+(\.\d+)? with \d+ Axes>$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Frames of code the student never wrote or saw: the grader's guard and IPython's machinery.
_INTERNAL_FRAME = re.compile(r"__autograder|/IPython/core/|/ipykernel/|autograder/")
_PYTHON_PATHS = tuple(sorted({p for p in (sys.prefix, sys.base_prefix, sys.exec_prefix) if p}, key=len, reverse=True))
_SITE_PACKAGES = re.compile(r"(/[^\s:'\"()]+)*/(site|dist)-packages/")
_SCRATCH = re.compile(r"/[^\s:'\"()]*autograder-kernel-[^/\s]+/(work/)?")


def _limit_words(seconds: float | None, unit: str = "s") -> str:
    return f" ({seconds:g} {unit})" if seconds else ""


def make_readable(nb: NotebookNode, runtime: str, cell_timeout: float | None = None,
                  memory_gib: float | None = None) -> None:
    """Change ``nb``'s outputs in place as the module docstring says.

    runtime: the release folder the kernel imported nnlib from (its path is cut from tracebacks).
    """
    for cell in nb.cells:
        if not is_code(cell):
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                _reword_error(output, runtime, cell_timeout, memory_gib)
            elif output.get("output_type") in ("execute_result", "display_data") and _is_figure_text(output):
                continue
            elif output.get("output_type") == "stream" and outputs and outputs[-1].get("output_type") == "stream" \
                    and outputs[-1].get("name") == output.get("name"):
                outputs[-1].text = _text(outputs[-1].text) + _text(output.text)  # one block, as Jupyter shows it
                continue
            outputs.append(output)
        cell.outputs = outputs


def _text(text) -> str:
    return "".join(text) if isinstance(text, list) else text


def _is_figure_text(output: NotebookNode) -> bool:
    data = output.get("data", {})
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return set(data) == {"text/plain"} and bool(_FIGURE_TEXT.match(text.strip()))


def _reword_error(output: NotebookNode, runtime: str, cell_timeout: float | None, memory_gib: float | None) -> None:
    if output.get("ename") == "KeyboardInterrupt":
        output.ename, output.evalue = "Stopped", TIME_LIMIT.format(limit=_limit_words(cell_timeout))[len("Stopped: "):]
        output.traceback = [TIME_LIMIT.format(limit=_limit_words(cell_timeout))]
    elif output.get("ename") == "MemoryError":
        words = MEMORY_LIMIT.format(limit=_limit_words(memory_gib, "GiB"))
        output.ename, output.evalue = "MemoryError", words[len("MemoryError: "):]
        output.traceback = [words]
    else:
        frames = list(output.get("traceback", []))
        # The last entry is the exception's own line: always kept.
        kept = [frame for frame in frames[:-1] if not _INTERNAL_FRAME.search(_ANSI.sub("", frame))] + frames[-1:]
        output.traceback = [_without_paths(frame, runtime) for frame in kept]


def _without_paths(text: str, runtime: str) -> str:
    """``text`` with the grading machine's folders cut from its paths."""
    if runtime:
        text = text.replace(runtime.rstrip("/") + "/", "")
    text = _SCRATCH.sub("", text)
    text = _SITE_PACKAGES.sub("", text)
    for prefix in _PYTHON_PATHS:
        text = text.replace(prefix + "/", "")
    return text


def failure_message(cell: NotebookNode, score: float | None, max_score: float) -> str:
    """What went wrong first in a graded cell ("" where it earned its points or waits for a
    person): its first error (``name: message``, first line), else what it wrote to stderr,
    else that it never ran."""
    if not is_graded(cell) or is_manual(cell) or score is None or score >= max_score:
        return ""
    outputs = cell.get("outputs", [])
    for output in outputs:
        if output.get("output_type") == "error":
            name, value = output.get("ename", ""), str(output.get("evalue", "")).strip()
            first = value.splitlines()[0] if value else ""
            return _short(f"{name}: {first}" if first else name)
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            text = _text(output.text)
            return _short("wrote to stderr: " + text.strip().splitlines()[0]) if text.strip() else "wrote to stderr"
    if cell.get("execution_count") is None:
        return NOT_RUN
    return "the test did not pass (partial credit)" if score > 0 else "the test did not pass"


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
