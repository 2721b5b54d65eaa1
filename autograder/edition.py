"""The student edition: a release folder a learner can use with nothing else.

A release folder (``python -m autograder release --out DIR``) holds one folder per chapter
(see ``autograder.release``) and, at its top, what a student needs to start:

    README.md          student/README.md, with a table of the chapters it holds
    requirements.txt   student/requirements.txt: the pinned packages of the notebooks, their
                       widgets and nbgrader's student tools

``build_edition(out)`` is ``make lab``'s step: it releases every chapter into ``out`` unless
the folder is already up to date with the sources, and never overwrites a notebook the
student has changed. ``create_student_venv(venv, out)`` installs the release's requirements
into a virtual environment of its own (the reference nnlib is not in it) and hides nbgrader's
instructor tools there (``hide_instructor_tools``), as nbgrader's documentation advises for
students: the Validate button and the Assignments tab stay.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.course import CHAPTERS, NNLIB_DIR, NOTEBOOKS_DIR, REPO_ROOT, chapter_index

__all__ = [
    "STUDENT_DIR", "DEFAULT_EDITION", "DEFAULT_VENV", "INSTRUCTOR_LAB_EXTENSIONS",
    "INSTRUCTOR_SERVER_EXTENSIONS", "carried_chapters", "write_student_files", "build_edition",
    "create_student_venv", "hide_instructor_tools",
]

STUDENT_DIR = REPO_ROOT / "student"
DEFAULT_EDITION = REPO_ROOT / "_work" / "student"
DEFAULT_VENV = REPO_ROOT / "_work" / "student-venv"
_CHAPTER_TABLE = "<!-- chapters -->"
_STAMP = ".edition.json"

# nbgrader's parts for instructors; a student keeps the validate and assignment-list ones.
INSTRUCTOR_LAB_EXTENSIONS = ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                             "@jupyter/nbgrader:course-list")
INSTRUCTOR_SERVER_EXTENSIONS = ("nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list")


def carried_chapters(chapter: str) -> list[str]:
    """The chapters whose answers the nnlib of ``chapter``'s release keeps: every earlier one."""
    return list(CHAPTERS[: chapter_index(chapter)])


def _chapter_table(chapters: list[str]) -> str:
    rows = ["| folder | nnlib there keeps the answers of |", "|---|---|"]
    for chapter in chapters:
        carried = carried_chapters(chapter)
        rows.append(f"| `{chapter}/` | {', '.join(carried) if carried else 'no chapter (it is the first)'} |")
    return "\n".join(rows)


def write_student_files(out: Path, chapters: list[str], student_dir: Path = STUDENT_DIR) -> None:
    """Write README.md (with the table of ``chapters``) and requirements.txt at the top of ``out``."""
    readme = (Path(student_dir) / "README.md").read_text(encoding="utf-8")
    if _CHAPTER_TABLE not in readme:
        raise ValueError(f"{student_dir / 'README.md'} has no {_CHAPTER_TABLE} line for the chapter table")
    out = Path(out)
    (out / "README.md").write_text(readme.replace(_CHAPTER_TABLE, _chapter_table(chapters)), encoding="utf-8")
    shutil.copyfile(Path(student_dir) / "requirements.txt", out / "requirements.txt")


def _sources_digest(source_dir: Path) -> str:
    """A digest of everything a release is built from: the source notebooks, nnlib, assets,
    the student files and the grader's own code."""
    digest = hashlib.sha256()
    roots = [Path(source_dir), NNLIB_DIR, REPO_ROOT / "assets", STUDENT_DIR, Path(__file__).parent]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def build_edition(out: Path = DEFAULT_EDITION, source_dir: Path = NOTEBOOKS_DIR, echo=print) -> Path:
    """Release every chapter with a source notebook into ``out``, unless it is up to date.

    A chapter notebook the student has changed since it was released there is kept as it
    is; when the chapter's release changed meanwhile, the new notebook is written beside it
    as ``<chapter>.new.ipynb`` and ``echo`` says so. Everything else is replaced.
    """
    from autograder.release import present_chapters, release

    out = Path(out).resolve()
    chapters = present_chapters(source_dir)
    digest = _sources_digest(source_dir)
    stamp_path = out / _STAMP
    try:
        stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamp = {}
    released = stamp.get("notebooks", {})
    if stamp.get("sources") == digest and all((out / c / f"{c}.ipynb").is_file() for c in chapters):
        echo(f"The student edition in {out} is up to date.")
        return out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="edition-", dir=out.parent) as tmp:
        fresh = release(chapters, Path(tmp), source_dir)
        for chapter, folder in fresh.items():
            name = f"{chapter}.ipynb"
            current, new = out / chapter / name, folder / name
            edited = current.is_file() and _file_digest(current) != released.get(chapter)
            if edited:
                os.replace(current, folder / ".student.ipynb")
                if _file_digest(new) != released.get(chapter):
                    shutil.copyfile(new, folder / f"{chapter}.new.ipynb")
                    echo(f"{chapter}: kept your notebook {current}; the chapter changed since you started "
                         f"it, and its new version is {current.with_name(chapter + '.new.ipynb')}")
                os.replace(folder / ".student.ipynb", new)
            else:
                released[chapter] = _file_digest(new)
            if (out / chapter).exists():
                shutil.rmtree(out / chapter)
            shutil.move(str(folder), out / chapter)
        for name in ("README.md", "requirements.txt"):
            shutil.copyfile(Path(tmp) / name, out / name)
    stamp_path.write_text(json.dumps({"sources": digest, "notebooks": released}, indent=1), encoding="utf-8")
    echo(f"The student edition of {', '.join(chapters)} is in {out}.")
    return out


def _bin(venv: Path, name: str) -> Path:
    return Path(venv) / ("Scripts" if os.name == "nt" else "bin") / name


def hide_instructor_tools(bin_dir: Path) -> None:
    """Turn off nbgrader's instructor extensions (formgrader, create assignment, course list)
    for the Python environment whose scripts are in ``bin_dir``."""
    jupyter = str(Path(bin_dir) / "jupyter")
    for extension in INSTRUCTOR_LAB_EXTENSIONS:
        subprocess.run([jupyter, "labextension", "disable", "--level=sys_prefix", extension],
                       check=True, capture_output=True)
    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        subprocess.run([jupyter, "server", "extension", "disable", "--sys-prefix", extension],
                       check=True, capture_output=True)


def create_student_venv(venv: Path = DEFAULT_VENV, edition: Path = DEFAULT_EDITION, echo=print) -> Path:
    """A virtual environment with the edition's requirements.txt installed, and nbgrader's
    instructor tools hidden; kept while that file is unchanged. Returns its scripts folder."""
    venv = Path(venv).resolve()
    requirements = Path(edition) / "requirements.txt"
    stamp = venv / ".requirements"
    wanted = requirements.read_text(encoding="utf-8")
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return _bin(venv, "")
    echo(f"Installing the student's packages into {venv} (once)...")
    python = str(_bin(venv, "python"))
    for command in ([sys.executable, "-m", "venv", "--clear", str(venv)],
                    [python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
                    [python, "-m", "pip", "install", "--quiet", "-r", str(requirements)]):
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
    hide_instructor_tools(_bin(venv, ""))
    stamp.write_text(wanted, encoding="utf-8")
    return _bin(venv, "")
