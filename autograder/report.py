"""``python -m autograder report``: the instructor's page after grading, where the class struggles.

One self-contained HTML page (figures drawn with matplotlib, embedded as PNG; nothing fetched)
built from a grading folder: for each chapter, its score distribution, each exercise's share
of submissions with full marks and with none, the most common failure messages of each
exercise (read from the executed notebooks in ``autograded/``, numbers in them replaced by
"#" so that the same mistake with other values counts once), the statuses (timeouts, flags,
missing, late, ...) and the submissions to look at with their reasons; then a row per student. Gradescope's question statistics are the model.
The page holds the hidden tests' messages: it is for the instructor, not for students.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from autograder.course import CHAPTERS
from autograder.export import read_grades
from autograder.files import write_atomic
from autograder.lms import CANVAS_LATE_NOTE
from autograder.roster import MISSING, kept_roster

__all__ = ["build_report", "failure_message", "ChapterStats", "chapter_stats", "TOP_MESSAGES"]

TOP_MESSAGES = 3  # failure messages listed per exercise
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MESSAGE_CHARS = 200
_DETAIL_CHARS = 400  # of a status's reason in the list of submissions to look at


@dataclass
class ExerciseStats:
    """One graded cell of a chapter: its grade id, points, how many submissions got full marks
    and none, of how many, and the failure messages with their counts."""

    grade_id: str
    max_score: float
    full: int = 0
    zero: int = 0
    graded: int = 0
    messages: Counter = field(default_factory=Counter)

    @property
    def name(self) -> str:
        """The exercise's name: the function its test cell (``test_<name>``) checks."""
        return self.grade_id.removeprefix("test_")


@dataclass
class ChapterStats:
    """One chapter: the score shares (0 to 1) of the submissions, the statuses, the late ones,
    its exercises in notebook order, and the submissions to look at: (student, status,
    detail) of each one neither plainly graded nor missing."""

    chapter: str
    max_score: float
    shares: list[float]
    statuses: Counter
    late: int
    exercises: list[ExerciseStats]
    attention: list[tuple[str, str, str]]


def failure_message(output: dict) -> str:
    """How the report names a failed test's error output: ``Name: first line``, numbers as "#"."""
    ename = str(output.get("ename") or "Error")
    first = str(output.get("evalue") or "").strip().splitlines()
    text = f"{ename}: {first[0]}" if first else ename
    if ename == "NotImplementedError":
        return "NotImplementedError (not answered)"
    text = _NUMBER.sub("#", text)
    return text if len(text) <= _MESSAGE_CHARS else text[: _MESSAGE_CHARS - 1] + "…"


def _is_late(row: dict[str, str]) -> bool:
    """A grades.csv row of a late submission: hours after its due date, or the LMS's late marker."""
    return float(row["hours_late"] or 0) > 0 or CANVAS_LATE_NOTE in row["detail"]


def _failures(folder: Path, student: str, chapter: str) -> dict[str, str]:
    """grade id -> the failure message of each failed test cell of the executed notebook."""
    path = folder / "autograded" / student / chapter / f"{chapter}.ipynb"
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return {}
    found = {}
    for cell in cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if meta.get("grade") and errors:
            found[meta.get("grade_id", "")] = failure_message(errors[0])
    return found


def _detail(folder: Path) -> list[dict[str, str]]:
    path = folder / "grades_detail.csv"
    if not path.is_file():
        return []
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def chapter_stats(folder: Path) -> list[ChapterStats]:
    """The statistics of each chapter graded into ``folder``, in course order."""
    folder = Path(folder)
    rows, detail = read_grades(folder), _detail(folder)
    stats = []
    for chapter in [c for c in CHAPTERS if any(r["chapter"] == c for r in rows)]:
        mine = [r for r in rows if r["chapter"] == chapter]
        max_score = float(mine[0]["max_score"] or 0)
        submitted = [r for r in mine if r["status"] != MISSING]
        exercises: dict[str, ExerciseStats] = {}
        for d in (d for d in detail if d["chapter"] == chapter):
            ex = exercises.setdefault(d["grade_id"], ExerciseStats(d["grade_id"], float(d["max_score"] or 0)))
            if d["score"] == "":
                continue  # a written answer that waits for a person: neither full marks nor none yet
            score = float(d["score"])
            ex.graded += 1
            ex.full += score >= ex.max_score
            ex.zero += score == 0
        for r in submitted:
            for grade_id, message in _failures(folder, r["student"], chapter).items():
                if grade_id in exercises:
                    exercises[grade_id].messages[message] += 1
        shares = [float(r["score"]) / max_score if max_score else 0.0 for r in submitted]
        late = sum(1 for r in mine if _is_late(r))
        attention = [(r["student"], r["status"], r["detail"]) for r in mine if r["status"] not in ("graded", MISSING)]
        stats.append(ChapterStats(chapter, max_score, shares, Counter(r["status"] for r in mine), late,
                                  list(exercises.values()), attention))
    return stats


