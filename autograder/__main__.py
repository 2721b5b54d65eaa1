"""Command line: ``python -m autograder {release,edition,grade,feedback,export,report,demo,mark-teaching}`` (``--help`` on each)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder.course import CHAPTERS, NOTEBOOKS_DIR
from autograder.limits import Limits, Option, option_fields

__all__ = ["main"]


def _chapter(value: str) -> str:
    if value not in CHAPTERS:
        raise argparse.ArgumentTypeError(f"unknown chapter {value!r}; the chapters are {', '.join(CHAPTERS)}")
    return value


def _positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return number


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return number


def _non_negative(value: str) -> float:
    number = float(value)
    if not number >= 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return number


def _limit_type(option: Option, default: float):
    """The check of an option's value: 0 allowed where it means no limit, whole counts stay whole."""
    if option.zero is None:
        return _positive
    return _count if isinstance(default, int) and option.unit == 1 else _non_negative


def _add_release(commands) -> None:
    from autograder.release import DEFAULT_OUT

    rel = commands.add_parser("release", help="build the student release of chapters", description=(
        "For each chapter, write DIR/<chapter>/ with the student notebook (solutions and hidden tests "
        "removed by nbgrader), a student build of nnlib without this and later chapters' answers, and assets/."))
    rel.add_argument("chapters", nargs="*", type=_chapter, metavar="CHAPTER",
                     help="chapters to release (default: every chapter with a source notebook)")
    rel.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                     help="output folder (default: _work/release, git-ignored)")
    _add_source(rel)


def _add_edition(commands) -> None:
    from autograder.edition import DEFAULT_EDITION

    edi = commands.add_parser("edition", help="build the student edition that `make lab` opens", description=(
        "Release every chapter into DIR (unless it is up to date with the sources), with the student's "
        "README.md and requirements.txt; a notebook the student changed there is never overwritten. "
        "With --venv, also install the student's packages into a virtual environment of their own, "
        "with nbgrader's instructor tools hidden."))
    edi.add_argument("--out", type=Path, default=DEFAULT_EDITION, metavar="DIR",
                     help="the student edition's folder (default: _work/student, git-ignored)")
    edi.add_argument("--venv", type=Path, default=None, metavar="DIR",
                     help="create or update this virtual environment from DIR/requirements.txt")
    edi.add_argument("--hide-instructor-tools", action="store_true",
                     help="hide nbgrader's instructor tools in the Python environment running this command "
                          "(Binder's postBuild does)")
    _add_source(edi)


def _add_grade(commands) -> None:
    from autograder.grading import DEFAULT_OUT, default_jobs

    grd = commands.add_parser("grade", help="grade submissions", description=(
        "Grade SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb (a folder or a .zip of it), or a Canvas or "
        "Moodle bulk download of one chapter (with --chapter and --roster), against the "
        "student build of nnlib; write grades.csv, grades_detail.csv, feedback HTML and nbgrader's gradebook "
        "to DIR. Exits 0 when grading ran, whatever the scores."))
    grd.add_argument("submissions", type=Path, metavar="SUBMISSIONS")
    grd.add_argument("--chapter", action="append", type=_chapter, metavar="C",
                     help="grade only this chapter (repeatable; default: every chapter found)")
    grd.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                     help="parallel worker processes, one kernel each (default: the number of cores)")
    grd.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                     help="grade on the workers of this running Dask cluster instead of --jobs processes here "
                          "(this process stays the only writer of the gradebook and the files)")
    grd.add_argument("--force", action="store_true",
                     help="grade every submission again, also those unchanged since the last run into DIR")
    for field, option in option_fields():
        grd.add_argument(option.flag, dest=field.name, type=_limit_type(option, field.default),
                         default=option.shown(field.default), metavar=option.metavar,
                         help=option.full_help(field.default))
    grd.add_argument("--no-sandbox", action="store_true",
                     help="run student code without bubblewrap even where it is available (not recommended)")
    grd.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                     help="output folder, an nbgrader course folder (default: _work/grading)")
    grd.add_argument("--db", default=None, metavar="URL",
                     help="gradebook database URL (default: sqlite:///DIR/gradebook.db)")
    grd.add_argument("--roster", type=Path, default=None, metavar="FILE",
                     help="CSV of the students (student_id; optional name, email, lms_id): every one gets a row "
                          "per chapter, 'missing' without a submission; kept in DIR for later runs")
    grd.add_argument("--course", type=Path, default=None, metavar="FILE",
                     help="course configuration (TOML: due dates, late policy, Canvas assignment ids; see the "
                          "README); kept in DIR as course.toml for later runs")
    _add_source(grd)
    grd.add_argument("--figures", action="store_true",
                     help="draw the notebooks' figures into the feedback (slower; default: figures show as text)")
    grd.add_argument("--quiet", action="store_true", help="no progress bar")


