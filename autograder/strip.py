"""Remove the answers of chapters from nnlib's source: the student build of the library.

Every exercise function in nnlib keeps its answer between two comment lines that name the
chapter which teaches it::

    def sigmoid(z):
        \"\"\"Docstring stays.\"\"\"
        ### BEGIN SOLUTION 01_feedforward
        ...the answer...
        ### END SOLUTION 01_feedforward

A region is always the whole body of one function or method after its docstring, so a
stripped function raises ``NotImplementedError`` (naming itself and its chapter) as soon as
it is called, and the rest of the package still imports.  Building blocks whose code would
give an answer away (e.g. ``Adam.step``) carry a region too.

``strip_source(text, chapter)`` removes the regions of ``chapter`` and every later chapter;
``build_student_nnlib(chapter, dest)`` writes a stripped copy of the whole package.
"""

from __future__ import annotations

import ast
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from autograder.course import CHAPTERS, NNLIB_DIR, chapter_index

__all__ = ["SolutionRegion", "find_regions", "strip_source", "build_student_nnlib", "MarkerError"]

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?P<rest>.*)$")
_END = re.compile(r"^(?P<indent>[ \t]*)### END SOLUTION(?P<rest>.*)$")


class MarkerError(ValueError):
    """A solution marker is malformed, unbalanced or not the whole body of a function."""


@dataclass(frozen=True)
class SolutionRegion:
    """One answer in a source file: lines ``begin``..``end`` (1-based, the marker lines)."""

    function: str  # qualified name, e.g. "sigmoid" or "Adam.step"
    chapter: str
    begin: int
    end: int
    indent: str


def _functions(tree: ast.AST) -> list[tuple[str, ast.FunctionDef]]:
    """Every function in a module with its qualified name (Class.method for methods)."""
    found: list[tuple[str, ast.FunctionDef]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((prefix + child.name, child))
                visit(child, prefix + child.name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")

    visit(tree, "")
    return found


def find_regions(text: str, filename: str = "<source>") -> list[SolutionRegion]:
    """Parse the solution regions of one source file and check their form.

    Raises MarkerError (with file and line) for an unknown chapter, an END without BEGIN, a
    BEGIN without END, mismatched chapters, or a region that is not exactly the body of one
    function after its docstring.
    """
    lines = text.splitlines()
    tree = ast.parse(text, filename=filename)
    functions = _functions(tree)
    regions: list[SolutionRegion] = []
    open_at: tuple[int, str, str] | None = None
    for number, line in enumerate(lines, start=1):
        begin, end = _BEGIN.match(line), _END.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(f"{filename}:{number}: BEGIN SOLUTION inside the region opened at line {open_at[0]}")
            chapter = begin["rest"].strip()
            if chapter not in CHAPTERS:
                raise MarkerError(
                    f"{filename}:{number}: BEGIN SOLUTION must name a chapter ({', '.join(CHAPTERS)}), got {chapter!r}"
                )
            open_at = (number, chapter, begin["indent"])
        elif end:
            if open_at is None:
                raise MarkerError(f"{filename}:{number}: END SOLUTION without a BEGIN SOLUTION")
            start, chapter, indent = open_at
            if end["rest"].strip() != chapter:
                raise MarkerError(
                    f"{filename}:{number}: END SOLUTION {end['rest'].strip()!r} closes BEGIN SOLUTION {chapter!r} of line {start}"
                )
            regions.append(SolutionRegion(_enclosing(functions, start, number, filename), chapter, start, number, indent))
            open_at = None
    if open_at is not None:
        raise MarkerError(f"{filename}:{open_at[0]}: BEGIN SOLUTION {open_at[1]!r} is never closed")
    return regions


def _enclosing(functions: list[tuple[str, ast.FunctionDef]], begin: int, end: int, filename: str) -> str:
    """Name of the function whose whole body (after the docstring) is lines begin..end."""
    for name, node in functions:
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]
        if not body:
            continue
        if begin < body[0].lineno and body[-1].end_lineno < end and node.end_lineno <= end:
            return name
    raise MarkerError(
        f"{filename}:{begin}: a solution region must be the whole body of one function after its docstring"
    )


def strip_source(text: str, chapter: str, filename: str = "<source>") -> str:
    """``text`` with the regions of ``chapter`` and every later chapter replaced by a raise."""
    first = chapter_index(chapter)
    lines = text.splitlines(keepends=True)
    for region in reversed(find_regions(text, filename)):
        if chapter_index(region.chapter) < first:
            continue
        short = region.function.rsplit(".", 1)[-1]
        message = (
            f"{region.function} is an exercise of chapter {region.chapter}: "
            f"write your own {short} in the chapter's notebook"
        )
        lines[region.begin - 1 : region.end] = [f"{region.indent}raise NotImplementedError({message!r})\n"]
    return "".join(lines)


def build_student_nnlib(chapter: str, dest: Path, source: Path = NNLIB_DIR) -> Path:
    """Write the student build of nnlib for ``chapter`` to ``dest/nnlib`` and return that folder.

    Answers of earlier chapters stay (the chapter's notebook imports them); answers of
    ``chapter`` and every later chapter are replaced by ``NotImplementedError``.
    """
    chapter_index(chapter)
    target = Path(dest) / "nnlib"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for path in sorted(target.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "### BEGIN SOLUTION" in text or "### END SOLUTION" in text:
            path.write_text(strip_source(text, chapter, str(path.relative_to(target.parent))), encoding="utf-8")
    return target
