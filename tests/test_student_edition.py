"""The student's side: the edition `make lab` opens, a fresh environment built from the
release's requirements.txt alone, `nbgrader validate`, nbgrader's exchange, and Binder.

The fresh environment is what a student who follows the release's README gets: a virtual
environment with only ``requirements.txt`` installed (no reference nnlib), nbgrader's
instructor tools hidden. It is built once per test session (``student_venv`` in conftest.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from autograder.cells import is_code, is_solution, points
from autograder.course import CHAPTERS, EXERCISES, REPO_ROOT, source_notebook
from autograder.edition import INSTRUCTOR_LAB_EXTENSIONS, build_edition, carried_chapters
from autograder.samples import solved
from fixtures import support

pytestmark = pytest.mark.student

CHAPTER = "01_feedforward"  # the chapter run end to end in the fresh environment


# ------------------------------------------------------------------------------ make lab


def test_make_lab_opens_the_student_edition_and_make_author_the_sources():
    lab = subprocess.run(["make", "-n", "lab"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout
    assert "-m autograder edition --out _work/student --venv _work/student-venv" in lab
    assert "cd _work/student && " in lab and "_work/student-venv/bin/jupyter lab" in lab
    assert "notebooks" not in lab.split("autograder edition", 1)[1]
    author = subprocess.run(["make", "-n", "author"], cwd=REPO_ROOT, capture_output=True, text=True,
                            check=True).stdout
    assert "jupyter lab --ServerApp.root_dir=notebooks" in author


def test_the_edition_holds_every_chapter_without_its_answers_or_hidden_tests(edition):
    assert sorted(p.name for p in edition.iterdir() if not p.name.startswith(".")) == \
        sorted([*CHAPTERS, "README.md", "requirements.txt"])
    for chapter in CHAPTERS:
        text = (edition / chapter / f"{chapter}.ipynb").read_text(encoding="utf-8")
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, chapter
        hidden, answers = support.secret_lines(nbformat.read(source_notebook(chapter), as_version=4))
        cells = nbformat.reads(text, as_version=4).cells
        lines = {line.strip() for cell in cells for line in cell.source.splitlines()}
        code = {line.strip() for cell in cells if cell.cell_type == "code" for line in cell.source.splitlines()}
        assert not hidden & lines, f"{chapter}: hidden-test lines: {sorted(hidden & lines)[:3]}"
        assert not answers & code, f"{chapter}: answer lines: {sorted(answers & code)[:3]}"


_PROBE = textwrap.dedent("""
    import inspect, json, sys
    import nnlib
    outcome = {"file": nnlib.__file__}
    for name in sys.argv[1:]:
        function = getattr(nnlib, name)
        required = [p for p in inspect.signature(function).parameters.values()
                    if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        try:
            function(*([None] * len(required)))
            outcome[name] = "returned"
        except NotImplementedError as error:
            outcome[name] = "NotImplementedError: " + str(error)
        except Exception as error:
            outcome[name] = type(error).__name__
    print(json.dumps(outcome))
""")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_imports_its_own_nnlib_which_raises_for_the_chapters_exercises(edition, student_venv,
                                                                                   chapter, tmp_path):
    """In the student's environment, a notebook's `import nnlib` is its chapter's build."""
    run = subprocess.run([str(student_venv / "python"), "-c", _PROBE, *EXERCISES[chapter]],
                         cwd=edition / chapter, env=support.clean_env(student_venv, tmp_path), capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout)
    assert Path(outcome["file"]).resolve().parent == (edition / chapter / "nnlib").resolve()
    for name in EXERCISES[chapter]:
        assert outcome[name].startswith(f"NotImplementedError: {name} is an exercise of chapter {chapter}"), \
            (name, outcome[name])


def test_the_students_environment_has_no_reference_nnlib(student_venv, tmp_path):
    run = subprocess.run([str(student_venv / "python"), "-c", "import nnlib"], cwd=tmp_path,
                         env=support.clean_env(student_venv, tmp_path / "home"), capture_output=True, text=True)
    assert run.returncode != 0 and "No module named 'nnlib'" in run.stderr


def test_the_students_environment_hides_nbgraders_instructor_tools(student_venv, tmp_path):
    env = support.clean_env(student_venv, tmp_path)
    lab = subprocess.run([str(student_venv / "jupyter"), "labextension", "list"], env=env,
                         capture_output=True, text=True, check=True)
    disabled = (lab.stdout + lab.stderr).split("Disabled extensions:", 1)[1]
    for extension in INSTRUCTOR_LAB_EXTENSIONS:
        assert extension in disabled
    for kept in ("@jupyter/nbgrader:validate-assignment", "@jupyter/nbgrader:assignment-list"):
        assert kept not in disabled
    server = subprocess.run([str(student_venv / "jupyter"), "server", "extension", "list"], env=env,
                            capture_output=True, text=True, check=True)
    text = re.sub(r"\x1b\[[0-9;]*m", "", server.stdout + server.stderr)
    states = dict(re.findall(r"^\s*(nbgrader\.server_extensions\.\w+) (enabled|disabled)$", text, re.M))
    assert states == {"nbgrader.server_extensions.formgrader": "disabled",
                      "nbgrader.server_extensions.course_list": "disabled",
                      "nbgrader.server_extensions.validate_assignment": "enabled",
                      "nbgrader.server_extensions.assignment_list": "enabled"}, states


def test_a_rebuild_keeps_the_students_work(tmp_path):
    """`make lab` again after the sources changed: the student's notebook stays, the new
    release is put beside it; without changes nothing is rebuilt."""
    sources = tmp_path / "notebooks"
    shutil.copytree(source_notebook(CHAPTER).parent, sources / CHAPTER)
    out, said = tmp_path / "edition", []
    build_edition(out, sources, echo=said.append)
    notebook = out / CHAPTER / f"{CHAPTER}.ipynb"
    mine = notebook.read_text(encoding="utf-8").replace("# YOUR CODE HERE", "# my work", 1)
    notebook.write_text(mine, encoding="utf-8")
    build_edition(out, sources, echo=said.append)
    assert said[-1].endswith("is up to date.") and notebook.read_text(encoding="utf-8") == mine

    source = nbformat.read(sources / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    source.cells[0].source += "\n\nA sentence added after the release."
    nbformat.write(source, sources / CHAPTER / f"{CHAPTER}.ipynb")
    build_edition(out, sources, echo=said.append)
    assert notebook.read_text(encoding="utf-8") == mine
    newer = out / CHAPTER / f"{CHAPTER}.new.ipynb"
    assert "A sentence added after the release." in newer.read_text(encoding="utf-8")
    assert any("kept your notebook" in line and str(newer) in line for line in said)

    notebook.unlink()  # a chapter the student has not touched is simply replaced
    build_edition(out, sources, echo=said.append)
    assert "A sentence added after the release." in notebook.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ the release's files


def test_the_release_tells_students_how_to_install_check_and_submit(edition):
    readme = (edition / "README.md").read_text(encoding="utf-8")
    for words in ("pip install -r requirements.txt", "jupyter lab", "# YOUR CODE HERE", "Validate",
                  "nbgrader validate", "Submit", "Assignment List", "upload", "flagged", "hidden"):
        assert words in readme, words
    for chapter in CHAPTERS:
        carried = ", ".join(carried_chapters(chapter)) or "no chapter"
        assert f"| `{chapter}/` | {carried}" in readme
    assert (edition / "requirements.txt").read_text() == (REPO_ROOT / "student" / "requirements.txt").read_text()
    project = (REPO_ROOT / "requirements.txt").read_text()
    assert "-r student/requirements.txt" in project, "the student's pins are said once"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_introduction_says_how_to_check_and_hand_in(chapter):
    intro = nbformat.read(source_notebook(chapter), as_version=4).cells[0].source
    for words in ("Validate", f"nbgrader validate {chapter}.ipynb", "Submit", f"`{chapter}.ipynb`"):
        assert words in intro, f"{chapter}'s introduction does not say {words!r}"


def test_release_command_says_which_answers_each_chapter_carries(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "release", "01_feedforward", "03_optimizers",
                          "--out", str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert "01_feedforward: " in run.stdout and "(its nnlib keeps the answers of no chapter)" in run.stdout
    assert "(its nnlib keeps the answers of 01_feedforward, 02_backprop)" in run.stdout
    assert sorted(p.name for p in (tmp_path / "03_optimizers" / "assets").iterdir()) == ["README.md", "digits.npz"]


# ------------------------------------------------------------------------------ the fresh environment


def test_a_solved_chapter_runs_in_the_students_environment(edition, student_venv, tmp_path):
    folder = support.solved_copy(edition, CHAPTER, tmp_path)
    run = subprocess.run([str(student_venv / "jupyter"), "execute", "--timeout=120", f"{CHAPTER}.ipynb",
                          "--output=executed.ipynb"], cwd=folder, env=support.clean_env(student_venv, tmp_path / "home"),
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    executed = nbformat.read(folder / "executed.ipynb", as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, errors[:1]
    widgets = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widgets, "the chapter's explorer should be displayed"


def test_nbgrader_validate_passes_the_solved_notebook(edition, student_venv, tmp_path):
    folder = support.solved_copy(edition, CHAPTER, tmp_path)
    run = subprocess.run([str(student_venv / "nbgrader"), "validate", f"{CHAPTER}.ipynb"], cwd=folder,
                         env=support.clean_env(student_venv, tmp_path / "home"), capture_output=True, text=True,
                         timeout=600)
    assert "Success! Your notebook passes all the tests." in run.stdout, run.stdout[-3000:] + run.stderr[-3000:]


def _written_answers() -> list:
    """The chapter's written answer cells (markdown, graded by a person)."""
    nb = nbformat.read(source_notebook(CHAPTER), as_version=4)
    return [c for c in nb.cells if is_solution(c) and not is_code(c)]


def test_nbgrader_validate_fails_the_blank_notebook_and_names_each_exercise(edition, student_venv, tmp_path):
    folder = tmp_path / CHAPTER
    shutil.copytree(edition / CHAPTER, folder)
    run = subprocess.run([str(student_venv / "nbgrader"), "validate", f"{CHAPTER}.ipynb"], cwd=folder,
                         env=support.clean_env(student_venv, tmp_path / "home"), capture_output=True, text=True,
                         timeout=600)
    exercises = EXERCISES[CHAPTER]
    # Each exercise's test cell fails, and each written answer left as released is reported.
    cells = len(exercises) + len(_written_answers())
    assert f"VALIDATION FAILED ON {cells} CELL(S)!" in run.stdout, run.stdout[:2000]
    for name in exercises:
        assert f"in {name}(" in run.stdout, f"the report does not name {name}"


# ------------------------------------------------------------------------------ nbgrader's exchange


def _nbgrader(args: list[str], cwd: Path, exchange: Path) -> subprocess.CompletedProcess:
    """An nbgrader command of the project's environment, on the exchange folder ``exchange``."""
    bin_dir = Path(sys.executable).parent  # nbgrader collect starts `alembic` by name
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}"}
    command = [str(bin_dir / "nbgrader"), *args, "--CourseDirectory.course_id=nncourse",
               f"--Exchange.root={exchange}"]
    run = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{' '.join(args)} failed:\n{run.stdout}\n{run.stderr}"
    return run


@pytest.mark.grading
def test_the_exchange_round_trip_ends_in_grades(tmp_path):
    """Instructor releases to nbgrader's exchange; two students fetch and submit (one solved,
    one blank); the instructor collects and grades what was collected."""
    exchange, course = tmp_path / "exchange", tmp_path / "course"
    exchange.mkdir()
    exchange.chmod(0o777)
    course.mkdir()
    subprocess.run([sys.executable, "-m", "autograder", "release", CHAPTER, "--out", str(course / "release")],
                   cwd=REPO_ROOT, check=True, capture_output=True)
    _nbgrader(["release_assignment", CHAPTER], course, exchange)
    for student in ("alice", "bob"):
        home = tmp_path / student
        home.mkdir()
        _nbgrader(["fetch_assignment", CHAPTER], home, exchange)
        notebook = home / CHAPTER / f"{CHAPTER}.ipynb"
        assert (home / CHAPTER / "nnlib").is_dir() and (home / CHAPTER / "assets" / "digits.npz").is_file()
        if student == "alice":
            fetched = nbformat.read(notebook, as_version=4)
            nbformat.write(solved(fetched, nbformat.read(source_notebook(CHAPTER), as_version=4)), notebook)
        _nbgrader(["submit", CHAPTER, f"--student={student}"], home, exchange)
    _nbgrader(["collect", CHAPTER], course, exchange)
    for student in ("alice", "bob"):
        assert (course / "submitted" / student / CHAPTER / f"{CHAPTER}.ipynb").is_file()
        assert (course / "submitted" / student / CHAPTER / "timestamp.txt").is_file()
    grade = subprocess.run([sys.executable, "-m", "autograder", "grade", str(course / "submitted"),
                            "--chapter", CHAPTER, "--out", str(tmp_path / "grades"), "--quiet"],
                           cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert grade.returncode == 0, grade.stderr
    rows = {line.split(",")[0]: line.split(",") for line in
            (tmp_path / "grades" / "grades.csv").read_text().splitlines()[1:]}
    # Every autograded point; the written answers wait for a person.
    by_hand = sum(points(c) for c in _written_answers())
    assert by_hand > 0 and float(rows["alice"][2]) == float(rows["alice"][3]) - by_hand, rows["alice"]
    assert rows["alice"][4] == "graded", rows["alice"]
    assert rows["bob"][2] == "0" and rows["bob"][4] == "graded", rows["bob"]


# ------------------------------------------------------------------------------ Binder


def test_binders_build_steps_make_the_student_edition(tmp_path):
    """repo2docker installs binder/requirements.txt, then runs binder/postBuild in the
    repository's folder: done here in a fresh virtual environment on a copy of the repository."""
    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (REPO_ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, repo / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
                          str(repo / "binder" / "requirements.txt")], cwd=repo, capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr[-3000:]
    env = support.clean_env(venv / "bin", tmp_path / "home")
    build = subprocess.run(["bash", str(repo / "binder" / "postBuild")], cwd=repo, env=env,
                           capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    top = sorted(p.name for p in repo.iterdir())
    assert top == sorted([*CHAPTERS, "README.md", "requirements.txt", "binder"]), top
    assert "your course folder" in (repo / "README.md").read_text()
    for chapter in CHAPTERS:
        assert "BEGIN SOLUTION" not in (repo / chapter / f"{chapter}.ipynb").read_text()
    lab = subprocess.run([str(venv / "bin" / "jupyter"), "labextension", "list"], env=env,
                         capture_output=True, text=True, check=True)
    disabled = (lab.stdout + lab.stderr).split("Disabled extensions:", 1)[1]
    assert all(extension in disabled for extension in INSTRUCTOR_LAB_EXTENSIONS)
    probe = subprocess.run([str(venv / "bin" / "python"), "-c", _PROBE, *EXERCISES[CHAPTER]],
                           cwd=repo / CHAPTER, env=env, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout)["sigmoid"].startswith("NotImplementedError")