def _add_feedback(commands) -> None:
    from autograder.grading import DEFAULT_OUT

    fee = commands.add_parser("feedback", help="make the feedback pages again from the gradebook", description=(
        "After grading by hand (nbgrader's formgrader): write each submission's feedback page in DIR/feedback "
        "again, with the scores and comments the gradebook now holds, and still without any hidden test "
        "(in place of `nbgrader generate_feedback`, which shows them)."))
    fee.add_argument("--chapter", action="append", type=_chapter, metavar="C",
                     help="only this chapter (repeatable; default: every chapter in the gradebook)")
    fee.add_argument("--student", action="append", metavar="S", help="only this student (repeatable)")
    fee.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                     help="the grading output folder that `grade` wrote (default: _work/grading)")
    fee.add_argument("--db", default=None, metavar="URL",
                     help="gradebook database URL (default: sqlite:///DIR/gradebook.db)")


def _add_export(commands) -> None:
    from autograder.export import FORMATS
    from autograder.grading import DEFAULT_OUT

    exp = commands.add_parser("export", help="grades for Canvas's or Moodle's gradebook import, or a wide table",
                              description="Write the grades of a grading folder as Canvas's gradebook import "
                                          "CSV, a Moodle assignment's grading worksheet (one chapter), or a table "
                                          "with a row per student and a column per chapter.")
    exp.add_argument("--format", required=True, choices=FORMATS)
    exp.add_argument("--from", dest="folder", type=Path, default=DEFAULT_OUT, metavar="DIR",
                     help="the grading folder (default: _work/grading, as grade's --out)")
    exp.add_argument("--out", type=Path, default=None, metavar="FILE",
                     help="the CSV file to write (default: DIR/grades_<format>.csv)")
    exp.add_argument("--chapter", type=_chapter, default=None, metavar="C", help="export only this chapter")


def _add_report(commands) -> None:
    from autograder.grading import DEFAULT_OUT

    rep = commands.add_parser("report", help="the instructor's page: score distributions, exercises, mistakes",
                              description="Write an HTML page on a grading folder: each chapter's score "
                                          "distribution, each exercise's share of full marks and its most common "
                                          "failure messages, the statuses, and a row per student.")
    rep.add_argument("--from", dest="folder", type=Path, default=DEFAULT_OUT, metavar="DIR",
                     help="the grading folder (default: _work/grading, as grade's --out)")
    rep.add_argument("--out", type=Path, default=None, metavar="FILE",
                     help="the HTML file to write (default: DIR/report.html)")


def _add_demo(commands) -> None:
    from autograder.demo import DEFAULT_OUT

    dem = commands.add_parser("demo", help="release, grade three sample students, print the table")
    dem.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help="output folder (default: _work/demo)")
    dem.add_argument("--jobs", type=int, default=None, metavar="N")
    _add_source(dem)


def _add_mark_teaching(commands) -> None:
    mark = commands.add_parser("mark-teaching", help="mark the teaching cells grading may skip", description=(
        "In each chapter's source notebook, mark every ordinary code cell that no graded cell depends on as a "
        "teaching cell (cell metadata only; see autograder/teaching.py), and unmark the others. With --check, "
        "change nothing: list what is wrong with the marks and exit 1 if anything is."))
    mark.add_argument("chapters", nargs="*", type=_chapter, metavar="CHAPTER",
                      help="chapters to mark (default: every chapter with a source notebook)")
    mark.add_argument("--check", action="store_true", help="only check the marks")
    _add_source(mark)


def _add_source(command) -> None:
    command.add_argument("--source", type=Path, default=NOTEBOOKS_DIR, metavar="DIR",
                         help="folder of the chapters' source notebooks (default: notebooks/)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=(
        "Build student releases of the course's chapters and grade submissions, on nbgrader."))
    commands = parser.add_subparsers(dest="command", required=True)
    _add_release(commands)
    _add_edition(commands)
    _add_grade(commands)
    _add_feedback(commands)
    _add_export(commands)
    _add_report(commands)
    _add_demo(commands)
    _add_mark_teaching(commands)
    return parser


def _limits(args: argparse.Namespace) -> Limits:
    """The ``Limits`` the grade command's options ask for."""
    given = {field.name: option.read(getattr(args, field.name), field.default) for field, option in option_fields()}
    return Limits(**given, sandbox=False if args.no_sandbox else None)


