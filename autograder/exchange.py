"""nbgrader's files of a graded submission: its copy in ``submitted/``, its timestamp and secret.

``nbgrader release_feedback`` reads, in each ``feedback/<student>/<chapter>/`` folder,
``timestamp.txt`` (when the student submitted) and ``submission_secret.txt`` (the secret
``nbgrader submit`` wrote into the submission, which ``nbgrader collect`` copies into
``submitted/``); it publishes the page under a hash of that secret, which
``nbgrader fetch_feedback`` on the student's side computes from its own copy. So the secret
is copied from the submission's folder where there is one; a notebook handed in some other
way (an upload) gets a new random secret, kept from one run to the next (its page is
released all the same; only the exchange's own submissions can fetch it). The timestamp is
nbgrader's ``timestamp.txt`` of the submission, else the time of grading, in nbgrader's format.

The notebook itself is copied to ``submitted/<student>/<chapter>/<chapter>.ipynb`` of the
course folder (unless it was graded from there), where nbgrader's formgrader counts the
submissions and finds them.
"""

from __future__ import annotations

import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path

from autograder.files import write_atomic

__all__ = ["write_nbgrader_files", "SECRET", "TIMESTAMP"]

SECRET = "submission_secret.txt"
TIMESTAMP = "timestamp.txt"


def write_nbgrader_files(out: Path, student: str, chapter: str, timestamp: str | None,
                         notebook: Path | None) -> str:
    """Write nbgrader's files of one submission into the course folder ``out`` (see the module
    docstring); ``notebook``: the submitted notebook, if there was one. Returns the timestamp
    written (the gradebook must hold the same: the formgrader compares them)."""
    submitted, feedback, autograded = (out / kind / student / chapter for kind in ("submitted", "feedback",
                                                                                    "autograded"))
    origin = notebook.parent if notebook else None
    folders = [feedback, autograded]
    if notebook is not None and notebook.is_file() and origin.resolve() != submitted.resolve():
        submitted.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(notebook, submitted / f"{chapter}.ipynb")
        folders.append(submitted)  # the grader's copy: its files are the grader's to write
    stamp = timestamp or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    secret = _secret(origin, feedback)
    for folder in folders:
        write_atomic(folder / TIMESTAMP, stamp)
        write_atomic(folder / SECRET, secret)
    return stamp


def _secret(submission_dir: Path | None, feedback_dir: Path) -> str:
    for folder in (submission_dir, feedback_dir):
        path = folder / SECRET if folder else None
        if path is not None and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            if text and len(text) <= 1024:
                return text
    return secrets.token_hex(64)
