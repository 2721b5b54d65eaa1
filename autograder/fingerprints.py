"""Digests of what a grade depends on: the grader's own code, a chapter's inputs, one submission.

- ``grader_version()``: the grader's own version, a digest of the source files of the
  ``autograder`` package (any change to the grader's code is a new version).
- ``chapter_digest``: everything a chapter's release and grading are built from: its source
  folder (the nbgrader source notebook, hidden tests included, and its other files), the
  reference nnlib (the student build is made from it), the data a release ships, the
  student's assets README, and the grader's version. The release is a function of these, so
  an unchanged digest means an unchanged release.
- ``submission_digest``: one submission as graded: its notebook's bytes (or, for a folder
  without a gradable notebook, what was found there), the chapter's digest, and the options
  that can change a grade (``Limits``, figures). The savings (``autograder.savings``) are
  left out: they change no grade.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

__all__ = ["grader_version", "chapter_digest", "submission_digest", "tree_digest"]

_PACKAGE = Path(__file__).resolve().parent


def tree_digest(*roots: Path, skip=("__pycache__", ".ipynb_checkpoints")) -> str:
    """sha256 of the files under ``roots`` (paths relative to their root, and contents), in order."""
    digest = hashlib.sha256()
    for root in roots:
        root = Path(root)
        files = [root] if root.is_file() else sorted(
            p for p in root.rglob("*") if p.is_file() and not any(part in skip or part.startswith(".")
                                                                for part in p.relative_to(root).parts))
        for path in files:
            digest.update(str(path.relative_to(root) if path != root else path.name).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def grader_version() -> str:
    """A digest of the grader's own source files (short: 16 hex digits)."""
    return tree_digest(*sorted(_PACKAGE.glob("*.py")))[:16]


def chapter_digest(chapter: str, source_dir: Path, nnlib_dir: Path, shipped: list[Path]) -> str:
    """A digest of everything ``chapter``'s release and grading are made from (see the module docstring)."""
    digest = hashlib.sha256(f"{chapter}\0{grader_version()}\0".encode())
    for part in (Path(source_dir) / chapter, Path(nnlib_dir), *shipped):
        digest.update(tree_digest(part).encode())
    return digest.hexdigest()


def submission_digest(notebook: Path | None, found: str, chapter: str, options: str) -> str:
    """A digest of one submission as graded: its notebook's bytes (``found``: what was found
    instead, where there is none), the chapter's digest, and the grading options (their repr)."""
    digest = hashlib.sha256(f"{chapter}\0{options}\0{found}\0".encode())
    if notebook is not None:
        digest.update(hashlib.sha256(Path(notebook).read_bytes()).digest())
    return digest.hexdigest()
