"""Student releases: nbgrader's student notebook beside the student build of nnlib.

A chapter's release folder holds what a student downloads::

    <chapter>/<chapter>.ipynb   the student notebook (nbgrader generate_assignment: solutions
                                and hidden tests removed, cells locked, checksums added)
    <chapter>/nnlib/            nnlib without the answers of this and every later chapter
    <chapter>/assets/           the data nnlib loads (nnlib looks next to its own folder)
                                and student/assets/README.md, the data's origin and licence

``CourseFolder`` is an nbgrader course folder (``nbgrader_config.py``, ``source/``,
``release/``, the gradebook). ``generate`` runs nbgrader's GenerateAssignment on a copy of
the chapter's source notebook, completes the release folder, and returns an
``Assignment`` (autograder.assignment): what grading needs to know of the chapter. The
release is built again only when what it is made from changed
(``autograder.fingerprints.chapter_digest``, recorded in ``releases.json``): a term
re-grades the same course folder many times; two graders may build two chapters into one
folder and gradebook at once (the gradebook's tables are made safely first, nbgrader's
writes are tried again after a collision, ``releases.json`` is written under a lock). A test
cell whose hidden regions cannot run apart from it (``autograder.hidden.check_test``) is
refused with a ``ReleaseError`` naming it.

``release(chapters, out)`` builds release folders in a throw-away course and copies them to
``out/<chapter>/``, with the student's README.md and requirements.txt at the top of ``out``
(``autograder.edition``): the command ``python -m autograder release``.
"""

from __future__ import annotations

import fcntl
import json
import random
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from autograder._speedups import alembic_head_in_process
from autograder.assignment import Assignment
from autograder.course import CHAPTERS, NNLIB_DIR, NOTEBOOKS_DIR, REPO_ROOT, chapter_index
from autograder.edition import STUDENT_DIR, write_student_files
from autograder.files import write_atomic
from autograder.fingerprints import chapter_digest
from autograder.hidden import check_test
from autograder.strip import build_student_nnlib, strip_source

__all__ = ["ASSETS_DIR", "COURSE_ID", "CourseFolder", "ReleaseError", "present_chapters", "release", "sqlite_waiting",
           "COLLISIONS"]

ASSETS_DIR = REPO_ROOT / "assets"
DEFAULT_OUT = REPO_ROOT / "_work" / "release"
COURSE_ID = "nncourse"
# Files of a chapter's source folder that never go into a release.
_NEVER_SHIPPED = ("__pycache__", "*.pyc", ".ipynb_checkpoints", ".*")
# What of assets/ a release ships: the data nnlib loads (not the screenshots, not the script
# that made the data); the student's assets/README.md says where the data comes from.
SHIPPED_ASSETS = ("digits.npz",)


# What nbgrader's log says when another process wrote the gradebook at the same moment.
COLLISIONS = ("database is locked", "already exists", "UNIQUE constraint", "duplicate key", "could not serialize")
_GENERATE_ATTEMPTS = 20


@contextmanager
def _locked(path: Path):
    """Hold an exclusive lock on ``path`` (made if missing) while the block runs."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sqlite_waiting(db_url: str) -> str:
    """An SQLite URL that waits up to a minute for another writer's lock rather than 5 s."""
    if db_url.startswith("sqlite") and "timeout=" not in db_url:
        return db_url + ("&" if "?" in db_url else "?") + "timeout=60"
    return db_url


class ReleaseError(RuntimeError):
    """nbgrader could not build a chapter's student version (the message says why)."""


def present_chapters(source_dir: Path = NOTEBOOKS_DIR) -> list[str]:
    """The chapters whose source notebook exists in ``source_dir``, in course order."""
    return [c for c in CHAPTERS if (Path(source_dir) / c / f"{c}.ipynb").is_file()]


