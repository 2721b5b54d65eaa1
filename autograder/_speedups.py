"""Fixed costs of nbgrader that the grader avoids, without changing what nbgrader computes.

- ``block_slow_optional_imports``: jsonschema (imported by nbformat) imports the optional
  ``rfc3987_syntax``, which builds a Lark grammar at import time (about 1.2 s of every
  nbgrader command on the course machines). It only serves jsonschema's "iri" format
  checks, which nbformat never uses. Must run before nbformat is imported: importing the
  package ``autograder`` runs it.
- ``alembic_head_in_process``: creating a gradebook makes nbgrader run the ``alembic``
  command in a subprocess just to read the head revision of its migrations (a second
  interpreter start; it also fails when the venv is not activated). The same revision is
  read in-process from nbgrader's own migration scripts.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

__all__ = ["block_slow_optional_imports", "alembic_head_in_process"]


def block_slow_optional_imports() -> None:
    """Make ``import rfc3987_syntax`` fail fast (jsonschema then skips its iri checks)."""
    if "rfc3987_syntax" not in sys.modules:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]


@lru_cache(maxsize=1)
def _alembic_head() -> str:
    import nbgrader
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(nbgrader.__file__).parent / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


def alembic_head_in_process() -> None:
    """Replace nbgrader's ``get_alembic_version`` (a subprocess) by the in-process lookup."""
    import nbgrader.api

    nbgrader.api.get_alembic_version = _alembic_head
