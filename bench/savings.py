"""What the savings save, and the no-difference proof on every mutated notebook of the course.

    .venv/bin/python bench/savings.py [CHAPTER ...] [--jobs 2] [--source DIR]

For each chapter (default: every chapter with a source notebook and a
``tests/mutations/<chapter>.py``), grades one batch of whole notebooks: the solved one, the
blank release and one per listed mistake (``autograder.samples.mutation_batch``; 269 for the
six chapters), twice with ``--jobs N``: with every saving (``autograder.savings``) and with
none (teaching cells run, a cold kernel per notebook, nbconvert's own feedback page). Prints
seconds per notebook of each and their ratio, and compares the two tables: every student's
score and status and every cell's score must be the same. Exits 1, naming the students,
where they are not. tests/test_autograder_mutations.py grades the first mistake of each
exercise both ways; this grades all of them (about 30 minutes on a shared 2-core machine).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from autograder.course import NOTEBOOKS_DIR  # noqa: E402
from autograder.grading import grade  # noqa: E402
from autograder.limits import Limits  # noqa: E402
from autograder.release import present_chapters, release  # noqa: E402
from autograder.samples import MUTATIONS_DIR, load_mutations, mutation_batch, write_submission  # noqa: E402
from autograder.savings import Savings  # noqa: E402

VARIANTS = {"every saving": Savings(),
            "none": Savings(skip_teaching=False, warm_kernel=False, lean_kernel=False, fork_kernel=False,
                     quick_feedback=False)}


def _table(out: Path) -> dict[str, tuple]:
    """student -> (score, status, ((grade_id, score), ...))."""
    with open(out / "grades_detail.csv", newline="") as handle:
        cells: dict[str, list] = {}
        for row in csv.DictReader(handle):
            cells.setdefault(row["student"], []).append((row["grade_id"], row["score"]))
    with open(out / "grades.csv", newline="") as handle:
        return {row["student"]: (row["score"], row["status"], tuple(sorted(cells.get(row["student"], []))))
                for row in csv.DictReader(handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", metavar="CHAPTER")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--source", type=Path, default=NOTEBOOKS_DIR)
    args = parser.parse_args()
    chapters = args.chapters or [c for c in present_chapters(args.source) if load_mutations(c, MUTATIONS_DIR)]
    print(f"{'chapter':20}{'notebooks':>10}{'every saving s/nb':>19}{'none s/nb':>11}{'none/every':>12}  same grades")
    different = []
    totals = {name: 0.0 for name in VARIANTS}
    count = 0
    with tempfile.TemporaryDirectory(prefix="bench-savings-") as tmp:
        tmp = Path(tmp)
        for chapter in chapters:
            folder = release([chapter], tmp / "release", args.source)[chapter]
            blank = nbformat.read(folder / f"{chapter}.ipynb", as_version=4)
            source = nbformat.read(args.source / chapter / f"{chapter}.ipynb", as_version=4)
            batch = mutation_batch(blank, source, load_mutations(chapter, MUTATIONS_DIR))
            for student, nb in batch.items():
                write_submission(tmp / chapter, student, chapter, nb)
            seconds, tables = {}, {}
            for name, savings in VARIANTS.items():
                out = tmp / f"{chapter}-{name.replace(' ', '-')}"
                started = time.perf_counter()
                grade(tmp / chapter, out, jobs=args.jobs, source_dir=args.source, progress=False,
                      limits=Limits(cell_timeout=120), savings=savings)
                seconds[name] = time.perf_counter() - started
                totals[name] += seconds[name]
                tables[name] = _table(out)
            count += len(batch)
            every, none = tables["every saving"], tables["none"]
            wrong = sorted(s for s in set(every) | set(none) if every.get(s) != none.get(s))
            different += [f"{chapter}/{s}: every saving {every.get(s)}, none {none.get(s)}" for s in wrong]
            if set(every) != set(batch):
                different.append(f"{chapter}: graded {len(every)} of {len(batch)} submissions")
            n = len(batch)
            print(f"{chapter:20}{n:>10}{seconds['every saving'] / n:>19.2f}{seconds['none'] / n:>11.2f}"
                  f"{seconds['none'] / seconds['every saving']:>11.2f}x  {'yes' if not wrong else f'NO ({len(wrong)})'}",
                  flush=True)
    print(f"{'all':20}{count:>10}{totals['every saving'] / count:>19.2f}{totals['none'] / count:>11.2f}"
          f"{totals['none'] / totals['every saving']:>11.2f}x  {'yes' if not different else 'NO'}")
    if different:
        sys.exit("\n".join(different))


if __name__ == "__main__":
    main()
