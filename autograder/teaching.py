"""Teaching cells that grading leaves out: marked in the source, left as released, read by no cell that runs.

A chapter's demonstrations, figures and widgets are most of its run time, and no grade
depends on them. The instructor marks such a code cell in the source notebook's cell
metadata (never in its source)::

    "metadata": {"autograder": {"teaching": true}}

nbgrader keeps the mark and the cell's id in the release. ``teaching_cells`` reads the marked
cells of a release (ordinary code cells only: a test, solution or read-only cell is never
left out), and ``cells_to_skip`` decides, for one submitted notebook, which of them grading
does not run: a cell the student left exactly as released (same id, same source), unless a
cell that runs needs a name it defines. A cell needs a name it reads before it surely binds
it itself (``needed_names``: Python's ``ast`` for the order of its statements, ``symtable``
for what functions and comprehensions read); a test that sets ``z = ...`` before using
``z`` does not need a demonstration's ``z``; a function a cell defines reads its globals
when it is called, so those count even for a teaching cell that comes after it
(``called_later``). This is taken in closure: a kept teaching cell's own needs keep others. A cell that can reach names without writing them
(``globals()``, ``eval``, ``get_ipython``, IPython's ``_``/``In``/``Out``, a magic, anything
that does not parse) keeps every teaching cell before it.

Effects through shared objects (a teaching cell drawing from a random generator that a test
also uses) are beyond names: the tests check every mark of the course's notebooks for them
(``tests/test_autograder_savings.py``).
"""

from __future__ import annotations

import ast
import re
import symtable
from functools import lru_cache

from nbformat import NotebookNode

from autograder.cells import has_nbgrader_meta, is_code

__all__ = ["TEACHING", "is_teaching", "teaching_cells", "cells_to_skip", "bound_names", "needed_names",
           "called_later"]

TEACHING = {"autograder": {"teaching": True}}

# Names through which code reaches other names than it spells out.
_DYNAMIC = frozenset({
    "globals", "locals", "vars", "eval", "exec", "compile", "get_ipython", "__import__", "__main__",
    "__builtins__", "builtins", "gc", "inspect", "_getframe", "modules", "f_globals", "f_locals", "f_back",
    "__dict__", "In", "Out", "_ih", "_oh", "_dh", "_", "__", "___",
})
_HISTORY_NAME = re.compile(r"^_i{1,3}$|^_i?\d+$")


def is_teaching(cell) -> bool:
    """True for a code cell marked as a teaching cell (and nothing else to nbgrader)."""
    mark = cell.get("metadata", {}).get("autograder")
    return (is_code(cell) and isinstance(mark, dict) and mark.get("teaching") is True
            and not has_nbgrader_meta(cell))


def teaching_cells(release_cells: list[dict]) -> dict[str, str]:
    """cell id -> source of the marked teaching cells of a release."""
    from autograder.cells import cell_source

    return {cell["id"]: cell_source(cell) for cell in release_cells if is_teaching(cell) and cell.get("id")}


@lru_cache(maxsize=4096)
def bound_names(source: str) -> frozenset[str] | None:
    """Every name the code binds anywhere in it (assignments, loops, imports, definitions);
    None where that cannot be known (code that does not parse, a star import)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            if any(alias.name == "*" for alias in node.names):
                return None
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names.update(node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return frozenset(names)


@lru_cache(maxsize=4096)
def needed_names(source: str) -> frozenset[str] | None:
    """The names the code may read from earlier cells: those it reads before it surely binds
    them itself (a name read inside a function it defines counts as read where the function
    is defined); None where it may reach any name (see the module docstring)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and (
                node.id in _DYNAMIC or _HISTORY_NAME.match(node.id)):
            return None
        if isinstance(node, ast.Attribute) and node.attr in _DYNAMIC:
            return None
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            return None
        if isinstance(node, ast.Constant) and node.value == "__main__":
            return None
    return frozenset(_needed(tree.body, frozenset()))


