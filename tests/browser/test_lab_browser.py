"""The student edition in JupyterLab, in Chromium: nbgrader's Validate button on a chapter,
nbgrader's menu without the instructor's tools, and a chapter's widget live once solved.

JupyterLab runs from the fresh student environment (tests/conftest.py's ``student_venv``: the
release's requirements.txt alone, instructor tools hidden) on a copy of the student edition.
Screenshots: ``<pytest's tmp folder>/lab-*.png``, named in the test's output.
"""

from __future__ import annotations

import shutil

import pytest

from fixtures import support

from .servers import start_lab

pytestmark = [pytest.mark.browser, pytest.mark.student]

CHAPTER = "01_feedforward"


@pytest.fixture(scope="module")
def lab(edition, student_venv, tmp_path_factory):
    root = tmp_path_factory.mktemp("lab-edition")
    shutil.copytree(edition / CHAPTER, root / CHAPTER)
    solved = support.solved_copy(edition, CHAPTER, tmp_path_factory.mktemp("solved"))
    shutil.copytree(solved, root / "solved")
    workdir = tmp_path_factory.mktemp("lab-server")
    server = start_lab(root, student_venv, workdir, support.clean_env(student_venv, workdir / "home"))
    yield server
    server.stop()


def _open_chapter(page, lab, folder=CHAPTER):
    # ?reset: a fresh workspace, so the tabs an earlier test opened (the blank chapter, of the
    # same name) are not restored beside this one.
    page.goto(f"{lab.url}lab/tree/{folder}/{CHAPTER}.ipynb?reset", timeout=90_000)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=90_000)


def test_nbgraders_menu_offers_the_assignment_list_and_no_instructor_tool(lab, page, tmp_path):
    _open_chapter(page, lab)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
    items = page.locator(".lm-Menu-content .lm-Menu-itemLabel").all_inner_texts()
    page.screenshot(path=tmp_path / "lab-menu.png")
    print(f"screenshot: {tmp_path / 'lab-menu.png'}")
    assert "Assignment List" in items
    assert not {"Formgrader", "Course List"} & set(items), items
    assert not page.get_by_text("Create Assignment").count()
    assert not page.errors, page.errors


def test_validate_on_the_blank_chapter_names_the_failing_exercises(lab, page, tmp_path):
    _open_chapter(page, lab)
    page.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    text = dialog.inner_text()
    page.screenshot(path=tmp_path / "lab-validate.png")
    print(f"screenshot: {tmp_path / 'lab-validate.png'}")
    assert "Validation Results" in text and "The following cell failed" in text
    for name in ("sigmoid", "relu", "softmax", "dense_forward", "softmax_cross_entropy"):
        assert f"in {name}(" in text, f"the Validate report does not name {name}"
    assert not page.errors, page.errors


def test_a_solved_chapters_explorer_is_live_in_the_students_jupyterlab(lab, page, tmp_path):
    """Run All on the solved chapter: the activation explorer appears and redraws when a
    control changes (the widget front end is in the student's environment)."""
    _open_chapter(page, lab, "solved")
    page.locator(".lm-MenuBar-itemLabel").get_by_text("Run", exact=True).click()
    page.locator(".lm-Menu-itemLabel").get_by_text("Run All Cells", exact=True).click()
    assert page.locator(".jp-NotebookPanel").count() == 1, "only the solved chapter is open"
    status = page.locator(".nn-activation-explorer .nn-status, .nn-explorer .nn-status").first
    try:
        status.wait_for(timeout=300_000)
    finally:
        page.screenshot(path=tmp_path / "lab-run-all.png")
        print(f"screenshot: {tmp_path / 'lab-run-all.png'}")
    status.scroll_into_view_if_needed()
    page.wait_for_function("el => el.textContent.includes('activation=ReLU')", arg=status.element_handle(),
                           timeout=60_000)
    before = status.inner_text()
    page.locator(".nn-activation select").first.select_option("tanh")
    page.wait_for_function("el => el.textContent.includes('activation=tanh')", arg=status.element_handle(),
                           timeout=60_000)
    page.locator(".nn-explorer").first.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "lab-explorer.png")
    print(f"screenshot: {tmp_path / 'lab-explorer.png'}")
    assert status.inner_text() != before
    assert not page.errors, page.errors
