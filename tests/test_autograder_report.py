"""The numbers of the instructor's report (``autograder.report``), on the Canvas course of
``fixtures.lms_courses``; tests/browser/test_report_browser.py looks at the page itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

from autograder.report import chapter_stats, failure_message
from fixtures import lms_courses

pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def canvas_course(tmp_path_factory):
    return lms_courses.courses(tmp_path_factory) / "canvas_course"


def test_failure_messages_count_the_same_mistake_with_other_values_once():
    one = failure_message({"ename": "AssertionError", "evalue": "dW has shape (3, 4), expected (4, 3)\nmore"})
    two = failure_message({"ename": "AssertionError", "evalue": "dW has shape (5, 2), expected (2, 5)"})
    assert one == two == "AssertionError: dW has shape (#, #), expected (#, #)"
    assert failure_message({"ename": "ValueError", "evalue": "x1 is -1.5e-3 off"}) == "ValueError: x1 is # off"
    assert failure_message({"ename": "NotImplementedError", "evalue": ""}) == "NotImplementedError (not answered)"
    assert len(failure_message({"ename": "E", "evalue": "y" * 1000})) == 200


def test_chapter_statistics_match_the_grades(canvas_course):
    first, second = chapter_stats(canvas_course)
    assert (first.chapter, first.max_score, sorted(first.shares)) == (lms_courses.CH1, 5, [0, 0.5, 0.9, 1])
    assert dict(first.statuses) == {"graded": 4, "missing": 2}
    assert first.late == 2  # Canvas's LATE marker on ben and dan
    by_name = {ex.name: ex for ex in first.exercises}
    assert [ex.name for ex in first.exercises] == ["sigmoid", "relu", "softmax"]
    assert (by_name["sigmoid"].full, by_name["sigmoid"].zero, by_name["sigmoid"].graded) == (2, 2, 4)
    assert by_name["sigmoid"].messages == {"AssertionError: sigmoid is wrong for large or small inputs": 1,
                                           "NotImplementedError (not answered)": 1}
    assert (by_name["relu"].full, by_name["relu"].zero) == (3, 1)
    assert second.late == 2  # cara and dan by their timestamps; ben within the grace period
    assert sorted(second.shares) == pytest.approx([0, 0.5, 0.8, 1, 1])  # gus's invalid file too
    assert dict(second.statuses) == {"graded": 4, "invalid": 1, "missing": 2}
    assert [(student, status) for student, status, _ in second.attention] == [("gus", "invalid")]
    assert "not valid JSON" in second.attention[0][2]
    assert first.attention == []


def test_the_report_command_writes_the_page_where_asked(canvas_course, tmp_path):
    out = tmp_path / "term.html"
    done = subprocess.run([sys.executable, "-m", "autograder", "report", "--from", str(canvas_course), "--out", str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    text = out.read_text(encoding="utf-8")
    assert text.count("data:image/png;base64,") == 4 and "http" not in text