def _png(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _distribution(stats: ChapterStats) -> str:
    """A histogram of the chapter's scores (percent of its points), with the median."""
    import matplotlib.pyplot as plt
    import numpy as np

    figure, ax = plt.subplots(figsize=(5.2, 2.8))
    percents = np.array(stats.shares) * 100
    ax.hist(percents, bins=np.linspace(0, 100, 11), color="#4C72B0", edgecolor="white")
    if len(percents):
        median = float(np.median(percents))
        ax.axvline(median, color="#C44E52", linestyle="--", label=f"median {median:.0f}%")
        ax.legend(loc="upper left", frameon=False)
    ax.set_xlim(0, 100)
    ax.set_xlabel("score (% of the chapter's points)")
    ax.set_ylabel("submissions")
    ax.set_title(f"{stats.chapter}: {len(percents)} submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(figure)


def _full_marks(stats: ChapterStats) -> str:
    """Horizontal bars: each exercise's share of submissions with full marks (and with none)."""
    import matplotlib.pyplot as plt
    import numpy as np

    names = [ex.name for ex in stats.exercises]
    figure, ax = plt.subplots(figsize=(5.2, 0.6 + 0.32 * max(1, len(names))))
    y = np.arange(len(names))
    full = [100 * ex.full / ex.graded if ex.graded else 0 for ex in stats.exercises]
    zero = [100 * ex.zero / ex.graded if ex.graded else 0 for ex in stats.exercises]
    ax.barh(y, full, color="#55A868", label="full marks")
    ax.barh(y, zero, left=[100 - z for z in zero], color="#C44E52", label="no points")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of submissions")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    return _png(figure)


def _e(text) -> str:
    return html.escape(str(text))


def _chapter_section(stats: ChapterStats) -> str:
    statuses = ", ".join(f"{_e(status)} {count}" for status, count in sorted(stats.statuses.items()))
    rows = []
    for ex in stats.exercises:
        top = ex.messages.most_common(TOP_MESSAGES)
        messages = "".join(f"<li><span class='count'>{count}</span> <code>{_e(message)}</code></li>"
                           for message, count in top) or "<li class='none'>no failure</li>"
        share = f"{100 * ex.full / ex.graded:.0f}%" if ex.graded else "-"
        rows.append(f"<tr><td><b>{_e(ex.name)}</b><br><span class='muted'>{ex.max_score:g} pt</span></td>"
                    f"<td class='num'>{share}</td><td class='num'>{ex.zero}</td><td><ul>{messages}</ul></td></tr>")
    mean = f"{100 * sum(stats.shares) / len(stats.shares):.0f}%" if stats.shares else "-"
    return f"""
<section id="chapter-{_e(stats.chapter)}">
<h2>{_e(stats.chapter)} <span class="muted">({stats.max_score:g} points)</span></h2>
<p>Submissions: {len(stats.shares)}; mean score {mean}; late: {stats.late}. Statuses: {statuses}.</p>
<div class="figures"><img alt="score distribution of {_e(stats.chapter)}" src="{_distribution(stats)}">
<img alt="full marks per exercise of {_e(stats.chapter)}" src="{_full_marks(stats)}"></div>
<table class="exercises"><thead><tr><th>exercise</th><th>full marks</th><th>no points</th>
<th>most common failures (count)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>
{_attention(stats)}
</section>"""


def _attention(stats: ChapterStats) -> str:
    """The submissions to look at (timeouts, flags, errors, unreadable files), with their reasons."""
    if not stats.attention:
        return ""
    items = "".join(f"<li><b>{_e(student)}</b> <span class='status {_e(status)}'>{_e(status)}</span> "
                    f"{_e(detail[:_DETAIL_CHARS] + ('…' if len(detail) > _DETAIL_CHARS else ''))}</li>"
                    for student, status, detail in stats.attention)
    opened = " open" if len(stats.attention) <= 20 else ""
    return (f"<details class='attention'{opened}><summary>To look at: {len(stats.attention)} submission(s) "
            f"neither plainly graded nor missing</summary><ul>{items}</ul></details>")


def _students_section(folder: Path, chapters: list[str]) -> str:
    rows = read_grades(folder)
    cell = {(r["student"], r["chapter"]): r for r in rows}
    roster = kept_roster(folder) or []
    names = {s.student_id: s.name for s in roster}
    students = [s.student_id for s in roster] + sorted({r["student"] for r in rows} - set(names))
    head = "".join(f"<th>{_e(c.replace('_', ' ', 1))}</th>" for c in chapters)
    body = []
    for student in students:
        cells, total, maximum = [], 0.0, 0.0
        for chapter in chapters:
            r = cell.get((student, chapter))
            if r is None:
                cells.append("<td class='num'>-</td>")
                continue
            total += float(r["score"])
            maximum += float(r["max_score"])
            note = "" if r["status"] == "graded" else f" <span class='status {_e(r['status'])}'>{_e(r['status'])}</span>"
            if _is_late(r):
                penalty = float(r["penalty"] or 0)
                note += f" <span class='status late'>late{f' −{penalty:g}' if penalty else ''}</span>"
            cells.append(f"<td title='{_e(r['detail'])}'><span class='num'>{float(r['score']):g}/"
                         f"{float(r['max_score']):g}</span>{note}</td>")
        body.append(f"<tr><td>{_e(student)}</td><td>{_e(names.get(student, ''))}</td>{''.join(cells)}"
                    f"<td class='num'>{total:g}/{maximum:g}</td></tr>")
    return f"""
<section id="students"><h2>Students</h2>
<div class="scroll"><table class="students"><thead><tr><th>student</th><th>name</th>{head}<th>total</th></tr></thead>
<tbody>{''.join(body)}</tbody></table></div></section>"""


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 72em; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
.muted { color: #777; font-weight: normal; font-size: 0.9em; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.figures img { max-width: calc(50% - 0.5em); height: auto; }
@media (max-width: 800px) { .figures img { max-width: 100%; } }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 0.8em 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.35em 0.5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num, span.num { white-space: nowrap; }
ul { margin: 0; padding-left: 1.1em; } li { overflow-wrap: anywhere; }
code { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.9em; }
.count { display: inline-block; min-width: 2em; font-weight: bold; }
.none { color: #777; list-style: none; }
.status { font-size: 0.8em; padding: 0 0.3em; border-radius: 3px; background: #fde3c8; }
.status.missing { background: #eee; } .status.late { background: #f9d0d0; }
.attention li { margin: 0.2em 0; } summary { cursor: pointer; font-weight: bold; }
"""


def build_report(folder: Path, out_file: Path | None = None) -> Path:
    """Write the report of the grading folder ``folder`` to ``out_file`` (default
    ``folder/report.html``); return its path."""
    import matplotlib

    matplotlib.use("Agg")
    folder = Path(folder)
    stats = chapter_stats(folder)
    chapters = [s.chapter for s in stats]
    contents = " · ".join(f"<a href='#chapter-{_e(c)}'>{_e(c)}</a>" for c in chapters) + " · <a href='#students'>students</a>"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Grading report: {_e(folder.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_STYLE}</style></head>
<body><h1>Grading report</h1><p class="muted">{_e(folder)} · {contents}</p>
{''.join(_chapter_section(s) for s in stats)}
{_students_section(folder, chapters)}
</body></html>
"""
    return write_atomic(Path(out_file) if out_file else folder / "report.html", page)
