"""Command line: ``python -m autograder {release,edition,grade,demo}`` (``--help`` on each)."""

from __future__ import annotations

# Before anything imports nbformat/jsonschema (see autograder._speedups).
from autograder._speedups import block_slow_optional_imports

block_slow_optional_imports()

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from autograder.course import CHAPTERS, NOTEBOOKS_DIR  # noqa: E402


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


def _parser() -> argparse.ArgumentParser:
    from autograder.demo import DEFAULT_OUT as DEMO_OUT
    from autograder.edition import DEFAULT_EDITION as EDITION_OUT
    from autograder.grading import DEFAULT_OUT as GRADE_OUT, default_jobs
    from autograder.release import DEFAULT_OUT as RELEASE_OUT

    parser = argparse.ArgumentParser(prog="python -m autograder", description=(
        "Build student releases of the course's chapters and grade submissions, on nbgrader."))
    commands = parser.add_subparsers(dest="command", required=True)

    rel = commands.add_parser("release", help="build the student release of chapters", description=(
        "For each chapter, write DIR/<chapter>/ with the student notebook (solutions and hidden tests "
        "removed by nbgrader), a student build of nnlib without this and later chapters' answers, and assets/."))
    rel.add_argument("chapters", nargs="*", type=_chapter, metavar="CHAPTER",
                     help="chapters to release (default: every chapter with a source notebook)")
    rel.add_argument("--out", type=Path, default=RELEASE_OUT, metavar="DIR",
                     help="output folder (default: _work/release, git-ignored)")
    rel.add_argument("--source", type=Path, default=NOTEBOOKS_DIR, metavar="DIR",
                     help="folder of the chapters' source notebooks (default: notebooks/)")

    edi = commands.add_parser("edition", help="build the student edition that `make lab` opens", description=(
        "Release every chapter into DIR (unless it is up to date with the sources), with the student's "
        "README.md and requirements.txt; a notebook the student changed there is never overwritten. "
        "With --venv, also install the student's packages into a virtual environment of their own, "
        "with nbgrader's instructor tools hidden."))
    edi.add_argument("--out", type=Path, default=EDITION_OUT, metavar="DIR",
                     help="the student edition's folder (default: _work/student, git-ignored)")
    edi.add_argument("--venv", type=Path, default=None, metavar="DIR",
                     help="create or update this virtual environment from DIR/requirements.txt")
    edi.add_argument("--hide-instructor-tools", action="store_true",
                     help="hide nbgrader's instructor tools in the Python environment running this command "
                          "(Binder's postBuild does)")
    edi.add_argument("--source", type=Path, default=NOTEBOOKS_DIR, metavar="DIR",
                     help="folder of the chapters' source notebooks (default: notebooks/)")

    grd = commands.add_parser("grade", help="grade submissions", description=(
        "Grade SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb (a folder or a .zip of it) against the "
        "student build of nnlib; write grades.csv, grades_detail.csv, feedback HTML and nbgrader's gradebook "
        "to DIR. Exits 0 when grading ran, whatever the scores."))
    grd.add_argument("submissions", type=Path, metavar="SUBMISSIONS")
    grd.add_argument("--chapter", action="append", type=_chapter, metavar="C",
                     help="grade only this chapter (repeatable; default: every chapter found)")
    grd.add_argument("--jobs", type=int, default=default_jobs(), metavar="N",
                     help="parallel worker processes, one kernel each (default: the number of cores)")
    grd.add_argument("--timeout", type=_positive, default=30.0, metavar="S",
                     help="seconds a cell may run before it is interrupted (default: 30)")
    grd.add_argument("--notebook-timeout", type=_non_negative, default=300.0, metavar="S",
                     help="seconds a whole notebook may run, kernel start included (default: 300; 0: no limit)")
    grd.add_argument("--memory", type=_positive, default=2.0, metavar="GIB",
                     help="address space a student's kernel may use, in GiB (default: 2)")
    grd.add_argument("--max-output", type=_positive, default=100_000, metavar="CHARS",
                     help="text output kept per cell; the rest is cut with a note (default: 100000)")
    grd.add_argument("--max-notebook-output", type=_positive, default=5_000_000, metavar="CHARS",
                     help="output kept for the whole notebook, figures included (default: 5000000)")
    grd.add_argument("--max-processes", type=_count, default=64, metavar="N",
                     help="processes and threads a student's kernel may run at once, itself included; "
                          "needs the sandbox (default: 64; 0: no limit)")
    grd.add_argument("--max-file-size", type=_non_negative, default=256, metavar="MIB",
                     help="size one file written by a student's kernel may reach, in MiB (default: 256; 0: no limit)")
    grd.add_argument("--max-disk", type=_non_negative, default=512, metavar="MIB",
                     help="what a student's kernel may write in all, in MiB: its working folder is a tmpfs "
                          "of that size; needs the sandbox (default: 512; 0: a folder on disk, no limit)")
    grd.add_argument("--max-cpus", type=_non_negative, default=1.0, metavar="N",
                     help="cores a student's kernel and all it starts may use together, a cgroup CPU quota "
                          "where the machine allows one (default: 1; 0: no quota)")
    grd.add_argument("--no-sandbox", action="store_true",
                     help="run student code without bubblewrap even where it is available (not recommended)")
    grd.add_argument("--out", type=Path, default=GRADE_OUT, metavar="DIR",
                     help="output folder, an nbgrader course folder (default: _work/grading)")
    grd.add_argument("--db", default=None, metavar="URL",
                     help="gradebook database URL (default: sqlite:///DIR/gradebook.db)")
    grd.add_argument("--source", type=Path, default=NOTEBOOKS_DIR, metavar="DIR",
                     help="folder of the chapters' source notebooks (default: notebooks/)")
    grd.add_argument("--figures", action="store_true",
                     help="draw the notebooks' figures into the feedback (slower; default: figures show as text)")
    grd.add_argument("--quiet", action="store_true", help="no progress bar")

    dem = commands.add_parser("demo", help="release, grade three sample students, print the table")
    dem.add_argument("--out", type=Path, default=DEMO_OUT, metavar="DIR", help="output folder (default: _work/demo)")
    dem.add_argument("--jobs", type=int, default=None, metavar="N")
    dem.add_argument("--source", type=Path, default=NOTEBOOKS_DIR, metavar="DIR",
                     help="folder of the chapters' source notebooks (default: notebooks/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from autograder.grading import GradingError, grade, summary_table
    from autograder.edition import carried_chapters
    from autograder.release import ReleaseError, present_chapters, release
    from autograder.strip import MarkerError

    try:
        if args.command == "release":
            chapters = args.chapters or present_chapters(args.source)
            if not chapters:
                print(f"no chapter notebooks in {args.source}", file=sys.stderr)
                return 2
            for chapter, folder in release(chapters, args.out, args.source).items():
                carried = ", ".join(carried_chapters(chapter)) or "no chapter"
                print(f"{chapter}: {folder}  (its nnlib keeps the answers of {carried})")
            print(f"for students: {args.out.resolve() / 'README.md'}")
            return 0
        if args.command == "edition":
            from autograder.edition import build_edition, create_student_venv, hide_instructor_tools

            out = build_edition(args.out, args.source)
            if args.venv:
                create_student_venv(args.venv, out)
            if args.hide_instructor_tools:
                hide_instructor_tools(Path(sys.executable).parent)
            return 0
        if args.command == "grade":
            if args.jobs < 1:
                print("--jobs must be at least 1", file=sys.stderr)
                return 2
            run = grade(args.submissions, args.out, args.chapter, args.jobs, args.timeout, args.db,
                        args.source, progress=not args.quiet, notebook_timeout=args.notebook_timeout or None,
                        figures=args.figures, memory_gib=args.memory, max_output=int(args.max_output),
                        max_notebook_output=int(args.max_notebook_output),
                        max_processes=args.max_processes or None, max_file_mib=args.max_file_size or None,
                        max_disk_mib=args.max_disk or None, max_cpus=args.max_cpus or None,
                        sandbox=False if args.no_sandbox else None)
            print(summary_table(run))
            print(f"\n{run.grades_csv}\n{run.detail_csv}\nfeedback: {run.out / 'feedback'}")
            return 0
        from autograder.demo import demo

        return demo(args.out, args.source, args.jobs)
    except (GradingError, ReleaseError, MarkerError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
