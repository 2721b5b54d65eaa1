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
(``called_later``), if a cell that runs comes after that teaching cell too: nothing calls the
function after the last cell that runs (the hidden tests run in copies made at their own
cells, before it). A teaching cell that may change an object an earlier cell made (a method
called on it, an item or attribute assigned, the object passed to a call: ``changed_names``)
counts as defining its name too, so a cell that runs and reads that name keeps it. This is
taken in closure: a kept teaching cell's own needs keep others. A cell that can reach names without writing them
(``globals()``, ``eval``, ``get_ipython``, IPython's ``_``/``In``/``Out``, a magic, anything
that does not parse) keeps every teaching cell before it.

Effects beyond names (a random seed, a module's attribute, a warning filter, a file written)
are the marker's to refuse: ``markable_cells`` marks every ordinary code cell of a source
notebook that the solved notebook would skip and that has no such effect; ``mark_problems``
lists what is wrong with a notebook's marks (``python -m autograder mark-teaching`` writes
and checks them; ``tests/test_autograder_savings.py`` checks every course chapter's).
"""

from __future__ import annotations

import ast
import re
import symtable
from functools import lru_cache

from nbformat import NotebookNode

from autograder.cells import has_nbgrader_meta, is_code

__all__ = ["TEACHING", "is_teaching", "teaching_cells", "cells_to_skip", "bound_names", "needed_names",
           "any_name_reached", "called_later", "changed_names", "global_effects", "markable_cells", "mark_problems", "with_marks"]

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
    if any_name_reached(source) is not None:
        return None
    return frozenset(_needed(ast.parse(source).body, frozenset()))


def any_name_reached(source: str) -> str | None:
    """What lets the code reach names it does not spell out (``globals``, IPython's ``_i``, a
    star import, ...), or None where there is nothing of the kind."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "a syntax error"
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and (
                node.id in _DYNAMIC or _HISTORY_NAME.match(node.id)):
            return node.id
        if isinstance(node, ast.Attribute) and node.attr in _DYNAMIC:
            return node.attr
        if isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            return "import *"
        if isinstance(node, ast.Constant) and node.value == "__main__":
            return "'__main__'"
    return None


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
    # A teaching cell that may reach any name (or does not parse) always runs.
    candidates = {i for i in code if teaching.get(nb.cells[i].get("id")) is not None
                  and nb.cells[i].source.strip() == teaching[nb.cells[i].get("id")].strip()
                  and bound_names(nb.cells[i].source) is not None and needed_names(nb.cells[i].source) is not None}
    if not candidates:
        return set()
    functions = _functions_and_modules([nb.cells[i].source for i in code])
    defines = {i: bound_names(nb.cells[i].source) | (changed_names(nb.cells[i].source) - functions)
               for i in candidates}
    kept: set[int] = set()
    waiting = [i for i in code if i not in candidates]
    # A function an earlier cell defines reads its globals when it is called, which only a
    # cell that runs after the teaching cell can do. The last cell that runs to begin with
    # stays the last (only a cell that runs after a teaching cell can keep it), so it answers
    # "does a cell that runs, kept teaching cells included, come after?" once and for all.
    last_run = max(waiting, default=-1)
    while waiting:
        reader = waiting.pop()
        reads = needed_names(nb.cells[reader].source)
        later = called_later(nb.cells[reader].source)
        for teacher in sorted(candidates - kept):
            if teacher < reader:
                uses = reads
            elif teacher < last_run:
                uses = later
            else:
                continue
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


@lru_cache(maxsize=4096)
def changed_names(source: str) -> frozenset[str]:
    """The names from earlier cells whose objects the code may change: a name the code needs
    (``needed_names``) that is the root of a method call's object (``rng.normal()``), of an
    item or attribute it assigns (``W[0] = 1``), of an augmented assignment, or of a call's
    argument (``fit(model, X, y)``). Empty where the code does not parse or may reach any name
    (``bound_names`` or ``needed_names`` is then None, and ``cells_to_skip`` never skips such a cell)."""
    needed = needed_names(source)
    if not needed:
        return frozenset()
    roots = set()
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Call):
            targets = [*node.args, *(keyword.value for keyword in node.keywords)]
            if isinstance(node.func, ast.Attribute):
                targets.append(node.func.value)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            targets = [node.value]
        elif isinstance(node, ast.AugAssign):
            targets = [node.target]
        for target in targets:
            while isinstance(target, (ast.Attribute, ast.Subscript, ast.Starred)):
                target = target.value
            if isinstance(target, ast.Name):
                roots.add(target.id)
    return frozenset(roots & needed)


def _functions_and_modules(sources: list[str]) -> frozenset[str]:
    """Names the cells bind only by ``def``, ``class`` or ``import``: passing such a name to a
    call or calling its methods changes no object a test reads."""
    kinds = [_binding_kinds(source) for source in sources]
    definitions = set().union(*(k[0] for k in kinds))
    values = set().union(*(k[1] for k in kinds))
    return frozenset(definitions - values)


