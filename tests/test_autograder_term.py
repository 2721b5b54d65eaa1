"""Running a term: written answers graded by hand, nbgrader's own tools on the grader's folder,
feedback pages a student can read.

A source chapter built here (the fixture's chapter 1 with a written answer, an answer in
code graded by hand and a task) is graded once into a course folder whose
``nbgrader_config.py`` an instructor wrote first; the tests then grade by hand through
nbgrader's API, make the pages again with ``python -m autograder feedback``, re-grade,
release the feedback with ``nbgrader release_feedback``, and read the pages.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell

from autograder.cells import grade_id
from autograder.grading import grade
from autograder.limits import Limits
from autograder.release import release
from autograder.samples import solved
from fixtures import support

pytestmark = pytest.mark.grading

CHAPTER = "01_feedforward"
LIMITS = Limits(cell_timeout=6)
WRITTEN = "why_shift"
CODED = "plot_activation"
TASK = "task_describe"
ANSWER = "Because exp overflows for large logits; subtracting the row's max leaves every ratio as it was."
COMMENT = "Right idea: say also why the ratios stay the same."
# An ordinary cell of a student: a figure, a very long line, an error inside the student's own function.
MESSY_CELL = '''import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
plt.figure()
plt.plot([1, 2])
print("x" * 3000)
def shapes_clash(a):
    return sigmoid(a) @ np.ones((5, 5))
shapes_clash(np.ones((2, 3)))'''
SLOW_RELU = "def relu(z):\n    import time\n    time.sleep(100)\n"
CONFIG = '''# The instructor's own nbgrader configuration.
c = get_config()
c.CourseDirectory.course_id = "nncourse"
c.Exchange.root = {exchange!r}
'''


def _meta(name: str, **flags) -> dict:
    meta = {"schema_version": 3, "grade": False, "solution": False, "locked": False, "grade_id": name}
    meta.update(flags)
    return {"nbgrader": meta}


def write_source(folder):
    """The fixture's chapter 1 with a written answer (3 points), an answer in code graded by
    hand (2) and a task (1), nbgrader's own cell kinds; return the source notebook."""
    nb = support.source_notebook(support.FIXTURE_NOTEBOOKS, CHAPTER)
    nb.cells[-1:-1] = [
        new_markdown_cell("Why does softmax subtract each row's max?", metadata=_meta("ask_why", locked=True)),
        new_markdown_cell("YOUR ANSWER HERE", metadata=_meta(WRITTEN, grade=True, solution=True, points=3)),
        new_code_cell(f"def {CODED}():\n    ### BEGIN SOLUTION\n    return 'a plot'\n    ### END SOLUTION",
                      metadata=_meta(CODED, grade=True, solution=True, points=2)),
        new_markdown_cell("Describe what the demonstration above prints.",
                          metadata=_meta(TASK, task=True, locked=True, points=1)),
    ]
    (folder / CHAPTER).mkdir(parents=True)
    nbformat.write(nb, folder / CHAPTER / f"{CHAPTER}.ipynb")
    return nb


def _with(nb, name: str, source: str):
    out = copy.deepcopy(nb)
    support.cell(out, name).source = source
    return out


def _submit(subs, student: str, nb=None, raw: str | None = None, secret: str | None = None) -> None:
    folder = subs / student / CHAPTER
    folder.mkdir(parents=True)
    if raw is not None:
        (folder / f"{CHAPTER}.ipynb").write_text(raw)
    else:
        nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    (folder / "timestamp.txt").write_text("2026-03-01 09:30:00.000000 UTC")
    if secret:
        (folder / "submission_secret.txt").write_text(secret)


def _grade_term(root) -> None:
    source = write_source(root / "source")
    rel = release([CHAPTER], root / "release", root / "source")
    blank = nbformat.read(rel[CHAPTER] / f"{CHAPTER}.ipynb", as_version=4)
    answered = _with(solved(blank, source), WRITTEN, ANSWER)
    messy = copy.deepcopy(answered)
    messy.cells.insert(messy.cells.index(support.cell(messy, "test_softmax")) + 1, new_code_cell(MESSY_CELL))
    messy = _with(messy, "relu", SLOW_RELU)
    subs = root / "submitted"
    _submit(subs, "alice", answered, secret="alice-secret-" + "0" * 40)
    _submit(subs, "bob", blank)
    _submit(subs, "carol", raw="{ this is not a notebook")
    _submit(subs, "dave", messy)
    out = root / "out"
    out.mkdir()
    (root / "exchange").mkdir()
    (out / "nbgrader_config.py").write_text(CONFIG.format(exchange=str(root / "exchange")))
    grade(subs, out, source_dir=root / "source", jobs=2, limits=LIMITS, progress=False)


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    return support.computed_once(tmp_path_factory, "term-batch", _grade_term)


