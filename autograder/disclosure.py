"""What a student may see of a failed hidden test: its exception's type, the instructor's own words.

A hidden region calls the student's functions, and student code can read anything in the
process it runs in, hidden source included. So nothing that comes out of a hidden region is
shown as it came: its printed output is dropped, and of its error the student sees

- the exception's name if it is one of Python's built-in exceptions, else ``Exception``;
- the instructor's messages that the error carries: each string literal of the hidden
  region (an f-string counts with "…" for each value it formats) that matches the error's
  message, in the order the region writes them, each once;
- the operating system's own error texts found in it (``No space left on device``), which
  the status needs.

Anything computed at run time (a student's return value in an f-string, numbers in numpy's
report) is left out: the student could have chosen it. What gets through is a selection
among texts the instructor wrote, which carries at most one bit per message.
"""

from __future__ import annotations

import ast
import builtins
import errno
import os
import re
from functools import lru_cache

__all__ = ["shown_error", "instructor_messages"]

ELLIPSIS = "…"
_BUILTIN_EXCEPTIONS = frozenset(name for name, value in vars(builtins).items()
                                if isinstance(value, type) and issubclass(value, BaseException))
# Error texts of the operating system and the interpreter that the status looks for.
_SYSTEM_TEXTS = tuple(sorted({os.strerror(code) for code in errno.errorcode} | {"can't start new thread"},
                             key=len, reverse=True))


@lru_cache(maxsize=256)
def instructor_messages(hidden_source: str) -> tuple[tuple[str, re.Pattern], ...]:
    """(message as shown, pattern that finds it) for each string literal of a hidden region.

    A plain literal is shown as written; an f-string with "…" for each formatted value. Short
    literals (under 4 characters, or without a letter) are left out: they say nothing.
    """
    try:
        tree = ast.parse(hidden_source)
    except SyntaxError:
        return ()
    inside_fstrings = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    format_specs = {id(node.format_spec) for node in ast.walk(tree) if isinstance(node, ast.FormattedValue)}
    found: list[tuple[str, re.Pattern, int, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in format_specs:
            pieces = [part.value if isinstance(part, ast.Constant) else None for part in node.values]
            shown = "".join(ELLIPSIS if p is None else p for p in pieces).strip()
            pattern = "(?s)" + ".*?".join(re.escape(p) for p in _literal_runs(pieces))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_fstrings:
            shown = node.value.strip()
            pattern = re.escape(shown)
        else:
            continue
        if len(shown.replace(ELLIPSIS, "")) >= 4 and any(c.isalpha() for c in shown) and pattern != "(?s)":
            found.append((shown, re.compile(pattern), getattr(node, "lineno", 0), getattr(node, "col_offset", 0)))
    found.sort(key=lambda item: (item[2], item[3]))
    unique: dict[str, re.Pattern] = {}
    for shown, pattern, _, _ in found:
        unique.setdefault(shown, pattern)
    return tuple(unique.items())


def _literal_runs(pieces: list[str | None]) -> list[str]:
    """The literal text between an f-string's values, stripped of blanks at either end."""
    runs, current = [], ""
    for piece in pieces:
        if piece is None:
            runs.append(current)
            current = ""
        else:
            current += piece
    runs.append(current)
    runs = [r for r in runs if r.strip()]
    if runs:
        runs[0], runs[-1] = runs[0].lstrip(), runs[-1].rstrip()
    return runs


def shown_error(ename: str, evalue: str, hidden_source: str) -> tuple[str, str]:
    """(exception name, message) a student may see of an error raised while a hidden region ran."""
    name = ename if ename in _BUILTIN_EXCEPTIONS else "Exception"
    evalue = str(evalue)
    parts = [shown for shown, pattern in instructor_messages(hidden_source) if pattern.search(evalue)]
    parts += [text for text in _SYSTEM_TEXTS if text in evalue and not any(text in p for p in parts)][:1]
    return name, " / ".join(parts)
