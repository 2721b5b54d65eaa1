"""Finding student code that takes an exercise's answer from nnlib instead of writing it.

nnlib holds the reference answers. A student who writes ``from nnlib.activations import
sigmoid`` in the sigmoid cell gets the student build's stub (which raises) and so scores 0
anyway, but the grade table should say why: the submission is ``flagged``, and the test of
each exercise taken from nnlib scores 0 even if it passed (say, graded without the sandbox,
where the real nnlib could be reached).

The rule is static and looks only at the student's own code cells (solution cells and cells
the student added; read-only cells are the release's). An exercise ``name`` of this chapter
counts as taken from nnlib when a cell

- imports it from nnlib or one of its modules: ``from nnlib import name``,
  ``from nnlib.activations import name as mine``;
- reads it off nnlib or one of its modules: ``nnlib.name``, ``nnlib.activations.name``,
  ``nl.name`` after ``import nnlib as nl``, ``getattr(nnlib, "name")``;
- star-imports nnlib (``from nnlib import *``) and no student cell defines ``name`` itself.

Putting one's own function into nnlib (``nnlib.activations.relu_backward = relu_backward``,
so that nnlib's layers use it) and reading the documentation (``help(nnlib.sigmoid)``,
``nnlib.sigmoid.__doc__``) are not flagged. Using earlier chapters'
functions from nnlib is what the notebooks do and is not flagged;
nor are later chapters' (they score nothing here). Code built at run time (``exec``,
``importlib`` with computed names) is beyond a static rule; in the sandbox it reaches only
the student build, whose answers raise.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from functools import lru_cache

from nbformat import NotebookNode

from autograder.cells import is_code, is_locked

__all__ = ["reference_imports"]

PACKAGE = "nnlib"


def reference_imports(nb: NotebookNode, exercises: Iterable[str]) -> dict[str, list[int]]:
    """exercise name -> indices of the student's code cells that take it from nnlib."""
    exercises = frozenset(exercises)
    sources = {index: cell.source for index, cell in enumerate(nb.cells)
               if is_code(cell) and not is_locked(cell) and _parse(cell.source) is not None}
    defined = frozenset().union(*(_functions(source) for source in sources.values()))
    found: dict[str, list[int]] = {}
    for index, source in sources.items():
        for name in sorted(_taken(source, exercises, defined)):
            found.setdefault(name, []).append(index)
    return found


@lru_cache(maxsize=4096)
def _functions(source: str) -> frozenset[str]:
    """The functions the cell defines."""
    return frozenset(node.name for node in ast.walk(_parse(source))
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)))


@lru_cache(maxsize=1)
def _ipython_transformer():
    """IPython's cell transformer (magics and shell escapes become calls), or None without IPython."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return None
    return TransformerManager()


@lru_cache(maxsize=4096)
def _parse(source: str) -> ast.Module | None:
    """The cell as Python, with IPython's syntax turned into calls first (kept per text: a
    course's cells are the same in most submissions; the tree is only read)."""
    transform = _ipython_transformer()
    if transform is not None:
        try:
            source = transform.transform_cell(source)
        except Exception:  # noqa: BLE001 - fall back to the text as it is
            pass
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None  # the cell fails when it runs; nothing to look for


def _is_nnlib(module: str | None) -> bool:
    return bool(module) and (module == PACKAGE or module.startswith(PACKAGE + "."))


@lru_cache(maxsize=4096)
def _taken(source: str, exercises: frozenset[str], defined: frozenset[str]) -> frozenset[str]:
    """Exercises this cell takes from nnlib (``defined``: the functions the student's cells
    define; kept per text, like the parse)."""
    tree = _parse(source)
    taken: set[str] = set()
    aliases: set[str] = set()  # names bound to nnlib or one of its modules in this cell
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_nnlib(alias.name):
                    aliases.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _is_nnlib(node.module):
            for alias in node.names:
                if alias.name == "*":
                    taken |= exercises - defined
                elif alias.name in exercises:
                    taken.add(alias.name)
                else:  # a module of nnlib, e.g. ``from nnlib import activations``
                    aliases.add(alias.asname or alias.name)
    if not aliases:
        return frozenset(taken)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and node.attr in exercises
                and _rooted_at(node.value, aliases) and not _only_looked_up(node, parents)):
            taken.add(node.attr)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and len(node.args) >= 2 and _rooted_at(node.args[0], aliases)
              and isinstance(node.args[1], ast.Constant) and node.args[1].value in exercises):
            taken.add(node.args[1].value)
    return frozenset(taken)


def _only_looked_up(node: ast.expr, parents: dict) -> bool:
    """True where the reference is only read about, never used: ``help(nnlib.sigmoid)``,
    ``nnlib.sigmoid.__doc__`` (its documentation is in the student's release too)."""
    parent = parents.get(node)
    if isinstance(parent, ast.Attribute) and parent.value is node and parent.attr.startswith("__"):
        return True
    return (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "help"
            and node in parent.args)


def _rooted_at(node: ast.expr, aliases: set[str]) -> bool:
    """True for ``alias`` and ``alias.module...``: an expression naming nnlib or its modules."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in aliases
