"""``python -m autograder grade``: grade a folder of submissions, in parallel, on nbgrader.

Input: nbgrader's layout ``SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb`` (a folder, or a
.zip of one; a chapter folder may also hold a .zip of its notebook). Output, in ``out``
(an nbgrader course folder: ``nbgrader formgrader`` and ``nbgrader export`` work there):

    gradebook.db                       nbgrader's gradebook (or the --db URL)
    grades.csv, grades_detail.csv      the grade tables (see autograder.gradebook)
    feedback/<student>/<chapter>/<chapter>.html
    autograded/<student>/<chapter>/<chapter>.ipynb   executed notebooks (hidden tests in them)
    source/, release/                  what nbgrader built from the chapters' source notebooks

Steps: (1) the parent process builds each chapter's release with nbgrader (recording its
cells in the gradebook); (2) worker processes grade submissions, one kernel each
(autograder.worker); (3) the parent records every result in the gradebook as it arrives
(the only writer, autograder.gradebook), shows a progress bar, and (4) exports the tables
and prints a summary.

Status of a submission: ``graded``; ``timeout`` (a cell was interrupted, or the notebook
stopped); ``memory`` (a cell ran out of its memory limit); ``limit`` (a cell reached the
process, file size or disk limit); ``error`` (the kernel died or could not start; the grader
itself failed); ``invalid`` (no readable notebook); ``flagged`` (read-only cells were
edited: they were restored and the notebook graded; or an exercise's answer was taken from
nnlib: its test scored 0). The ``detail`` column says what happened, and so does the top of
the feedback page.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.course import CHAPTERS, NOTEBOOKS_DIR, REPO_ROOT
from autograder.gradebook import GradebookWriter, export_tables
from autograder.kernel import Limits
from autograder.release import CourseFolder, present_chapters
from autograder.worker import Result, Task, WorkerPool

__all__ = ["GradingRun", "GradingError", "grade", "find_submissions", "summary_table", "default_jobs"]

DEFAULT_OUT = REPO_ROOT / "_work" / "grading"
MAX_ZIP_BYTES = 500 * 1024 * 1024


class GradingError(RuntimeError):
    """Grading could not run at all (bad arguments, nothing to grade, nbgrader failed)."""


@dataclass
class GradingRun:
    results: list[Result]
    out: Path
    grades_csv: Path
    detail_csv: Path
    skipped: list[str] = field(default_factory=list)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _safe_extract(archive: Path, dest: Path) -> None:
    """Extract a zip without letting any entry escape ``dest`` or fill the disk."""
    with zipfile.ZipFile(archive) as zf:
        total = 0
        for info in zf.infolist():
            name = PurePosixPath(info.filename)
            if name.is_absolute() or ".." in name.parts or info.filename.startswith(("/", "\\")):
                raise GradingError(f"{archive.name}: unsafe path in the zip: {info.filename!r}")
            total += info.file_size
            if total > MAX_ZIP_BYTES:
                raise GradingError(f"{archive.name}: more than {MAX_ZIP_BYTES // 2**20} MiB once extracted")
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                continue  # symbolic links are not extracted
            target = dest.joinpath(*name.parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def _submissions_root(path: Path, workdir: Path) -> Path:
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
        raise GradingError(f"{path} is neither a folder of submissions nor a zip of one")
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
            except (GradingError, zipfile.BadZipFile, OSError) as exc:
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


def grade(submissions: Path, out: Path = DEFAULT_OUT, chapters: list[str] | None = None, jobs: int | None = None,
          timeout: float = 30.0, db_url: str | None = None, source_dir: Path = NOTEBOOKS_DIR,
          progress: bool = True, notebook_timeout: float | None = 300.0, figures: bool = False,
          memory_gib: float | None = 2.0, max_output: int = 100_000, sandbox: bool | None = None,
          max_processes: int | None = 64, max_file_mib: float | None = 256,
          max_notebook_output: int = 5_000_000, max_disk_mib: float | None = 512,
          max_cpus: float | None = 1.0) -> GradingRun:
    """Grade every submission under ``submissions`` (see the module docstring)."""
    from autograder.feedback import warm_up

    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    available = present_chapters(source_dir)
    if chapters:
        unknown = [c for c in chapters if c not in available]
        if unknown:
            raise GradingError(f"no source notebook for {', '.join(unknown)} in {source_dir} "
                               f"(chapters present: {', '.join(available) or 'none'})")
    wanted = list(chapters) if chapters else available
    if timeout <= 0:
        raise GradingError("--timeout must be a positive number of seconds")
    with tempfile.TemporaryDirectory(prefix="autograder-grade-") as tmp:
        workdir = Path(tmp)
        root = _submissions_root(submissions, workdir)
        found, skipped = find_submissions(root, wanted, workdir, available)
        if not found:
            raise GradingError(f"no submissions found in {submissions} for {', '.join(wanted) or 'any chapter'} "
                               "(expected SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb)")
        course = CourseFolder(out, db_url=db_url, source_dir=source_dir)
        assignments = {c: course.generate(c) for c in sorted({f[1] for f in found}, key=CHAPTERS.index)}
        limits = Limits(cell_timeout=timeout, notebook_timeout=notebook_timeout,
                        memory=int(memory_gib * 1024**3) if memory_gib else None, output_bytes=int(max_output),
                        notebook_output_bytes=int(max_notebook_output),
                        processes=int(max_processes) if max_processes else None,
                        file_size=int(max_file_mib * 1024**2) if max_file_mib else None,
                        disk=int(max_disk_mib * 1024**2) if max_disk_mib else None,
                        cpus=float(max_cpus) if max_cpus else None, sandbox=sandbox)
        tasks = [Task(student, chapter, str(nb) if nb else None, assignments[chapter], str(out), limits,
                      tuple(notes), problem, timestamp, figures)
                 for student, chapter, nb, notes, problem, timestamp in found]
        warm_up()
        results = _run(tasks, jobs or default_jobs(), course.db_url, out, progress)
    order = {c: a.test_ids for c, a in assignments.items()}
    for chapter in CHAPTERS:  # chapters graded into this folder by earlier runs
        release_nb = out / "release" / chapter / f"{chapter}.ipynb"
        if chapter not in order and release_nb.is_file():
            cells = json.loads(release_nb.read_text(encoding="utf-8"))["cells"]
            order[chapter] = [c["metadata"]["nbgrader"]["grade_id"] for c in cells
                              if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    grades_csv, detail_csv = export_tables(course.db_url, out, out / "statuses.json", order)
    results.sort(key=lambda r: (r.student, CHAPTERS.index(r.chapter)))
    return GradingRun(results, out, grades_csv, detail_csv, skipped)


def _run(tasks: list[Task], jobs: int, db_url: str, out: Path, progress: bool) -> list[Result]:
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread in a process that forks
    results = []
    # Workers are forked before the gradebook connection is opened.
    with WorkerPool(min(jobs, len(tasks))) as pool, GradebookWriter(db_url, out / "statuses.json") as writer, \
            tqdm(total=len(tasks), desc="grading", unit="nb", disable=not progress, file=sys.stderr,
                 dynamic_ncols=True) as bar:
        for result in pool.run(tasks):
            writer.record(result)
            results.append(result)
            bar.set_postfix_str(f"{result.student}/{result.chapter}: {result.status}", refresh=False)
            bar.update()
    return results


def summary_table(run: GradingRun) -> str:
    """Students down, chapters across, ``score/max``; '*' marks a status other than graded."""
    chapters = [c for c in CHAPTERS if any(r.chapter == c for r in run.results)]
    students = sorted({r.student for r in run.results})
    cell = {(r.student, r.chapter): r for r in run.results}
    header = ["student"] + [c.replace("_", " ", 1) for c in chapters] + ["total"]
    rows = []
    for student in students:
        row = [student]
        total = maximum = 0.0
        for chapter in chapters:
            r = cell.get((student, chapter))
            if r is None:
                row.append("-")
                continue
            total += r.score
            maximum += r.max_score
            row.append(f"{r.score:g}/{r.max_score:g}" + ("" if r.status == "graded" else "*"))
        row.append(f"{total:g}/{maximum:g}")
        rows.append(row)
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(x).ljust(w) for x, w in zip(row, widths)) for row in rows]
    flagged = [r for r in run.results if r.status != "graded"]
    if flagged:
        lines.append("")
        lines.append("* not a plain 'graded':")
        for r in flagged:
            detail = r.detail if len(r.detail) <= 160 else r.detail[:157] + "..."
            lines.append(f"  {r.student}/{r.chapter}: {r.status}: {detail}")
    for note in run.skipped:
        lines.append(f"  skipped {note}")
    unsandboxed = [r for r in run.results if not r.sandboxed]
    if unsandboxed:
        lines.append("")
        lines.append(f"WARNING: no sandbox (bubblewrap not available here): the code of {len(unsandboxed)} "
                     "submission(s) ran with the grader's own file and network access.")
    why = {"processes": "no process limit (the kernel could not run under a user id of its own: is util-linux's "
                        "setpriv installed?)",
           "disk": "no disk limit (bubblewrap cannot size a tmpfs before version 0.7)",
           "cpus": "no CPU quota (a control group needs root and a writable /sys/fs/cgroup; a notebook can "
                   "take CPU from the other workers within its budget)"}
    for limit, reason in why.items():
        unlimited = [r for r in run.results if limit in r.unenforced]
        if unlimited:
            lines.append("")
            lines.append(f"WARNING: {reason}, for {len(unlimited)} submission(s).")
    return "\n".join(lines)
