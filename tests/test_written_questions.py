"""The chapters' written questions: asked in the text, answered in markdown, graded by hand.

Each chapter asks two or three questions: a read-only markdown cell, then the student's answer
cell (markdown with nbgrader's ``grade`` and ``solution``, 1 or 2 points, grade_id
``written_<topic>``) whose source holds a model answer and, after it, the rubric for the person
grading, both between solution markers. The release shows neither. Grading the solved
notebook earns every autograded point and leaves exactly the written answers to a person;
grading the blank release gives them 0 with nbgrader's "No response." and needs no person.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from autograder.cells import grade_id, is_code, is_graded, is_locked, is_solution, nbgrader_meta, points
from autograder.gradebook import read_grades
from autograder.grading import grade
from autograder.release import release
from autograder.report import chapter_stats
from autograder.samples import solved, write_submission
from autograder.summary import summary_table
from fixtures import support

pytestmark = pytest.mark.grading

CHAPTERS = support.present(support.COURSE_NOTEBOOKS)
RUBRIC = "What a full answer says:"
INTRO = "**Written questions.**"


def _source(chapter: str):
    return support.source_notebook(support.COURSE_NOTEBOOKS, chapter)


def _written(nb) -> list:
    """The written answer cells of a notebook, in order."""
    return [c for c in nb.cells if is_solution(c) and not is_code(c)]


def _secret_lines(cell) -> set[str]:
    """The lines of a written answer cell's model answer and rubric that mean something alone."""
    return {line.strip() for line in cell.source.splitlines() if len(line.strip()) >= 12 and "SOLUTION" not in line}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every chapter released once, its solved and blank notebooks graded once: the folder."""
    def build(folder):
        built = release(CHAPTERS, folder / "release")
        for chapter in CHAPTERS:
            blank = nbformat.read(built[chapter] / f"{chapter}.ipynb", as_version=4)
            write_submission(folder / "submitted", "solved", chapter, solved(blank, _source(chapter)))
            write_submission(folder / "submitted", "blank", chapter, blank)
        run = grade(folder / "submitted", folder / "out", jobs=2, progress=False)
        (folder / "summary.txt").write_text(summary_table(run), encoding="utf-8")

    return support.computed_once(tmp_path_factory, "written-questions", build)


def test_every_chapter_is_present():
    assert CHAPTERS == ["01_feedforward", "02_backprop", "03_optimizers", "04_regularization", "05_batchnorm",
                        "06_tuning"]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_asks_two_or_three_written_questions(chapter):
    nb = _source(chapter)
    answers = _written(nb)
    assert 2 <= len(answers) <= 3, f"{chapter} has {len(answers)} written questions"
    for answer in answers:
        name, meta = grade_id(answer), nbgrader_meta(answer)
        assert answer.cell_type == "markdown" and re.fullmatch(r"written_[a-z0-9_]+", name), name
        assert meta.get("grade") and not meta.get("locked") and points(answer) in (1, 2), name
        question = nb.cells[nb.cells.index(answer) - 1]
        assert question.cell_type == "markdown" and is_locked(question) and not is_graded(question), \
            f"{name} must follow its read-only question"
        assert f"({points(answer):g} point" in question.source.splitlines()[0], f"{name}: the question states its points"
        lines = answer.source.splitlines()
        assert lines[0] == "### BEGIN SOLUTION" and lines[-1] == "### END SOLUTION", \
            f"{name}: the whole answer is the solution region (the release shows nbgrader's YOUR ANSWER HERE)"
        model, rubric = "\n".join(lines[1:-1]).split(RUBRIC)
        assert len(model.split()) >= 60, f"{name}: the model answer is a real answer"
        assert rubric.strip().startswith("- ") and "point" in rubric, f"{name}: the rubric gives points"
    # The introduction's note counts them.
    intro = next(c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith(INTRO))
    words = {2: "two", 3: "three"}[len(answers)]
    total = sum(points(c) for c in answers)
    assert f"{words} written questions ({total:g} points)" in intro.source, intro.source


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_release_shows_no_model_answer_and_no_rubric(graded, chapter):
    text = (graded / "release" / chapter / f"{chapter}.ipynb").read_text(encoding="utf-8")
    released = nbformat.reads(text, as_version=4)
    answers = _written(released)
    assert [grade_id(c) for c in answers] == [grade_id(c) for c in _written(_source(chapter))]
    assert all(c.source.strip() == "YOUR ANSWER HERE" for c in answers)
    assert RUBRIC not in text
    shown = {line.strip() for cell in released.cells for line in cell.source.splitlines()}
    for cell in _written(_source(chapter)):
        leaked = _secret_lines(cell) & shown
        assert not leaked, f"{grade_id(cell)}: the release shows {sorted(leaked)[:2]}"


def test_grading_leaves_exactly_the_written_answers_to_a_person(graded):
    submissions = {(s.student, s.chapter): s for s in read_grades(f"sqlite:///{graded / 'out' / 'gradebook.db'}")}
    assert set(submissions) == {(student, c) for student in ("solved", "blank") for c in CHAPTERS}
    for chapter in CHAPTERS:
        written = {grade_id(c): points(c) for c in _written(_source(chapter))}
        solved_, blank = submissions["solved", chapter], submissions["blank", chapter]
        assert solved_.status == "graded" and solved_.needs_manual_grade, chapter
        assert {c.grade_id for c in solved_.cells if c.needs_manual_grade} == set(written), chapter
        for cell in solved_.cells:
            if cell.grade_id in written:
                assert cell.manual and cell.score is None and cell.max_score == written[cell.grade_id], cell
            else:
                assert cell.score == cell.max_score, f"the solved {chapter} loses points on {cell.grade_id}"
        autograded = sum(c.max_score for c in solved_.cells if c.grade_id not in written)
        assert solved_.score == autograded and solved_.max_score == autograded + sum(written.values()), chapter
        # An answer left as released: 0 and nbgrader's "No response.", no person needed.
        for cell in blank.cells:
            if cell.grade_id in written:
                assert cell.score == 0 and cell.comment == "No response." and not cell.needs_manual_grade, cell
        assert blank.score == 0 and not blank.needs_manual_grade, chapter
        page = support.html_text(graded / "out" / "feedback" / "blank" / chapter / f"{chapter}.html")
        assert page.count("No response.") == len(written), f"{chapter}: the blank page shows no 'No response.'"
    summary = (graded / "summary.txt").read_text(encoding="utf-8")
    assert f"to grade by hand: {len(CHAPTERS)} submission(s)" in summary


def test_the_report_counts_an_answer_that_waits_as_neither_full_marks_nor_none(graded):
    for stats in chapter_stats(graded / "out"):
        written = {grade_id(c) for c in _written(_source(stats.chapter))}
        for ex in (ex for ex in stats.exercises if ex.grade_id in written):
            # The solved notebook's answer waits for a person; the blank one's scored 0.
            assert (ex.graded, ex.full, ex.zero) == (1, 0, 1), (stats.chapter, ex)