def _copy_course(term: Path, out: Path) -> None:
    """A copy of the shared course folder for a test that changes it. SQLite's ``-wal`` and
    ``-shm`` files exist only while a test on another worker reads the shared gradebook (the
    last connection folds them back in), so they are left out of the copy."""
    shutil.copytree(term / "out", out, ignore=shutil.ignore_patterns("*.db-wal", "*.db-shm"))


def _gradebook(out):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{out / 'gradebook.db'}", "nncourse")


def _rows(out) -> dict:
    return {r["student"]: r for r in support.table(out / "grades.csv")}


def test_written_answers_and_tasks_are_left_to_a_person_and_never_fail_grading(term):
    rows = _rows(term / "out")
    assert {s: rows[s]["status"] for s in rows} == {"alice": "graded", "bob": "graded", "carol": "invalid",
                                                     "dave": "timeout"}
    assert rows["alice"]["score"] == "5" and rows["alice"]["max_score"] == "11"  # 5 autograded + 3 + 2 + 1 by hand
    with _gradebook(term / "out") as gb:
        alice = gb.find_submission_notebook(CHAPTER, CHAPTER, "alice")
        grades = {g.name: g for g in alice.grades}
        assert alice.needs_manual_grade, "the formgrader lists it as needing grading by hand"
        for name in (WRITTEN, CODED, TASK):
            assert grades[name].auto_score is None and grades[name].needs_manual_grade, name
        assert not grades["test_relu"].needs_manual_grade and grades["test_relu"].auto_score == 1
        bob = {g.name: g for g in gb.find_submission_notebook(CHAPTER, CHAPTER, "bob").grades}
        # nbgrader's rule: an answer left as released scores 0 with no person needed; a task always needs one.
        assert bob[WRITTEN].auto_score == 0 and not bob[WRITTEN].needs_manual_grade
        assert bob[TASK].needs_manual_grade
        comment = gb.find_comment(WRITTEN, CHAPTER, CHAPTER, "bob")
        assert comment.auto_comment == "No response."


def test_the_page_says_what_waits_for_a_person(term):
    text = support.html_text(term / "out" / "feedback" / "alice" / CHAPTER / f"{CHAPTER}.html")
    assert f"Written answer: {WRITTEN}" in text and f"Task: {TASK}" in text
    assert "to be graded by hand / 3.0" in text and "+ 6.0 points to be graded by hand" in text
    assert ANSWER in text


def _graded_by_hand_copy(term, tmp_path):
    """A copy of the graded course folder in which a TA gave alice's written answer 2.5 of 3
    points with a comment, through nbgrader's API (what the formgrader calls)."""
    out = tmp_path / "out"
    _copy_course(term, out)
    with _gradebook(out) as gb:
        gb.find_grade(WRITTEN, CHAPTER, CHAPTER, "alice").manual_score = 2.5
        gb.find_comment(WRITTEN, CHAPTER, CHAPTER, "alice").manual_comment = COMMENT
        gb.db.commit()
    return out


def _no_hidden_test(page, term) -> None:
    hidden = support.secret_lines(support.source_notebook(term / "source", CHAPTER))[0]
    text = support.html_text(page)
    assert hidden and not [line for line in hidden if line in text] and "HIDDEN TESTS" not in text


