"""``python -m autograder demo``: release every chapter, grade three sample students, show the table.

The students, for every chapter with a source notebook:

- ``solved``: the release with the source notebook's answers: every autograded point, and
  its written answers (the model answers) left to a person, as the summary counts them;
- ``partly_wrong``: the solved notebook with a few typical mistakes, taken from
  ``tests/mutations/<chapter>.py`` (the first mistake of every third exercise);
- ``blank``: the release as downloaded (zero).

Everything goes to ``out`` (default ``_work/demo``): ``release/``, ``submitted/``, ``grades/``.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import nbformat

from autograder.course import NOTEBOOKS_DIR, REPO_ROOT
from autograder.grading import grade
from autograder.release import present_chapters, release
from autograder.report import build_report
from autograder.samples import MUTATIONS_DIR, load_mutations, solved, with_answers, write_submission
from autograder.summary import summary_table

__all__ = ["demo", "DEFAULT_OUT"]

DEFAULT_OUT = REPO_ROOT / "_work" / "demo"


def _mistakes(chapter: str, mutations_dir: Path) -> dict[str, str]:
    mutations = load_mutations(chapter, mutations_dir)
    chosen = {}
    for number, exercise in enumerate(mutations):
        if number % 3 == 0 and mutations[exercise]:
            chosen[exercise] = next(iter(mutations[exercise].values()))
    return chosen


def demo(out: Path = DEFAULT_OUT, source_dir: Path = NOTEBOOKS_DIR, jobs: int | None = None,
         mutations_dir: Path = MUTATIONS_DIR, echo=print) -> int:
    out = Path(out).resolve()
    chapters = present_chapters(source_dir)
    if not chapters:
        echo(f"No chapter notebooks in {source_dir} yet: nothing to release or grade.")
        return 1
    started = time.monotonic()
    echo(f"1. Release: {', '.join(chapters)} -> {out / 'release'}")
    built = release(chapters, out / "release", source_dir)
    for chapter, folder in built.items():
        echo(f"   {folder / (chapter + '.ipynb')}  (+ student nnlib, assets)")

    submitted = out / "submitted"
    if submitted.exists():
        shutil.rmtree(submitted)
    echo(f"2. Sample submissions -> {submitted}")
    for chapter in chapters:
        release_nb = nbformat.read(built[chapter] / f"{chapter}.ipynb", as_version=4)
        source_nb = nbformat.read(Path(source_dir) / chapter / f"{chapter}.ipynb", as_version=4)
        answer_nb = solved(release_nb, source_nb)
        mistakes = _mistakes(chapter, mutations_dir)
        write_submission(submitted, "solved", chapter, answer_nb)
        write_submission(submitted, "partly_wrong", chapter, with_answers(answer_nb, mistakes))
        write_submission(submitted, "blank", chapter, release_nb)
        wrong = ", ".join(mistakes) if mistakes else "none (no tests/mutations file yet)"
        echo(f"   {chapter}: solved, blank, partly_wrong (wrong: {wrong})")

    echo(f"3. Grade -> {out / 'grades'}")
    run = grade(submitted, out / "grades", jobs=jobs, source_dir=source_dir)
    echo("")
    echo(summary_table(run))
    echo("")
    echo(f"Grade tables: {run.grades_csv}\n              {run.detail_csv}")
    echo(f"Gradebook:    {run.out / 'gradebook.db'}")
    echo(f"Report:       {build_report(run.out)}  (where the class struggles: python -m autograder report)")
    echo("Feedback:")
    for result in run.results:
        echo(f"   {result.feedback}")
    echo(f"Done in {time.monotonic() - started:.0f} s.")
    return 0
