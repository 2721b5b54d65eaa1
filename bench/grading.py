"""Grading throughput: ``python -m autograder grade`` with 1 and 2 jobs vs plain ``nbgrader autograde``.

    .venv/bin/python bench/grading.py [--chapter C] [--n 24] [--rounds 1] [--source DIR]

Makes N copies of one chapter's solved notebook (the first chapter with a source notebook in
DIR, default notebooks/; the grader's fixture chapter when there is none), then, in the same
run and in turn:

- ``plain``: ``nbgrader autograde <chapter> --force`` on an nbgrader course folder holding
  the same release (one command for all N students; the kernels import the same student
  nnlib through PYTHONPATH; no feedback is generated);
- ``jobs1`` and ``jobs2``: ``python -m autograder grade --jobs 1|2`` (feedback included);
- with ``--figures`` also ``jobs1-fig``: one job drawing the figures as plain nbgrader does
  (the grader's default skips drawing them; this shows the same work).

Each is timed from the command's start to its end (interpreter start and imports included),
and the script checks that every submission got every autograded point (its written answers
wait for a person). It prints seconds, seconds per submission and the ratios: jobs1/jobs2
(the speed-up of two workers; the target is >= 1.7 on 2 cores) and plain/jobs1, plain/jobs2
(> 1 means faster than plain nbgrader; the target for plain/jobs2 is >= 8). Timings are
noisy on a shared machine; --rounds repeats the three and reports medians. Not a test:
nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from autograder._speedups import block_slow_optional_imports  # noqa: E402

block_slow_optional_imports()

import nbformat  # noqa: E402

from autograder.course import NOTEBOOKS_DIR  # noqa: E402
from autograder.release import CourseFolder, present_chapters  # noqa: E402
from autograder.samples import solved, write_submission  # noqa: E402

FIXTURES = REPO / "tests" / "fixtures" / "notebooks"


def _timed(command: list[str], cwd: Path, env: dict | None = None) -> float:
    started = time.perf_counter()
    run = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return seconds


def _plain_course(folder: Path, chapter: str, source_dir: Path, submitted_from: Path, n: int) -> dict:
    """An nbgrader course with the chapter generated and N submissions in submitted/."""
    course = CourseFolder(folder, source_dir=source_dir)
    assignment = course.generate(chapter)
    shutil.copytree(submitted_from, folder / "submitted")
    env = dict(os.environ, PYTHONPATH=assignment.runtime, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return env


def _check_full_marks(folder: Path, n: int) -> None:
    """Every solved copy graded with every autograded point; its written answers wait for a person."""
    with open(folder / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(folder / "grades_detail.csv", newline="") as handle:
        lost = [d for d in csv.DictReader(handle) if d["score"] != "" and d["score"] != d["max_score"]]
    if len(rows) != n or any(r["status"] != "graded" for r in rows) or lost:
        sys.exit(f"grading did not give every autograded point to every solved copy: {(lost or rows)[:3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", default=None)
    parser.add_argument("--n", type=int, default=24, help="number of submissions (default 24)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the measures (default 1)")
    parser.add_argument("--figures", action="store_true", help="also time one job drawing the figures")
    parser.add_argument("--source", type=Path, default=NOTEBOOKS_DIR,
                        help="folder of the chapters' source notebooks (default: notebooks/)")
    args = parser.parse_args()

    source_dir = args.source if present_chapters(args.source) else FIXTURES
    chapter = args.chapter or present_chapters(source_dir)[0]
    python = sys.executable
    print(f"chapter {chapter} ({'fixture' if source_dir == FIXTURES else 'course'}), {args.n} solved "
          f"submissions, {os.cpu_count()} cores, {args.rounds} round(s)")
    times: dict[str, list[float]] = {"plain": [], "jobs1": [], "jobs2": []}
    runs = [("jobs1", ["--jobs", "1"]), ("jobs2", ["--jobs", "2"])]
    if args.figures:
        times["jobs1-fig"] = []
        runs.append(("jobs1-fig", ["--jobs", "1", "--figures"]))
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        tmp = Path(tmp)
        scratch_course = CourseFolder(tmp / "prepare", source_dir=source_dir)
        assignment = scratch_course.generate(chapter)
        release_nb = nbformat.reads(assignment.release_json, as_version=4)
        source_nb = nbformat.read(source_dir / chapter / f"{chapter}.ipynb", as_version=4)
        answer = solved(release_nb, source_nb)
        submitted = tmp / "submitted"
        for i in range(args.n):
            write_submission(submitted, f"student{i:02d}", chapter, answer)
        for round_ in range(args.rounds):
            plain = tmp / f"plain{round_}"
            env = _plain_course(plain, chapter, source_dir, submitted, args.n)
            times["plain"].append(_timed([python, "-m", "nbgrader", "autograde", chapter, "--force"], plain, env))
            for key, options in runs:
                out = tmp / f"{key}-{round_}"
                times[key].append(_timed(
                    [python, "-m", "autograder", "grade", str(submitted), *options, "--out", str(out),
                     "--source", str(source_dir), "--quiet"], REPO))
                _check_full_marks(out, args.n)
            print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()))
    median = {k: statistics.median(v) for k, v in times.items()}
    print()
    print(f"{'':10}{'seconds':>9}{'s/submission':>14}")
    for key in times:
        print(f"{key:10}{median[key]:9.1f}{median[key] / args.n:14.2f}")
    print()
    print(f"speed-up of 2 jobs over 1 (jobs1/jobs2):   {median['jobs1'] / median['jobs2']:.2f}x  (target >= 1.7)")
    print(f"plain nbgrader vs 1 job (plain/jobs1):      {median['plain'] / median['jobs1']:.2f}x  (> 1: faster)")
    print(f"plain nbgrader vs 2 jobs (plain/jobs2):     {median['plain'] / median['jobs2']:.2f}x  (target >= 8)")
    if "jobs1-fig" in median:
        print(f"plain nbgrader vs 1 job with figures:       {median['plain'] / median['jobs1-fig']:.2f}x")


if __name__ == "__main__":
    main()