class CourseFolder:
    """An nbgrader course folder at ``root``: source copies, releases and the gradebook.

    db_url: any database URL nbgrader accepts; default ``sqlite:///<root>/gradebook.db``.
    source_dir: where the chapter source notebooks live (``notebooks/`` of the repository).
    """

    def __init__(self, root: Path, db_url: str | None = None, source_dir: Path = NOTEBOOKS_DIR,
                 nnlib_dir: Path = NNLIB_DIR, assets_dir: Path = ASSETS_DIR) -> None:
        self.root = Path(root).resolve()
        self.db_url = db_url or self._default_db_url()
        self.source_dir = Path(source_dir).resolve()
        self.nnlib_dir = Path(nnlib_dir)
        self.assets_dir = Path(assets_dir)
        self.root.mkdir(parents=True, exist_ok=True)
        self._write_config()
        alembic_head_in_process()
        from autograder.gradebook import open_gradebook

        # Its tables made now, safely when another grader is making them at the same moment:
        # nbgrader's own code below opens the gradebook and would race.
        open_gradebook(self.db_url).close()

    def _default_db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def _write_config(self) -> None:
        """Lets an instructor run nbgrader's own tools (formgrader, export) in this folder.
        Written only where there is none: an instructor's own file (``c.Exchange.root``, a
        course id) is never touched; the grader passes its settings to nbgrader itself."""
        config = self.root / "nbgrader_config.py"
        if config.exists():
            return
        lines = [
            "# Written by python -m autograder: the nbgrader course folder of a grading run.",
            "c = get_config()",
            f"c.CourseDirectory.course_id = {COURSE_ID!r}",
            # A --db URL may hold a password: it is not written to disk.
            f"c.CourseDirectory.db_url = {self.db_url!r}" if self.db_url == self._default_db_url()
            else "# c.CourseDirectory.db_url = '<the --db URL given to python -m autograder grade>'",
            'c.CourseDirectory.source_directory = "source"',
            'c.CourseDirectory.release_directory = "release"',
            'c.CourseDirectory.submitted_directory = "submitted"',
            'c.CourseDirectory.autograded_directory = "autograded"',
            'c.CourseDirectory.feedback_directory = "feedback"',
            "",
        ]
        write_atomic(config, "\n".join(lines))

    def _config(self):
        from traitlets.config import Config

        cfg = Config()
        cfg.CourseDirectory.root = str(self.root)
        cfg.CourseDirectory.course_id = COURSE_ID
        cfg.CourseDirectory.db_url = sqlite_waiting(self.db_url)
        cfg.CourseDirectory.source_directory = "source"
        cfg.CourseDirectory.release_directory = "release"
        return cfg

    def release_folder(self, chapter: str) -> Path:
        return self.root / "release" / chapter

    def _copy_source(self, chapter: str) -> None:
        """source/<chapter>/: the chapter notebook and its other files (.py files stripped)."""
        origin = self.source_dir / chapter
        notebook = origin / f"{chapter}.ipynb"
        if not notebook.is_file():
            raise ReleaseError(f"no source notebook for {chapter}: {notebook} does not exist")
        target = self.root / "source" / chapter
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        shutil.copyfile(notebook, target / notebook.name)
        for path in sorted(origin.rglob("*")):
            relative = path.relative_to(origin)
            if path.is_dir() or path.suffix == ".ipynb" or any(
                    part.startswith(".") or part == "__pycache__" for part in relative.parts):
                continue
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            if path.suffix == ".py":
                # nbgrader copies .py files verbatim; answers in them are removed here.
                text = strip_source(path.read_text(encoding="utf-8"), chapter, str(path))
                (target / relative).write_text(text, encoding="utf-8")
            else:
                shutil.copyfile(path, target / relative)

    def _run_generate_assignment(self, chapter: str) -> None:
        from nbgrader.converters import GenerateAssignment
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.utils import capture_log

        cfg = self._config()
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id = chapter
        app = GenerateAssignment(coursedir=coursedir, config=cfg)
        app.force = True
        app.create_assignment = True
        for _ in range(_GENERATE_ATTEMPTS):  # another grader writing the gradebook at the same moment
            result = capture_log(app)
            if result["success"] or not any(words in result.get("log", "") + result.get("error", "")
                                             for words in COLLISIONS):
                break
            time.sleep(0.2 + random.random())
        if not result["success"]:
            log = result.get("log", "")
            if "because there are submissions associated with it" in log + result.get("error", ""):
                raise ReleaseError(
                    f"{chapter}: the source notebook's graded cells changed (cells added, removed or "
                    f"renamed) since submissions were recorded in the gradebook {self.db_url}; nbgrader "
                    "does not change an assignment that has submissions. Grade into a new --out folder "
                    "(or remove the old submissions with `nbgrader db`).")
            raise ReleaseError(f"nbgrader generate_assignment failed for {chapter}:\n{log}\n{result.get('error', '')}")

    def generate(self, chapter: str) -> Assignment:
        """Build release/<chapter>/ with nbgrader and the student nnlib (unless it was built
        from the same inputs before); record it in the gradebook."""
        chapter_index(chapter)
        digest = chapter_digest(chapter, self.source_dir, self.nnlib_dir, self._shipped())
        built = self._built()
        folder = self.release_folder(chapter)
        if built.get(chapter) == digest and (folder / f"{chapter}.ipynb").is_file():
            try:
                return self._assignment(chapter, digest)
            except LookupError:
                pass  # not in this gradebook (another --db): build it again
        self._copy_source(chapter)
        self._run_generate_assignment(chapter)
        build_student_nnlib(chapter, folder, source=self.nnlib_dir)
        (folder / "assets").mkdir(exist_ok=True)
        for name in SHIPPED_ASSETS:
            shutil.copyfile(self.assets_dir / name, folder / "assets" / name)
        shutil.copyfile(STUDENT_DIR / "assets" / "README.md", folder / "assets" / "README.md")
        assignment = self._assignment(chapter, digest)
        for name in assignment.test_ids:
            problem = check_test(assignment.gradebook_sources.get(name, ""))
            if problem:
                raise ReleaseError(f"{chapter}, test cell {name}: {problem} (the grader runs each hidden region "
                                   "apart from its cell, after the student's notebook)")
        with _locked(self.root / "releases.json.lock"):  # two graders may build two chapters at once
            write_atomic(self.root / "releases.json", json.dumps({**self._built(), chapter: digest}, indent=1,
                                                                 sort_keys=True))
        return assignment

    def _shipped(self) -> list[Path]:
        return [self.assets_dir / name for name in SHIPPED_ASSETS] + [STUDENT_DIR / "assets" / "README.md"]

    def _built(self) -> dict[str, str]:
        """chapter -> digest of the inputs its release in this folder was built from."""
        try:
            data = json.loads((self.root / "releases.json").read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _assignment(self, chapter: str, digest: str) -> Assignment:
        """The Assignment of the release in this folder (LookupError: not in the gradebook)."""
        folder = self.release_folder(chapter)
        release_json = (folder / f"{chapter}.ipynb").read_text(encoding="utf-8")
        return Assignment(chapter, release_json, self._gradebook_sources(chapter), str(folder), digest=digest)

    def _gradebook_sources(self, chapter: str) -> dict[str, str]:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(sqlite_waiting(self.db_url), COURSE_ID) as gb:
            try:
                notebook = gb.find_notebook(chapter, chapter)
            except MissingEntry:
                raise LookupError(f"{chapter} is not in the gradebook {self.db_url}") from None
            return {cell.name: cell.source for cell in notebook.source_cells}


def release(chapters: list[str] | None = None, out: Path = DEFAULT_OUT,
            source_dir: Path = NOTEBOOKS_DIR) -> dict[str, Path]:
    """Build ``out/<chapter>/`` for each chapter (default: every chapter with a source notebook),
    and the student's README.md and requirements.txt at the top of ``out``."""
    chapters = list(chapters) if chapters else present_chapters(source_dir)
    for chapter in chapters:
        chapter_index(chapter)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    built = {}
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as tmp:
        course = CourseFolder(Path(tmp), source_dir=source_dir)
        for chapter in chapters:
            course.generate(chapter)
            target = out / chapter
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(course.release_folder(chapter), target)
            built[chapter] = target
    write_student_files(out, [c for c in CHAPTERS if (out / c).is_dir()])
    return built
