"""How long each solved chapter notebook takes to execute top to bottom (not a test).

Runs every existing chapter notebook with nbclient against its student build of nnlib (as
the tests do), a few times, and prints the wall time of each run, the median, and the
ratio to the 60 s budget per chapter. Also prints the cost of an empty notebook (kernel
start and stop) measured in the same run, as the floor every notebook pays.

    .venv/bin/python bench/notebooks.py [--repeat 2] [CHAPTER ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import nbharness as h  # noqa: E402

BUDGET_S = 60.0


def _time(nb, chapter: str) -> float:
    start = time.perf_counter()
    h.execute(nb, chapter, timeout=300)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="*", help="chapters to time (default: all present)")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    chapters = args.chapters or h.present_chapters()
    if not chapters:
        sys.exit("no chapter notebook found under notebooks/")

    empty = nbformat.v4.new_notebook()
    empty.cells = [nbformat.v4.new_code_cell("import numpy as np")]
    floor = statistics.median(_time(empty, chapters[0]) for _ in range(args.repeat))
    print(f"kernel start + numpy import + stop: {floor:.2f} s (median of {args.repeat})\n")
    print(f"{'chapter':<20} {'runs (s)':<24} {'median (s)':>10} {'/ 60 s budget':>14}")
    for chapter in chapters:
        nb = h.load(chapter)
        runs = [_time(nb, chapter) for _ in range(args.repeat)]
        median = statistics.median(runs)
        print(f"{chapter:<20} {', '.join(f'{r:.1f}' for r in runs):<24} {median:>10.1f} {median / BUDGET_S:>14.2f}")


if __name__ == "__main__":
    main()