@lru_cache(maxsize=4096)
def _binding_kinds(source: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """The names the code binds by ``def``, ``class`` or ``import``; those it binds otherwise
    (assignments, loops, ``global``); and those it imports. All empty where it does not parse."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return frozenset(), frozenset(), frozenset()
    definitions, values, imports = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            definitions.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            values.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            values.update(node.names)
    return frozenset(definitions | imports), frozenset(values), frozenset(imports)


# Calls that change a process-wide state a later cell may see, whatever object they are called on.
_GLOBAL_STATE_CALLS = frozenset({
    "seed", "set_state", "seterr", "seterrcall", "filterwarnings", "simplefilter", "resetwarnings",
    "setrecursionlimit", "chdir", "putenv", "setattr", "delattr", "use", "rc", "exec", "eval",
    "save", "savez", "savez_compressed", "savetxt", "tofile", "write_text", "write_bytes", "mkdir",
    "makedirs", "remove", "unlink", "rmdir", "rmtree", "rename", "touch",
})


def global_effects(source: str, modules: frozenset[str] | set[str]) -> list[str]:
    """What the code may change beyond the names it binds and the objects of ``changed_names``:
    calls of ``_GLOBAL_STATE_CALLS`` (a random seed, a warning filter, a file written), a file
    opened for writing, an attribute or item of a module assigned (``modules``: the names the
    notebook imports), a ``global`` statement. Code that does not parse is one effect."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ["code that does not parse"]
    effects = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in _GLOBAL_STATE_CALLS:
                effects.append(f"calls {name}()")
            elif name == "open":
                modes = [*node.args[1:], *(k.value for k in node.keywords if k.arg == "mode")]
                if any(isinstance(m, ast.Constant) and isinstance(m.value, str) and set(m.value) & set("wax+")
                       for m in modes):
                    effects.append("opens a file for writing")
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            root = node.value
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name) and root.id in modules:
                effects.append(f"assigns into the module {root.id}")
        elif isinstance(node, ast.Global):
            effects.append(f"declares global {', '.join(node.names)}")
    return effects


def _imported_names(nb: NotebookNode) -> frozenset[str]:
    """Names the notebook's code cells bind by ``import`` (modules and what is imported from them)."""
    return frozenset().union(*(_binding_kinds(cell.source)[2] for cell in nb.cells if is_code(cell)))


def _ordinary(cell) -> bool:
    """An ordinary code cell: not setup, solution or test (no nbgrader metadata)."""
    return is_code(cell) and not has_nbgrader_meta(cell)


def markable_cells(source_nb: NotebookNode) -> set[str]:
    """Ids of the ordinary code cells of a SOURCE notebook (answers and hidden tests in it) that
    are teaching cells: with every such cell that has no ``global_effects`` marked, those that
    the notebook as it stands would skip (no cell that runs needs a name they define or an
    object they change)."""
    modules = _imported_names(source_nb)
    plain = {cell.get("id") for cell in source_nb.cells
             if _ordinary(cell) and cell.get("id") and not global_effects(cell.source, modules)}
    marked = _with_marks(source_nb, plain)
    return {marked.cells[i].id for i in cells_to_skip(marked, teaching_cells(marked.cells))}


def _with_marks(nb: NotebookNode, cell_ids: set[str]) -> NotebookNode:
    """A copy of ``nb`` whose ordinary code cells carry the teaching mark exactly when their id is in ``cell_ids``."""
    import copy

    out = copy.deepcopy(nb)
    for cell in out.cells:
        if not _ordinary(cell):
            continue
        mark = cell.metadata.get("autograder")
        if cell.get("id") in cell_ids:
            cell.metadata["autograder"] = {**(mark if isinstance(mark, dict) else {}), "teaching": True}
        elif isinstance(mark, dict) and "teaching" in mark:
            rest = {key: value for key, value in mark.items() if key != "teaching"}
            if rest:
                cell.metadata["autograder"] = rest
            else:
                del cell.metadata["autograder"]
    return out


def with_marks(source_nb: NotebookNode) -> NotebookNode:
    """A copy of a source notebook with the teaching marks ``markable_cells`` computes (cell
    metadata only: no source, output or order changes)."""
    return _with_marks(source_nb, markable_cells(source_nb))


def mark_problems(source_nb: NotebookNode) -> list[str]:
    """What is wrong with the teaching marks of a SOURCE notebook, one line each: a mark on a
    cell that is not an ordinary code cell; a marked cell that a cell which runs needs (the
    notebook as it stands would run it); a marked cell with ``global_effects``; an ordinary
    code cell left unmarked that ``markable_cells`` would mark. Empty when the marks are right."""
    problems = [f"cell {index} ({cell.get('id')}) is marked but is not an ordinary code cell"
                for index, cell in enumerate(source_nb.cells)
                if isinstance(cell.get("metadata", {}).get("autograder"), dict)
                and "teaching" in cell.metadata["autograder"] and not is_teaching(cell)]
    modules = _imported_names(source_nb)
    skipped = {source_nb.cells[i].id for i in cells_to_skip(source_nb, teaching_cells(source_nb.cells))}
    markable = markable_cells(source_nb)
    for index, cell in enumerate(source_nb.cells):
        where = f"cell {index} ({cell.get('id')})"
        if is_teaching(cell):
            if cell.id not in skipped:
                problems.append(f"teaching {where} defines a name or changes an object that a cell which runs reads")
            effects = global_effects(cell.source, modules)
            if effects:
                problems.append(f"teaching {where} has effects beyond its names: {'; '.join(effects)}")
        elif _ordinary(cell) and cell.get("id") in markable:
            problems.append(f"{where} is a teaching cell no graded cell depends on, but is not marked")
    return problems