def _needed(statements: list[ast.stmt], bound: frozenset[str]) -> set[str]:
    """Names ``statements``, run in order, read before they surely bound them (``bound``: the
    names surely bound before them). Loops, ``with`` and ``try`` are followed into their
    bodies, with the names they bind there (a loop's target, a ``with ... as``)."""
    needed: set[str] = set()
    for statement in statements:
        if isinstance(statement, (ast.For, ast.AsyncFor)):
            needed |= _global_reads(ast.Expr(statement.iter)) - bound
            needed |= _needed(statement.body, bound | _names(statement.target)) | _needed(statement.orelse, bound)
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            for item in statement.items:
                needed |= _global_reads(ast.Expr(item.context_expr)) - bound
            targets = set().union(*(_names(i.optional_vars) for i in statement.items if i.optional_vars is not None))
            needed |= _needed(statement.body, bound | targets)
        elif isinstance(statement, (ast.If, ast.While)):
            needed |= _global_reads(ast.Expr(statement.test)) - bound
            needed |= _needed(statement.body, bound) | _needed(statement.orelse, bound)
        elif isinstance(statement, ast.Try):
            needed |= _needed(statement.body, bound) | _needed(statement.orelse, bound)
            for handler in statement.handlers:
                if handler.type is not None:
                    needed |= _global_reads(ast.Expr(handler.type)) - bound
                needed |= _needed(handler.body, bound | ({handler.name} if handler.name else set()))
            needed |= _needed(statement.finalbody, bound)
        else:
            needed |= _global_reads(statement) - bound
        bound = bound | _surely_bound(statement)
        if isinstance(statement, ast.Delete):
            bound = bound - _names(*statement.targets)
    return needed


def _names(*targets: ast.AST) -> frozenset[str]:
    """The plain names in assignment targets (``a``, ``a, (b, *c)``)."""
    return frozenset(node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name))


def _global_reads(statement: ast.stmt) -> set[str]:
    """Global names one top-level statement reads, in its own code or in functions, classes and
    comprehensions it defines (Python's own scope analysis: ``symtable``)."""
    table = symtable.symtable(ast.unparse(statement), "<cell>", "exec")
    reads = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    tables = list(table.get_children())
    while tables:
        child = tables.pop()
        tables += child.get_children()
        reads |= {s.get_name() for s in child.get_symbols()
                  if s.is_referenced() and s.is_global()}
    return reads


def _surely_bound(statement: ast.stmt) -> set[str]:
    """Names a top-level statement binds whenever it completes (an ``if`` or a loop may not)."""
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and getattr(statement, "value", None) is not None:
        targets = [statement.target]
    elif isinstance(statement, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    else:
        return set()
    return set(_names(*targets))


def cells_to_skip(nb: NotebookNode, teaching: dict[str, str]) -> set[int]:
    """Indices of the teaching cells of ``nb`` that grading need not run."""
    code = [i for i, cell in enumerate(nb.cells) if is_code(cell)]
    candidates = {i for i in code if teaching.get(nb.cells[i].get("id")) is not None
                  and nb.cells[i].source.strip() == teaching[nb.cells[i].get("id")].strip()
                  and bound_names(nb.cells[i].source) is not None}
    if not candidates:
        return set()
    defines = {i: bound_names(nb.cells[i].source) for i in candidates}
    kept: set[int] = set()
    waiting = [i for i in code if i not in candidates]
    while waiting:
        reader = waiting.pop()
        reads = needed_names(nb.cells[reader].source)
        later = called_later(nb.cells[reader].source)
        for teacher in sorted(candidates - kept):
            # A function an earlier cell defines reads its globals when it is called, later.
            uses = reads if teacher < reader else later
            if uses is None or uses & defines[teacher]:
                kept.add(teacher)
                waiting.append(teacher)
    return candidates - kept


@lru_cache(maxsize=4096)
def called_later(source: str) -> frozenset[str] | None:
    """The global names the functions (and methods, lambdas) a cell defines read when they are
    called, which may be after a later cell ran; None where the cell may reach any name.
    Comprehensions run where they stand, and so does a generator expression unless the cell
    keeps one in a name (``gen = (... for ...)``)."""
    if needed_names(source) is None:
        return None
    tree = ast.parse(source)
    kept_generators = any(isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.GeneratorExp)
                          and all(isinstance(t, ast.Name) for t in (node.targets if isinstance(node, ast.Assign)
                                                                    else [node.target]))
                          for node in ast.walk(tree))
    immediate = {"listcomp", "setcomp", "dictcomp"} | (set() if kept_generators else {"genexpr"})
    reads: set[str] = set()
    tables = list(symtable.symtable(source, "<cell>", "exec").get_children())
    while tables:
        child = tables.pop()
        tables += child.get_children()
        # A class body runs where it stands (its methods later), and so do comprehensions.
        if child.get_type() != "class" and child.get_name() not in immediate:
            reads |= {s.get_name() for s in child.get_symbols() if s.is_referenced() and s.is_global()}
    return frozenset(reads)
