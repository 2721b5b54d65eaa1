"""Writing a file whole: a reader sees the old file or the new one, never half of it."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (its folder made if needed) through a temporary file
    renamed over it, so an interrupted run leaves no half-written file (the temporary file's
    name holds the process id: two processes writing the same file never share one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)
    return path
