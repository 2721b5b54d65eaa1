"""Finding the submissions to grade in nbgrader's layout, a folder or a zip of one.

``SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb``; a chapter folder may also hold a .zip of
its notebook, or a notebook of another name (graded as the chapter's, with a note). Zips are
extracted into a working folder with no entry escaping it and at most ``MAX_ZIP_BYTES`` in
all; symbolic links in them are skipped.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath

from autograder.course import CHAPTERS

__all__ = ["SubmissionsError", "find_submissions", "submissions_root", "MAX_ZIP_BYTES"]

MAX_ZIP_BYTES = 500 * 1024 * 1024


class SubmissionsError(ValueError):
    """The submissions cannot be read at all: not a folder nor a zip, or an unsafe zip."""


def _safe_extract(archive: Path, dest: Path) -> None:
    """Extract a zip without letting any entry escape ``dest`` or fill the disk."""
    with zipfile.ZipFile(archive) as zf:
        total = 0
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts or info.filename.startswith(("/", "\\")):
                raise SubmissionsError(f"{archive.name}: unsafe path in the zip: {info.filename!r}")
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise SubmissionsError(f"{archive.name}: more than {MAX_ZIP_BYTES // 2**20} MiB once extracted")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                continue  # symbolic links are not extracted
            target = dest.joinpath(*name.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def submissions_root(path: Path, workdir: Path) -> Path:
    """The folder of student folders: ``path`` itself, or a zip of it extracted to ``workdir``."""
    if path.is_file() and zipfile.is_zipfile(path):
        dest = workdir / "submissions"
        _safe_extract(path, dest)
        entries = [p for p in dest.iterdir() if not p.name.startswith((".", "__MACOSX"))]
        # A zip of the SUBMISSIONS folder itself holds one folder whose children are students.
        if len(entries) == 1 and entries[0].is_dir() and not any(
                (entries[0] / c).is_dir() for c in CHAPTERS) and any(
                (sub / c).is_dir() for sub in entries[0].iterdir() if sub.is_dir() for c in CHAPTERS):
            return entries[0]
        return dest
    if not path.is_dir():
        raise SubmissionsError(f"{path} is neither a folder of submissions nor a zip of one")
    return path


def _pick_notebook(folder: Path, chapter: str, workdir: Path) -> tuple[Path | None, list[str], str | None]:
    """The notebook to grade in a chapter folder: (path, notes, problem)."""
    expected = folder / f"{chapter}.ipynb"
    if expected.is_file():
        return expected, [], None
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.name.startswith("."))
    if not notebooks:
        zips = sorted(p for p in folder.glob("*.zip") if p.is_file())
        if len(zips) == 1 and zipfile.is_zipfile(zips[0]):
            dest = workdir / "zipped" / folder.parent.name / chapter
            try:
                _safe_extract(zips[0], dest)
            except (SubmissionsError, zipfile.BadZipFile, OSError) as exc:
                return None, [], f"{zips[0].name} could not be extracted: {exc}"
            found = sorted(p for p in dest.rglob("*.ipynb") if "__MACOSX" not in p.parts and ".ipynb_checkpoints" not in p.parts)
            exact = [p for p in found if p.name == expected.name]
            if exact or len(found) == 1:
                return (exact or found)[0], [f"notebook taken from {zips[0].name}"], None
            return None, [], f"{zips[0].name} holds {len(found)} notebooks and none is named {expected.name}"
        return None, [], f"no notebook in the folder (expected {expected.name})"
    if len(notebooks) == 1:
        return notebooks[0], [f"the notebook was renamed to {notebooks[0].name}; graded as {expected.name}"], None
    names = ", ".join(p.name for p in notebooks)
    return None, [], f"expected {expected.name}; found {len(notebooks)} other notebooks ({names})"


def find_submissions(root: Path, chapters: list[str], workdir: Path,
                     available: list[str] | None = None) -> tuple[list[tuple], list[str]]:
    """(student, chapter, notebook path | None, notes, problem, timestamp) for each submission
    of ``chapters``; and notes on the folders skipped (``available``: chapters with a source)."""
    found, skipped = [], []
    available = chapters if available is None else available
    for student_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))):
        for chapter_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            chapter = chapter_dir.name
            if chapter not in chapters:
                if chapter not in CHAPTERS:
                    skipped.append(f"{student_dir.name}/{chapter}: not a chapter of the course")
                elif chapter not in available:
                    skipped.append(f"{student_dir.name}/{chapter}: the chapter has no source notebook yet")
                continue
            notebook, notes, problem = _pick_notebook(chapter_dir, chapter, workdir)
            stamp = chapter_dir / "timestamp.txt"
            timestamp = stamp.read_text(encoding="utf-8", errors="replace").strip()[:64] if stamp.is_file() else None
            found.append((student_dir.name, chapter, notebook, notes, problem, timestamp or None))
    return found, skipped
