"""Feedback HTML for one graded notebook, with nothing of the hidden tests in it.

The page is nbgrader's feedback page (its ``feedback`` template, as ``nbgrader
generate_feedback`` renders it: total score, a table of test cells with their points, the
notebook). nbgrader's own feedback shows the hidden tests verbatim, prints their lines in
the tracebacks of failed asserts, and ships the instructor's .py files next to the page.
Here, before rendering:

- each test cell shows only what the student's release showed (hidden region removed);
- an error in a test cell shows its exception and message (``AssertionError: relu is
  wrong for negative inputs``), not the traceback; the error of a hidden region is already
  cut down to what a student may see (``autograder.disclosure``);
- widgets' state is dropped (it needs a live kernel).

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
from autograder.cells import cell_source, grade_id, is_code, is_graded, is_locked, is_solution, nbgrader_meta, points

__all__ = ["render_feedback", "render_problem_page"]

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
    cfg.HTMLExporter.template_name = "feedback"
    cfg.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    cfg.HTMLExporter.extra_template_paths = [str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
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
            "nbgrader": {"notebook": "warm-up", "score": 0, "max_score": 0, "late_penalty": 0}})


def _drop_widgets(output: NotebookNode) -> None:
    if output.output_type in ("display_data", "execute_result"):
        output.get("data", {}).pop(_WIDGET_VIEW, None)


def render_feedback(executed: NotebookNode, assignment: Assignment, scores: dict[str, float | None],
                    notes: list[str], quick: bool = True) -> str:
    """The feedback page of an executed, scored notebook (``scores``: grade_id -> points).

    quick: render with the quick exporter (``Savings.quick_feedback``).
    """
    nb = copy.deepcopy(executed)
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
        meta = nbgrader_meta(cell)  # nbgrader's template shows the score and points written here
        if is_graded(cell):
            meta["score"] = scores.get(name)
            meta["points"] = assignment.points.get(name, points(cell))
        if is_solution(cell):
            meta["comment"] = None
    if notes:
        from nbformat.v4 import new_markdown_cell

        text = "**Grading notes**\n\n" + "\n".join(f"- {html.escape(note)}" for note in notes)
        nb.cells.insert(0, new_markdown_cell(text))
    total = sum(s for s in scores.values() if s is not None)
    resources = {"nbgrader": {"notebook": assignment.notebook, "score": total,
                              "max_score": assignment.max_score, "late_penalty": 0}}
    body, _ = _exporter(quick).from_notebook_node(nb, resources=resources)
    return body


def render_problem_page(chapter: str, student: str, status: str, detail: str, max_score: float) -> str:
    """A short page for a submission that could not be executed at all."""
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{chapter}</title></head><body>\n"
        "<h2>{chapter} (Score: 0 / {max_score:g})</h2>\n<p>Submission of <b>{student}</b>: {status}.</p>\n"
        "<p>{detail}</p>\n</body></html>\n"
    ).format(chapter=html.escape(chapter), student=html.escape(student), status=html.escape(status),
             detail=html.escape(detail), max_score=max_score)
