"""``python -m autograder grade``: grade a folder of submissions, in parallel, on nbgrader.

Input: nbgrader's layout ``SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb`` (a folder, or a
.zip of one; a chapter folder may also hold a .zip of its notebook; see autograder.collect).
Output, in ``out`` (an nbgrader course folder: ``nbgrader formgrader`` and ``nbgrader
export`` work there):

    gradebook.db                       nbgrader's gradebook (or the --db URL)
    grades.csv, grades_detail.csv      the grade tables (see autograder.tables)
    feedback/<student>/<chapter>/<chapter>.html
    autograded/<student>/<chapter>/<chapter>.ipynb   executed notebooks (hidden tests in them)
    source/, release/                  what nbgrader built from the chapters' source notebooks

Steps: (1) the parent process builds each chapter's release with nbgrader (recording its
cells in the gradebook; a release already built from the same inputs is kept); (2) it
leaves out each submission graded before from the same notebook, chapter, grader and
options (the gradebook records what each was graded from: autograder.fingerprints;
``force`` grades everything again); (3) worker processes on this machine
(autograder.pool), or the workers of a Dask cluster (autograder.cluster), grade the rest,
one kernel each (autograder.worker); (4) the parent records every result as it arrives (the
only writer of the gradebook, autograder.gradebook, and of the feedback and autograded
files), shows a progress bar, and (5) exports the tables; the command line then prints a
summary (autograder.summary). Each submission gets a status and a reason
(autograder.status).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder.cells import grade_id, is_graded
from autograder.collect import SubmissionsError, find_submissions, submissions_root
from autograder.course import CHAPTERS, NOTEBOOKS_DIR, REPO_ROOT
from autograder.exchange import write_nbgrader_files
from autograder.files import write_atomic
from autograder.fingerprints import submission_digest
from autograder.gradebook import GradebookWriter, import_statuses, read_grades, recorded, recorded_result
from autograder.lateness import CourseConfigError, keep_course_config, kept_course_config, record_due_dates
from autograder.limits import Limits
from autograder.lms import LmsError, nbgrader_layout, recognise
from autograder.pool import WorkerPool
from autograder.refresh import refresh_pages
from autograder.release import COURSE_ID, CourseFolder, present_chapters
from autograder.roster import RosterError, keep_roster, kept_roster, record_roster
from autograder.savings import Savings
from autograder.tables import export_tables
from autograder.worker import Result, Task, problem_page

__all__ = ["GradingRun", "GradingError", "grade", "default_jobs", "DEFAULT_OUT"]

DEFAULT_OUT = REPO_ROOT / "_work" / "grading"


class GradingError(RuntimeError):
    """Grading could not run at all (bad arguments, nothing to grade, nbgrader failed)."""


@dataclass
class GradingRun:
    """What ``grade`` did: one result per submission (by student, then chapter; those left
    as an earlier run graded them have ``unchanged`` set), the output folder, the two
    tables, the folders and files it skipped (with why), and notes on the roster (students
    not on it, roster students who submitted nothing)."""

    results: list[Result]
    out: Path
    grades_csv: Path
    detail_csv: Path
    skipped: list[str] = field(default_factory=list)
    roster_notes: list[str] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return sum(r.unchanged for r in self.results)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def grade(submissions: Path, out: Path = DEFAULT_OUT, chapters: list[str] | None = None, jobs: int | None = None,
          db_url: str | None = None, source_dir: Path = NOTEBOOKS_DIR, progress: bool = True,
          figures: bool = False, limits: Limits = Limits(), savings: Savings = Savings(),
          force: bool = False, scheduler: str | None = None, roster: Path | None = None,
          course: Path | None = None) -> GradingRun:
    """Grade every submission under ``submissions`` (see the module docstring).

    savings: the work grading leaves out where it cannot change a grade (``autograder.savings``).
    force: grade every submission, also those unchanged since an earlier run.
    scheduler: the address of a Dask scheduler (``tcp://HOST:PORT``) whose workers grade, in
    place of ``jobs`` processes on this machine.
    roster: a roster CSV (``autograder.roster``), kept in ``out`` for later runs; needed for
    a Canvas or Moodle download (``autograder.lms``), which is one chapter, named in ``chapters``.
    course: the course configuration (due dates, late policy: ``autograder.lateness``), kept in ``out``.
    """
    from autograder.feedback import warm_up

    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    available = present_chapters(source_dir)
    if chapters:
        unknown = [c for c in chapters if c not in available]
        if unknown:
            raise GradingError(f"no source notebook for {', '.join(unknown)} in {source_dir} "
                               f"(chapters present: {', '.join(available) or 'none'})")
    wanted = list(chapters) if chapters else available
    if limits.cell_timeout <= 0:
        raise GradingError("--timeout must be a positive number of seconds")
    try:
        students = keep_roster(roster, out) if roster else kept_roster(out)
        config = keep_course_config(course, out) if course else kept_course_config(out)
    except (RosterError, CourseConfigError) as exc:
        raise GradingError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="autograder-grade-") as tmp:
        workdir = Path(tmp)
        try:
            root = submissions_root(submissions, workdir)
            lms_notes, lms_skipped = _lms_download(root, chapters, students, workdir)
            if lms_notes is not None:
                root = workdir / "lms"
            found, skipped = find_submissions(root, wanted, workdir, available)
        except SubmissionsError as exc:
            raise GradingError(str(exc)) from None
        skipped, roster_notes = lms_skipped + skipped, _roster_notes(found, students)
        if not found:
            raise GradingError(f"no submissions found in {submissions} for {', '.join(wanted) or 'any chapter'} "
                               "(expected SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb)")
        course = CourseFolder(out, db_url=db_url, source_dir=source_dir)
        import_statuses(course.db_url, out / "statuses.json")  # where an older grader kept them
        if students:
            record_roster(course.db_url, COURSE_ID, students)
        assignments = {c: course.generate(c) for c in sorted({f[1] for f in found}, key=CHAPTERS.index)}
        record_due_dates(course.db_url, COURSE_ID, config, list(assignments))
        options = repr((limits, figures))
        tasks, digests = [], {}
        for student, chapter, nb, notes, problem, timestamp in found:
            notes = list(notes) + (lms_notes or {}).get((student, chapter), [])
            tasks.append(Task(student, chapter, str(nb) if nb else None, assignments[chapter], limits,
                              tuple(notes), problem, timestamp, figures, savings))
            digests[student, chapter] = submission_digest(nb, repr((notes, problem, timestamp)),
                                                          assignments[chapter].digest, options)
        todo, kept = (tasks, []) if force else _unchanged(tasks, digests, out, course.db_url)
        warm_up()
        results = _run(todo, jobs or default_jobs(), scheduler, course.db_url, out, digests, progress) if todo else []
    order = {c: a.test_ids for c, a in assignments.items()}
    for chapter in CHAPTERS:  # chapters graded into this folder by earlier runs
        release_nb = out / "release" / chapter / f"{chapter}.ipynb"
        if chapter not in order and release_nb.is_file():
            cells = json.loads(release_nb.read_text(encoding="utf-8"))["cells"]
            order[chapter] = [grade_id(c) for c in cells if is_graded(c)]
    _keep_marks_by_hand(results, course.db_url, out)
    grades_csv, detail_csv = export_tables(course.db_url, out, order)
    results = kept + results
    results.sort(key=lambda r: (r.student, CHAPTERS.index(r.chapter)))
    return GradingRun(results, out, grades_csv, detail_csv, skipped, roster_notes)


def _lms_download(root: Path, chapters: list[str] | None, students, workdir: Path) -> tuple[dict | None, list[str]]:
    """A Canvas or Moodle download at ``root`` put into nbgrader's layout in ``workdir/lms``:
    (notes per submission, notes on what was left out); (None, []) for any other folder."""
    lms = recognise(root)
    if lms is None:
        return None, []
    if not chapters or len(chapters) != 1:
        raise GradingError(f"{root} is a {lms.title()} download, which holds one assignment: "
                           "name its chapter with --chapter")
    if not students:
        raise GradingError(f"{root} is a {lms.title()} download: give --roster FILE, whose lms_id column "
                           f"maps {lms.title()}'s ids to the students' ids")
    try:
        return nbgrader_layout(root, lms, chapters[0], students, workdir / "lms")
    except LmsError as exc:
        raise GradingError(str(exc)) from None


def _roster_notes(found: list[tuple], students) -> list[str]:
    """Notes on the submissions of students not on the roster, and on roster students who
    submitted nothing for a chapter graded in this run."""
    if not students:
        return []
    known = [s.student_id for s in students]
    strangers = sorted({student for student, *_ in found if student not in known})
    notes = [f"{student}: not on the roster, graded all the same" for student in strangers]
    for chapter in sorted({c for _, c, *_ in found}, key=CHAPTERS.index):
        present = {student for student, c, *_ in found if c == chapter}
        absent = [s for s in known if s not in present]
        if absent:
            names = ", ".join(absent[:10]) + (f" and {len(absent) - 10} more" if len(absent) > 10 else "")
            notes.append(f"{chapter}: {len(absent)} roster student(s) submitted nothing (status missing): {names}")
    return notes


def _keep_marks_by_hand(results: list[Result], db_url: str, out: Path) -> None:
    """Put the scores and comments set by hand in the gradebook on the pages (and into the
    results) of the submissions just graded that have any (autograder.refresh)."""
    graded = {(r.student, r.chapter): r for r in results}
    if not graded:
        return
    marked = [sub for sub in read_grades(db_url, sorted({c for _, c in graded}), sorted({s for s, _ in graded}))
              if (sub.student, sub.chapter) in graded and any(c.graded_by_hand for c in sub.cells)]
    refresh_pages(out, marked)
    for sub in marked:
        graded[sub.student, sub.chapter].scores = {c.grade_id: c.score for c in sub.cells}


def _unchanged(tasks: list[Task], digests: dict, out: Path, db_url: str) -> tuple[list[Task], list[Result]]:
    """(the tasks to grade, the results recorded for the others): a submission graded before
    from the same digest, still in the gradebook and with its feedback page, is left as it is."""
    record = recorded(db_url)
    if not record:
        return tasks, []
    todo, kept = [], []
    for task in tasks:
        key = (task.student, task.chapter)
        entry = record.get(key, {})
        page = out / "feedback" / task.student / task.chapter / f"{task.chapter}.html"
        if entry.get("digest") == digests[key] and page.is_file():
            kept.append(recorded_result(task.student, task.chapter, entry, out))
        else:
            todo.append(task)
    return todo, kept


def _backend(jobs: int, scheduler: str | None, count: int):
    """Where submissions are graded: ``jobs`` processes here, or a Dask cluster's workers."""
    if scheduler:
        from autograder.cluster import DaskPool

        return DaskPool(scheduler)
    return WorkerPool(min(jobs, count))


def _run(tasks: list[Task], jobs: int, scheduler: str | None, db_url: str, out: Path, digests: dict,
         progress: bool) -> list[Result]:
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread in a process that forks
    results = []
    by_key = {(t.student, t.chapter): t for t in tasks}
    # Workers are forked before the gradebook connection is opened.
    with _backend(jobs, scheduler, len(tasks)) as pool, GradebookWriter(db_url) as writer, \
            tqdm(total=len(tasks), desc="grading", unit="nb", disable=not progress, file=sys.stderr,
                 dynamic_ncols=True) as bar:
        for result in pool.run(tasks):
            key = (result.student, result.chapter)
            _write_pages(result, by_key[key], out)
            writer.record(result, digests[key])
            results.append(result)
            bar.set_postfix_str(f"{result.student}/{result.chapter}: {result.status}", refresh=False)
            bar.update()
    return results


def _write_pages(result: Result, task: Task, out: Path) -> None:
    """Write the result's executed notebook and feedback page into ``out`` (a stale executed
    notebook goes: this submission's run made none), with nbgrader's files beside them
    (autograder.exchange: the copy in ``submitted/``, ``timestamp.txt``, the secret that
    ``nbgrader release_feedback`` names the released page by)."""
    autograded = out / "autograded" / task.student / task.chapter / f"{task.chapter}.ipynb"
    feedback = out / "feedback" / task.student / task.chapter / f"{task.chapter}.html"
    result.exchange_timestamp = write_nbgrader_files(out, task.student, task.chapter, task.timestamp,
                                            Path(task.notebook) if task.notebook else None)
    pages, result.pages = result.pages, {}
    if "autograded" in pages:
        result.autograded = str(write_atomic(autograded, pages["autograded"]))
    else:
        autograded.unlink(missing_ok=True)
    result.feedback = str(write_atomic(feedback, pages.get("feedback") or problem_page(task, result)))
