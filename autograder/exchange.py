"""The files nbgrader's exchange expects beside a graded submission: its timestamp and secret.

``nbgrader release_feedback`` reads, in each ``feedback/<student>/<chapter>/`` folder,
``timestamp.txt`` (when the student submitted) and ``submission_secret.txt`` (the secret
``nbgrader submit`` wrote into the submission, which ``nbgrader collect`` copies into
``submitted/``); it publishes the page under a hash of that secret, which
``nbgrader fetch_feedback`` on the student's side computes from its own copy. So the secret
is copied from the submission's folder where there is one; a notebook handed in some other
way (an upload) gets a new random secret, kept from one run to the next (its page is
released all the same; only the exchange's own submissions can fetch it). The timestamp is
nbgrader's ``timestamp.txt`` of the submission, else the time of grading, in nbgrader's format.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from pathlib import Path

from autograder.files import write_atomic

__all__ = ["write_nbgrader_files", "SECRET", "TIMESTAMP"]

SECRET = "submission_secret.txt"
TIMESTAMP = "timestamp.txt"


def write_nbgrader_files(feedback_dir: Path, autograded_dir: Path, timestamp: str | None,
                         submission_dir: Path | None) -> None:
    """Write ``timestamp.txt`` into both folders and ``submission_secret.txt`` into both
    (see the module docstring); ``submission_dir``: the submitted chapter folder, if any."""
    stamp = timestamp or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f %Z")
    secret = _secret(submission_dir, feedback_dir)
    for folder in (feedback_dir, autograded_dir):
        write_atomic(folder / TIMESTAMP, stamp)
        write_atomic(folder / SECRET, secret)


def _secret(submission_dir: Path | None, feedback_dir: Path) -> str:
    for folder in (submission_dir, feedback_dir):
        path = folder / SECRET if folder else None
        if path is not None and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace").strip()
            if text and len(text) <= 1024:
                return text
    return secrets.token_hex(64)
