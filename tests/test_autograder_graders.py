"""Several graders, one gradebook: two ``grade`` processes at once (two TAs, two chapters),
on SQLite and on a real PostgreSQL server.

Both processes start at the same moment on a gradebook that does not exist yet, so they
also race to create its tables. Each must finish without an error, and the gradebook and
``grades.csv`` must then hold every grade and every status of both.

The PostgreSQL server is Debian's ``postgresql`` package (``make test`` installs it), started
here on a Unix socket in a temporary folder, with no TCP port, and stopped at the end. The
server refuses to run as root: as root, it runs as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.gradebook import read_grades
from autograder.release import release
from autograder.samples import solved, with_answers, write_submission
from fixtures import support

pytestmark = pytest.mark.grading

FIXTURES = support.FIXTURE_NOTEBOOKS
CHAPTERS = ("01_feedforward", "02_backprop")
FROM_NNLIB = {"01_feedforward": ("sigmoid", "from nnlib.activations import sigmoid\n"),
              "02_backprop": ("relu_backward", "from nnlib.activations import relu_backward\n")}


def _write_submissions(root: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """Four students in each chapter; return {(student, chapter): (score, status)}."""
    expected = {}
    subs = root / "submitted"
    for chapter in CHAPTERS:
        blank = nbformat.read(release([chapter], root / "release", FIXTURES)[chapter] / f"{chapter}.ipynb",
                              as_version=4)
        ok = solved(blank, support.source_notebook(FIXTURES, chapter))
        exercise, answer = FROM_NNLIB[chapter]
        for student, nb, status in (("ana", ok, "graded"), ("ben", blank, "graded"),
                                    ("eve", with_answers(ok, {exercise: answer}), "flagged"), ("joe", None, "invalid")):
            write_submission(subs, student, chapter, nb if nb is not None else ok)
            if nb is None:
                (subs / student / chapter / f"{chapter}.ipynb").write_text("not a notebook")
            expected[student, chapter] = status
    return expected


def _two_graders_at_once(root: Path, out: Path, db: str | None) -> list[subprocess.CompletedProcess]:
    """Start one ``grade`` process per chapter at the same moment; wait for both."""
    extra = ["--db", db] if db else []
    processes = [subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(root / "submitted"),
                                   "--chapter", chapter, "--out", str(out), "--source", str(FIXTURES), "--jobs", "1",
                                   "--timeout", "6", "--quiet", *extra], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for chapter in CHAPTERS]
    done = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    return done


def _check_every_grade_kept(done, out: Path, db_url: str, expected: dict) -> None:
    for process in done:
        assert process.returncode == 0, process.stderr[-3000:]
        assert "Traceback" not in process.stderr, process.stderr[-3000:]
    recorded = {(s.student, s.chapter): s for s in read_grades(db_url)}
    assert {key: sub.status for key, sub in recorded.items()} == expected
    assert recorded["ana", "01_feedforward"].score == 5 and recorded["ana", "02_backprop"].score == 3
    assert recorded["eve", "01_feedforward"].flagged and not recorded["ana", "02_backprop"].flagged
    # grades.csv, written by whichever process finished last, holds the other's statuses too.
    rows = {(r["student"], r["chapter"]): r["status"] for r in support.table(out / "grades.csv")}
    assert rows == expected


def test_two_graders_on_one_sqlite_gradebook_keep_every_grade(tmp_path):
    expected = _write_submissions(tmp_path)
    out = tmp_path / "out"
    done = _two_graders_at_once(tmp_path, out, None)
    _check_every_grade_kept(done, out, f"sqlite:///{out / 'gradebook.db'}", expected)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    assert found, "PostgreSQL is not installed (apt-get install postgresql; make test installs it)"
    return Path(found[-1]).parent


@pytest.fixture
def postgres():
    """A PostgreSQL server on a Unix socket in a fresh folder, with a database ``gradebook``;
    yields the SQLAlchemy URL. As root, the server runs as the ``postgres`` user."""
    bin_dir = _postgres_bin()
    folder = Path(tempfile.mkdtemp(prefix="autograder-pg-", dir="/tmp"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]

    def run(*command: str) -> None:
        done = subprocess.run(as_user + list(command), capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr

    run(str(bin_dir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres")
    run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-o", f"-k {folder} -c listen_addresses=''",
        "-l", str(folder / "log"), "-w", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", str(folder), "-U", "postgres", "gradebook")
        yield f"postgresql+psycopg2://postgres@/gradebook?host={folder}"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_two_graders_on_one_postgresql_gradebook_keep_every_grade(tmp_path, postgres):
    expected = _write_submissions(tmp_path)
    out = tmp_path / "out"
    done = _two_graders_at_once(tmp_path, out, postgres)
    _check_every_grade_kept(done, out, postgres, expected)
    # nbgrader's own tools read it: the gradebook is nbgrader's, with the grader's table beside.
    from sqlalchemy import create_engine, inspect

    tables = set(inspect(create_engine(postgres)).get_table_names())
    assert {"student", "submitted_assignment", "grade", "autograder_submission"} <= tables
    assert not (out / "statuses.json").exists(), "statuses live in the gradebook, not in a side file"
