"""The instructor's report page (``python -m autograder report``) in Debian's Chromium.

Built from the Canvas course of ``fixtures.lms_courses`` (one failure message made very long,
to check that it wraps); the test saves a screenshot at a laptop's width and at a narrow one
and prints their paths.
"""

from __future__ import annotations

import json
import shutil

import pytest

from autograder.report import build_report
from fixtures import lms_courses

pytestmark = pytest.mark.grading

LONG = "expected " + "0123456789abcdef" * 40  # one word of 649 characters


@pytest.fixture(scope="module")
def report_html(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report") / "canvas_course"
    shutil.copytree(lms_courses.courses(tmp_path_factory) / "canvas_course", folder)
    path = folder / "autograded" / "ben" / lms_courses.CH1 / f"{lms_courses.CH1}.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_relu":
            cell["outputs"] = [{"output_type": "error", "ename": "AssertionError", "evalue": LONG, "traceback": []}]
    path.chmod(0o644)
    path.write_text(json.dumps(nb), encoding="utf-8")
    return build_report(folder).read_text(encoding="utf-8")


@pytest.mark.parametrize("width", [1100, 640])
def test_the_report_shows_its_figures_and_tables_without_overflowing(report_html, page, tmp_path, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.set_content(report_html)
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])")
    assert len(images) == 4, images  # two chapters: a distribution and full marks per exercise each
    assert all(complete and natural > 100 for complete, natural, _ in images), images
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if width >= 1000:  # at a laptop's width the student table fits without its scroll bar
        assert page.evaluate("(e => e.scrollWidth <= e.clientWidth)(document.querySelector('.scroll'))")
    shot = tmp_path / f"report-{width}.png"
    page.screenshot(path=shot, full_page=True)
    print(f"screenshot: {shot}")
    exercises = page.locator("#chapter-01_feedforward table.exercises tbody tr")
    assert exercises.count() == 3
    sigmoid = exercises.nth(0).inner_text()
    assert "sigmoid" in sigmoid and "50%" in sigmoid
    assert "AssertionError: sigmoid is wrong for large or small inputs" in sigmoid
    assert "NotImplementedError (not answered)" in sigmoid
    assert "AssertionError: expected " in exercises.nth(1).inner_text()  # the long one, cut and wrapped
    students = page.locator("table.students tbody tr")
    assert students.count() == 7  # the roster's six, and gus, graded but not on it
    assert "late −0.5" in students.nth(1).inner_text()  # ben: Canvas's LATE marker, a day's penalty
    assert "missing" in students.nth(4).inner_text()  # eve
    backprop = page.locator("#chapter-02_backprop")
    assert backprop.locator("table.exercises").inner_text().count("no failure") == 2
    assert "gus invalid" in backprop.locator("details.attention li").inner_text()  # open, with its reason
    assert "not valid JSON" in backprop.locator("details.attention li").inner_text()