def _release(args: argparse.Namespace) -> int:
    from autograder.edition import carried_chapters
    from autograder.release import present_chapters, release

    chapters = args.chapters or present_chapters(args.source)
    if not chapters:
        print(f"no chapter notebooks in {args.source}", file=sys.stderr)
        return 2
    for chapter, folder in release(chapters, args.out, args.source).items():
        carried = ", ".join(carried_chapters(chapter)) or "no chapter"
        print(f"{chapter}: {folder}  (its nnlib keeps the answers of {carried})")
    print(f"for students: {args.out.resolve() / 'README.md'}")
    return 0


def _edition(args: argparse.Namespace) -> int:
    from autograder.edition import build_edition, create_student_venv, hide_instructor_tools

    out = build_edition(args.out, args.source)
    if args.venv:
        create_student_venv(args.venv, out)
    if args.hide_instructor_tools:
        hide_instructor_tools(Path(sys.executable).parent)
    return 0


def _grade(args: argparse.Namespace) -> int:
    from autograder.grading import grade
    from autograder.summary import summary_table

    if args.jobs < 1:
        print("--jobs must be at least 1", file=sys.stderr)
        return 2
    run = grade(args.submissions, args.out, args.chapter, args.jobs, args.db, args.source,
                progress=not args.quiet, figures=args.figures, limits=_limits(args), force=args.force,
                scheduler=args.scheduler, roster=args.roster, course=args.course)
    print(summary_table(run))
    print(f"\n{run.grades_csv}\n{run.detail_csv}\nfeedback: {run.out / 'feedback'}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from autograder.refresh import refresh_feedback

    out = args.out.resolve()
    db_url = args.db or f"sqlite:///{out / 'gradebook.db'}"
    if not args.db and not (out / "gradebook.db").is_file():
        print(f"no gradebook in {out} (grade into it first, or give --db)", file=sys.stderr)
        return 2
    pages = refresh_feedback(out, db_url, args.chapter, args.student)
    print(f"{len(pages)} feedback page(s) written in {out / 'feedback'}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from autograder.export import export_grades

    exported = export_grades(args.folder, args.format, args.out, args.chapter)
    for warning in exported.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(exported.path)
    return 0


def _report(args: argparse.Namespace) -> int:
    from autograder.report import build_report

    print(build_report(args.folder, args.out))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from autograder.demo import demo

    return demo(args.out, args.source, args.jobs)


def _mark_teaching(args: argparse.Namespace) -> int:
    import nbformat

    from autograder.release import present_chapters
    from autograder.teaching import any_name_reached, is_teaching, mark_problems, with_marks

    wrong = 0
    for chapter in args.chapters or present_chapters(args.source):
        path = args.source / chapter / f"{chapter}.ipynb"
        nb = nbformat.read(path, as_version=4)
        if args.check:
            problems = mark_problems(nb)
            wrong += len(problems)
            print(f"{chapter}: " + ("the marks are right" if not problems else f"{len(problems)} problem(s)"))
            for problem in problems:
                print(f"  {problem}")
            continue
        marked = with_marks(nb)
        if marked != nb:
            nbformat.write(marked, path)
        ordinary = [cell for cell in marked.cells if cell.cell_type == "code" and "nbgrader" not in cell.metadata]
        print(f"{chapter}: {sum(map(is_teaching, ordinary))} of {len(ordinary)} ordinary code cells are teaching cells"
              f"{'' if marked != nb else ' (unchanged)'}")
        for cell in marked.cells:
            reached = any_name_reached(cell.source) if cell.cell_type == "code" else None
            if reached is not None and "nbgrader" in cell.metadata:
                print(f"  {cell.metadata.nbgrader.get('grade_id', cell.get('id'))} may reach any name ({reached}), so"
                      " no teaching cell before it can be skipped: spell the names out")
    return 1 if wrong else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from autograder.cluster import ClusterError
    from autograder.export import ExportError
    from autograder.grading import GradingError
    from autograder.lateness import CourseConfigError
    from autograder.release import ReleaseError
    from autograder.roster import RosterError
    from autograder.strip import MarkerError

    command = {"release": _release, "edition": _edition, "grade": _grade, "feedback": _feedback,
               "export": _export, "report": _report, "demo": _demo, "mark-teaching": _mark_teaching}[args.command]
    try:
        return command(args)
    except (GradingError, ClusterError, ReleaseError, MarkerError, ExportError, RosterError, CourseConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
