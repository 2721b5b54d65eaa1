"""Feedback HTML for one graded notebook, with nothing of the hidden tests in it.

The page is nbgrader's feedback page (its ``feedback`` template, as ``nbgrader
generate_feedback`` renders it: total score, the graded cells with their points, the
notebook), through a template of the grader's own that extends it
(``autograder/templates/autograder_feedback``): at the top, the notes on the submission and
a table of its exercises, each named by its function (``Exercise 2: relu``), with its score
and what went wrong first; a written answer or task that a person grades shows "to be
graded by hand" until the gradebook has its score, and the comment written in the
formgrader under it; long lines wrap; images are drawn small. nbgrader's own feedback shows
the hidden tests verbatim, prints their lines in the tracebacks of failed asserts, and
ships the instructor's .py files next to the page. Here, before rendering:

- each test cell shows only what the student's release showed (hidden region removed);
- an error in a test cell shows its exception and message (``AssertionError: relu is
  wrong for negative inputs``), not the traceback; the error of a hidden region is already
  cut down to what a student may see (``autograder.disclosure``);
- widgets' state is dropped (it needs a live kernel);
- timeouts, memory errors, tracebacks and undrawn figures are made readable
  (``autograder.readable``: no frame of the grader's code, no path of the grading machine).

The outputs are shown as the kernel made them: no hidden line was ever in that kernel (the
hidden regions run later, in copies of it whose output is not kept: ``autograder.freeze``).
Only the HTML file is written; no other file goes to the feedback folder.
"""

from __future__ import annotations

import copy
import html
from functools import lru_cache
from pathlib import Path

from nbformat import NotebookNode

from autograder.assignment import Assignment
from autograder.cells import (cell_source, grade_id, is_code, is_graded, is_locked, is_manual, is_solution, is_task,
                              nbgrader_meta, points)
from autograder.readable import failure_message, make_readable
from autograder.status import is_notes_cell

__all__ = ["render_feedback", "render_problem_page", "page_entries", "TEMPLATES"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@lru_cache(maxsize=2)
def _exporter(quick: bool = True):
    """nbgrader's feedback exporter, configured as GenerateFeedback does (built once per process);
    ``quick``: a ``_QuickExporter`` (``Savings.quick_feedback``)."""
    import nbgrader
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from traitlets.config import Config

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    cfg = Config()
    cfg.HTMLExporter.template_name = "autograder_feedback"
    cfg.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(base / "templates")]
    # nbgrader's templates folder on the search path: ours extends 'feedback/index.html.j2'.
    cfg.HTMLExporter.extra_template_paths = [str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css"),
                                             str(base / "templates")]
    cfg.Exporter.default_preprocessors = []
    exporter = (_quick_exporter_class() if quick else _html_exporter_class())(config=cfg)
    exporter.register_preprocessor(CSSHTMLHeaderPreprocessor(config=cfg), enabled=True)
    return exporter


def _html_exporter_class():
    from nbconvert.exporters import HTMLExporter

    return HTMLExporter


@lru_cache(maxsize=1)
def _quick_exporter_class():
    """nbconvert's HTMLExporter that renders each markdown text and each code text once per
    process (a chapter's cells are the same on every page), and runs its accessibility pass
    (BeautifulSoup: alt texts of images, tab stops on JupyterLab's cell classes, which the
    classic template that nbgrader's feedback extends never writes) only on pages with an image."""
    import json

    from nbconvert.exporters import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    try:
        from jinja2 import pass_context
    except ImportError:  # jinja2 < 3
        from jinja2 import contextfilter as pass_context

    class QuickExporter(HTMLExporter):
        @pass_context
        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            key = (source, json.dumps(cell.get("attachments", {}), sort_keys=True, default=str),
                   str(context.get("resources", {}).get("metadata", {}).get("path", "")))
            return _cached(self.__dict__.setdefault("_markdown", {}), key,
                           lambda: HTMLExporter.markdown2html(self, context, source))

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", _CachedHighlight(Highlight2HTML(pygments_lexer=lexer, parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            if "<img" in html:
                return HTMLExporter.from_notebook_node(self, nb, resources, **kw)
            return html, resources

    return QuickExporter


def _cached(cache: dict, key, compute, size: int = 4096):
    """``cache[key]``, computed by ``compute()`` the first time; the cache is emptied when it
    holds ``size`` entries (students' own cells differ from page to page)."""
    if key not in cache:
        if len(cache) >= size:
            cache.clear()
        cache[key] = compute()
    return cache[key]


class _CachedHighlight:
    """A code highlighting filter that highlights each (text, language, lexer) once per process."""

    cache: dict = {}

    def __init__(self, highlight) -> None:
        self.highlight = highlight

    def __call__(self, source, language=None, metadata=None):
        key = (source, language, repr(metadata), self.highlight.pygments_lexer)
        return _cached(self.cache, key, lambda: self.highlight(source, language, metadata))


def warm_up() -> None:
    """Build the exporters and load their templates now (before worker processes are forked)."""
    from nbformat.v4 import new_notebook

    for quick in (True, False):
        _exporter(quick).from_notebook_node(new_notebook(), resources={
            "nbgrader": {"notebook": "warm-up", "score": 0, "max_score": 0, "late_penalty": 0},
            "autograder": {"entries": [], "cells": {}, "notes": [], "pending": 0}})