def test_manual_grades_reach_the_page_and_survive_a_regrade(term, tmp_path):
    out = _graded_by_hand_copy(term, tmp_path)
    page = out / "feedback" / "alice" / CHAPTER / f"{CHAPTER}.html"
    done = subprocess.run([sys.executable, "-m", "autograder", "feedback", "--out", str(out), "--student", "alice"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 feedback page(s) written" in done.stdout
    for when in ("after `autograder feedback`", "after a re-grade"):
        text = support.html_text(page)
        assert "(Score: 7.5 / 11.0)" in text and "2.5 / 3.0" in text, when
        assert "+ 3.0 points to be graded by hand" in text, f"the coded answer and the task still wait, {when}"
        assert COMMENT in text, when
        _no_hidden_test(page, term)
        grade(term / "submitted", out, source_dir=term / "source", jobs=1, limits=LIMITS, progress=False,
              force=True, chapters=[CHAPTER])
    assert _rows(out)["alice"]["score"] == "7.5"
    with _gradebook(out) as gb:
        grade_ = gb.find_grade(WRITTEN, CHAPTER, CHAPTER, "alice")
        assert grade_.manual_score == 2.5 and grade_.needs_manual_grade, "kept, and marked for review as nbgrader does"
        assert gb.find_comment(WRITTEN, CHAPTER, CHAPTER, "alice").manual_comment == COMMENT


def test_the_instructors_nbgrader_config_survives_byte_for_byte(term):
    config = (term / "out" / "nbgrader_config.py").read_text()
    assert config == CONFIG.format(exchange=str(term / "exchange"))


def test_nbgrader_release_feedback_publishes_each_page_where_fetch_feedback_looks(term, tmp_path):
    from nbgrader.utils import notebook_hash

    out = tmp_path / "out"
    _copy_course(term, out)
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    (out / "nbgrader_config.py").write_text(CONFIG.format(exchange=str(exchange)))
    nbgrader = shutil.which("nbgrader", path=str(support.HERE.parent.parent / ".venv" / "bin")) or "nbgrader"
    done = subprocess.run([nbgrader, "release_feedback", CHAPTER], cwd=out, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    released = exchange / "nncourse" / "feedback"
    alice = released / f"{notebook_hash(secret='alice-secret-' + '0' * 40, notebook_id=CHAPTER)}.html"
    assert alice.is_file(), "the hash nbgrader fetch_feedback computes from the student's submission secret"
    assert alice.read_bytes() == (out / "feedback" / "alice" / CHAPTER / f"{CHAPTER}.html").read_bytes()
    assert len(list(released.glob("*.html"))) == 4, "every student's page, the invalid one too"
    assert (out / "feedback" / "alice" / CHAPTER / "timestamp.txt").read_text() == "2026-03-01 09:30:00.000000 UTC"


def test_statuses_are_flagged_where_the_formgrader_shows_them(term):
    with _gradebook(term / "out") as gb:
        flagged = {s: gb.find_submission_notebook(CHAPTER, CHAPTER, s).flagged
                   for s in ("alice", "bob", "carol", "dave")}
    assert flagged == {"alice": False, "bob": False, "carol": True, "dave": True}


def test_a_page_names_each_exercise_and_its_first_failure_in_words(term):
    page = term / "out" / "feedback" / "dave" / CHAPTER / f"{CHAPTER}.html"
    text = support.html_text(page)
    for number, name in enumerate(("sigmoid", "relu", "softmax"), 1):
        assert f"Exercise {number}: {name}" in text
    assert "Test cell" not in text
    assert "Stopped: this cell ran longer than the time limit (6 s)" in text
    assert "KeyboardInterrupt" not in text
    assert "<Figure size" not in text, "an undrawn figure is left out, not shown as text"
    assert "shapes_clash" in text and "matmul" in text, "the student's own traceback is kept"
    for internal in ("__autograder", "guarded", "wrapper(*args", "site-packages", "autograder-kernel-",
                     str(term / "out")):
        assert internal not in text, internal
    _no_hidden_test(page, term)


def test_an_unreadable_notebook_gets_a_page_that_says_what_to_do(term):
    text = support.html_text(term / "out" / "feedback" / "carol" / CHAPTER / f"{CHAPTER}.html")
    assert "could not be read" in text and "What to do" in text and f"{CHAPTER}.ipynb" in text


def test_feedback_pages_in_a_browser_wrap_and_name_exercises(term, tmp_path):
    """Screenshots of the pages in Chromium (their paths are printed), and what a reader sees:
    no line runs off the page, the exercise table is at the top."""
    from playwright.sync_api import sync_playwright

    from browser.servers import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    assert executable, "chromium is not installed (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 1300})
        for student in ("alice", "dave", "carol"):
            page.goto((term / "out" / "feedback" / student / CHAPTER / f"{CHAPTER}.html").as_uri())
            shot = tmp_path / f"feedback-{student}.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{student}: the page is {overflow} px wider than the window"
        page.goto((term / "out" / "feedback" / "dave" / CHAPTER / f"{CHAPTER}.html").as_uri())
        first_row = page.locator("table.exercises tbody tr").first.inner_text()
        assert "Exercise 1: sigmoid" in first_row and "2.0 / 2.0" in first_row
        relu_row = page.locator("table.exercises tbody tr").nth(1).inner_text()
        assert "Stopped" in relu_row and "0.0 / 1.0" in relu_row
        # A figure drawn (grade --figures) is shown small: a 1200 px wide image at most 480 px.
        drawn = tmp_path / "figure.html"
        drawn.write_text(_page_with_a_wide_figure(term), encoding="utf-8")
        page.goto(drawn.as_uri())
        width = page.evaluate("Math.max(...[...document.images].map(i => i.getBoundingClientRect().width))")
        assert 0 < width <= 480, width
        page.screenshot(path=str(tmp_path / "feedback-figure.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'feedback-figure.png'}")
        browser.close()


def _page_with_a_wide_figure(term) -> str:
    """alice's page with a 1200 x 400 px figure in an ordinary cell, as --figures draws it."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autograder.assignment import Assignment
    from autograder.feedback import render_feedback

    figure = plt.figure(figsize=(12, 4), dpi=100)
    figure.gca().plot([0, 1], [0, 1])
    png = io.BytesIO()
    figure.savefig(png, format="png")
    plt.close(figure)
    nb = nbformat.read(term / "out" / "autograded" / "alice" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    cell = new_code_cell("plt.plot([0, 1], [0, 1])", execution_count=9)
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png.getvalue()).decode(),
                                                                 "text/plain": "<Figure size 1200x400 with 1 Axes>"})]
    nb.cells.append(cell)
    release_nb = term / "out" / "release" / CHAPTER / f"{CHAPTER}.ipynb"
    assignment = Assignment(CHAPTER, release_nb.read_text(encoding="utf-8"), {}, str(release_nb.parent))
    return render_feedback(nb, assignment, {"test_sigmoid": 2.0, "test_relu": 1.0, "test_softmax": 2.0}, [])


def test_nbgraders_formgrader_counts_lists_and_flags_the_submissions(term):
    """What the formgrader's pages show, through the API they are made from."""
    from nbgrader.apps.api import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(term / "out")
    config.CourseDirectory.course_id = "nncourse"
    api = NbGraderAPI(CourseDirectory(config=config), config=config)
    assert api.get_assignment(CHAPTER)["num_submissions"] == 4
    submissions = {s["student"]: s for s in api.get_submissions(CHAPTER)}
    assert all(s["autograded"] for s in submissions.values()), "graded, with the timestamps nbgrader compares"
    assert submissions["alice"]["score"] == 5 and submissions["alice"]["needs_manual_grade"]
    assert submissions["alice"]["timestamp"].startswith("2026-03-01T09:30:00")
    notebooks = {n["student"]: n for n in api.get_notebook_submissions(CHAPTER, CHAPTER)}
    assert {s: n["flagged"] for s, n in notebooks.items()} == {"alice": False, "bob": False, "carol": True,
                                                                "dave": True}


def test_a_gradebook_of_the_older_grader_with_statuses_json_is_read_into_the_gradebook(term, tmp_path):
    """Before, statuses lived in ``statuses.json`` beside the gradebook: the next run reads
    them into the grader's table and leaves every unchanged submission as it was graded."""
    import json

    from sqlalchemy import create_engine, text

    from autograder.gradebook import STATUS_TABLE, recorded

    out = tmp_path / "out"
    _copy_course(term, out)
    db_url = f"sqlite:///{out / 'gradebook.db'}"
    before = recorded(db_url)
    (out / "statuses.json").write_text(json.dumps({f"{s}/{c}": entry for (s, c), entry in before.items()}))
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE {STATUS_TABLE}"))
    engine.dispose()
    run = grade(term / "submitted", out, source_dir=term / "source", jobs=1, limits=LIMITS, progress=False)
    assert run.unchanged == 4, "the digests came back from statuses.json"
    assert {k: (v["status"], v["detail"]) for k, v in recorded(db_url).items()} == \
        {k: (v["status"], v["detail"]) for k, v in before.items()}
    assert not (out / "statuses.json").exists() and (out / "statuses.json.imported").is_file()
