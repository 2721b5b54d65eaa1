"""docs/API.md, the library's contract, against nnlib itself: every signature written there is
nnlib's (names, order, defaults, keyword-only parts), every public name of nnlib is written
there, and every exercise sits in its chapter's table."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest

import nnlib
import nnlib.viz
from autograder.course import CHAPTERS, EXERCISES, REPO_ROOT

DOCUMENT = REPO_ROOT / "docs" / "API.md"
ROW = re.compile(r"^\| `(?P<name>\w+)` \| `(?P<signature>[^`]+)` \|", re.M)


def _sections() -> dict[str, str]:
    """Heading of each '## ' section -> its text."""
    parts = re.split(r"^## (.+)$", DOCUMENT.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def _rows() -> list[tuple[str, str]]:
    return [(m["name"], m["signature"]) for m in ROW.finditer(DOCUMENT.read_text(encoding="utf-8"))]


def _public_names() -> set[str]:
    """What nnlib re-exports from its modules' ``__all__``, and the plots of nnlib.viz."""
    names = set(nnlib.viz.__all__)
    for info in pkgutil.iter_modules(nnlib.__path__):
        if not info.ispkg:
            exported = getattr(importlib.import_module(f"nnlib.{info.name}"), "__all__", ())
            names |= {name for name in exported if hasattr(nnlib, name)}
    return names


def _documented(name: str):
    return getattr(nnlib, name) if hasattr(nnlib, name) else getattr(nnlib.viz, name)


def _parameters(signature: str) -> list[tuple[str, str, object]]:
    """(name, kind, default expression or inspect.Parameter.empty) of a written signature."""
    inside = signature[signature.index("(") + 1: signature.rindex(")")]
    tree = ast.parse(f"def f({inside}): pass").body[0].args
    found = []
    positional = tree.posonlyargs + tree.args
    defaults = [inspect.Parameter.empty] * (len(positional) - len(tree.defaults)) + list(tree.defaults)
    for arg, default in zip(positional, defaults):
        found.append((arg.arg, "POSITIONAL_OR_KEYWORD", default))
    if tree.vararg:
        found.append((tree.vararg.arg, "VAR_POSITIONAL", inspect.Parameter.empty))
    for arg, default in zip(tree.kwonlyargs, tree.kw_defaults):
        found.append((arg.arg, "KEYWORD_ONLY", inspect.Parameter.empty if default is None else default))
    if tree.kwarg:
        found.append((tree.kwarg.arg, "VAR_KEYWORD", inspect.Parameter.empty))
    return found


def test_every_public_name_of_nnlib_is_in_the_contract():
    written = {name for name, _ in _rows()}
    missing = sorted(_public_names() - written)
    assert not missing, f"public names of nnlib that docs/API.md does not list: {missing}"
    unknown = sorted(written - _public_names())
    assert not unknown, f"docs/API.md lists names nnlib does not export: {unknown}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_exercise_is_in_its_chapters_table(chapter):
    section = next(text for heading, text in _sections().items() if f"(`{chapter}`)" in heading)
    listed = {m["name"] for m in ROW.finditer(section)}
    missing = [name for name in EXERCISES[chapter] if name not in listed]
    assert not missing, f"{chapter}'s section of docs/API.md lacks {missing}"


@pytest.mark.parametrize(("name", "signature"), [row for row in _rows() if "(" in row[1]],
                         ids=[name for name, signature in _rows() if "(" in signature])
def test_the_written_signature_is_nnlibs(name, signature):
    assert signature.startswith(f"{name}("), f"the signature of {name} should start with {name}("
    actual = list(inspect.signature(_documented(name)).parameters.values())
    written = _parameters(signature)
    assert [(p.name, p.kind.name) for p in actual] == [(n, k) for n, k, _ in written], \
        f"{name}: docs/API.md writes {signature!r}, nnlib has {inspect.signature(_documented(name))}"
    namespace = {"np": np, **{n: getattr(nnlib, n) for n in dir(nnlib) if not n.startswith("_")}}
    for parameter, (_, _, default) in zip(actual, written):
        if default is inspect.Parameter.empty:
            assert parameter.default is inspect.Parameter.empty, f"{name}: {parameter.name} has a default in nnlib"
            continue
        value = eval(compile(ast.Expression(default), "<API.md>", "eval"), namespace)  # noqa: S307
        assert value is parameter.default or value == parameter.default, \
            f"{name}: {parameter.name} defaults to {parameter.default!r} in nnlib, {value!r} in docs/API.md"