def _drop_widgets(output: NotebookNode) -> None:
    if output.output_type in ("display_data", "execute_result"):
        output.get("data", {}).pop(_WIDGET_VIEW, None)


def render_feedback(executed: NotebookNode, assignment: Assignment, scores: dict[str, float | None],
                    notes: list[str], quick: bool = True, comments: dict[str, str] | None = None,
                    cell_timeout: float | None = None, memory_gib: float | None = None) -> str:
    """The feedback page of an executed, scored notebook (``scores``: grade_id -> points, None
    where a person grades it and has not yet).

    comments: grade_id -> the comment a student sees under that cell (the formgrader's).
    cell_timeout, memory_gib: the limits the notebook ran under, named where it hit them.
    quick: render with the quick exporter (``Savings.quick_feedback``).
    """
    nb = copy.deepcopy(executed)
    nb.cells = [cell for cell in nb.cells if not is_notes_cell(cell)]  # the instructor's copy's notes
    nb.metadata.pop("widgets", None)
    released = {grade_id(cell): cell_source(cell) for cell in assignment.release_cells if grade_id(cell)}
    for cell in nb.cells:
        name = grade_id(cell)
        if name in released and is_locked(cell):
            # What the student was shown: the test without its hidden region.
            cell.source = released[name]
        if not is_code(cell):
            continue
        for output in cell.outputs:
            if output.output_type == "error" and is_graded(cell):
                output.traceback = [f"{output.ename}: {output.evalue}".rstrip(": ")]
            _drop_widgets(output)
        if is_solution(cell):
            nbgrader_meta(cell)["comment"] = None
    make_readable(nb, assignment.runtime, cell_timeout, memory_gib)
    entries = page_entries(nb, assignment, scores, comments or {})
    total = sum(s for s in scores.values() if s is not None)
    resources = {
        "nbgrader": {"notebook": assignment.notebook, "score": total, "max_score": assignment.max_score,
                     "late_penalty": 0},
        "autograder": {"entries": entries, "cells": {e["anchor"]: e for e in entries}, "notes": list(notes),
                       "pending": sum(e["points"] for e in entries if e["score"] is None)},
    }
    body, _ = _exporter(quick).from_notebook_node(nb, resources=resources)
    return body


def page_entries(nb: NotebookNode, assignment: Assignment, scores: dict[str, float | None],
                 comments: dict[str, str]) -> list[dict]:
    """One entry per graded cell of ``nb``, in its order, for the page's table: anchor
    (grade_id), title, score (None: a person grades it), points, message (what went wrong
    first), comment, state ("full", "lost" or "pending")."""
    exercise_of = {test: name for name, test in assignment.exercise_tests.items()}
    entries, number = [], 0
    for cell in nb.cells:
        name = grade_id(cell)
        if not is_graded(cell) or not name:
            continue
        score, most = scores.get(name), assignment.points.get(name, points(cell))
        if name in exercise_of:
            number += 1
            title = f"Exercise {number}: {exercise_of[name]}"
        elif is_task(cell):
            title = f"Task: {name}"
        elif is_manual(cell):
            title = f"{'Written answer' if not is_code(cell) else 'Answer graded by hand'}: {name}"
        else:
            title = f"Test: {name}"
        state = "pending" if score is None else "full" if score >= most else "lost"
        entries.append({"anchor": name, "title": title, "score": score, "points": most, "state": state,
                        "message": failure_message(cell, score, most), "comment": comments.get(name, "")})
    return entries


# What a student can do about a submission that could not be run, by its status.
_WHAT_TO_DO = {
    "invalid": "Open your notebook in Jupyter (JupyterLab or Notebook) and check that it opens and runs; save it "
               "(File, Save Notebook) and hand in that file, named {chapter}.ipynb, as it is: not renamed to "
               "another type, not copied into a text editor, not zipped with other notebooks. If it does not "
               "open, start again from the released {chapter}.ipynb and paste your answers into it.",
    "error": "The grader could not run your notebook. This may not be your fault: tell your instructor, with "
             "this page; they can grade it again.",
}


def render_problem_page(chapter: str, student: str, status: str, detail: str, max_score: float) -> str:
    """The page of a submission that could not be executed at all: what was wrong, what to do."""
    what = "Your notebook could not be read, so nothing in it was graded." if status == "invalid" else \
        f"Your notebook could not be graded ({status}), so nothing in it earned points."
    todo = _WHAT_TO_DO.get(status, _WHAT_TO_DO["error"]).format(chapter=chapter)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{chapter}</title>\n"
        "<style>body {{ font-family: sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.5; "
        "padding: 0 1em; }} .problem {{ background: #fcf8e3; border: 1px solid #faebcc; padding: 0.6em 1em; "
        "overflow-wrap: anywhere; }}</style></head><body>\n"
        "<h2>{chapter} (Score: 0 / {max_score:g})</h2>\n<p>Submission of <b>{student}</b>: {status}.</p>\n"
        "<p>{what}</p>\n<div class=\"problem\"><b>What was wrong:</b> {detail}</div>\n"
        "<h3>What to do</h3>\n<p>{todo}</p>\n</body></html>\n"
    ).format(chapter=html.escape(chapter), student=html.escape(student), status=html.escape(status),
             detail=html.escape(detail), max_score=max_score, what=html.escape(what), todo=html.escape(todo))
