"""The LMS round trip: Canvas and Moodle bulk downloads in, a roster, due dates and late
penalties, and grades out in Canvas's and Moodle's import formats and a wide table.

The two courses of ``fixtures.lms_courses`` (graded once per session) are what most tests
read; the others check the roster, the course configuration and the late policy alone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from autograder.export import CANVAS_COLUMNS, MOODLE_COLUMNS, ExportError, export_grades
from autograder.grading import GradingError, grade
from autograder.lateness import CourseConfigError, LatePolicy, lateness, read_course_config
from autograder.lms import nbgrader_layout, recognise
from autograder.roster import RosterError, read_roster
from autograder.samples import write_submission
from fixtures import lms_courses, support
from fixtures.lms_courses import CH1, CH2, COURSE_TOML, DUE1, DUE2, FIXTURES, LIMITS

pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def courses(tmp_path_factory) -> Path:
    return lms_courses.courses(tmp_path_factory)


def _rows(folder: Path) -> dict[tuple[str, str], dict[str, str]]:
    return {(r["student"], r["chapter"]): r for r in support.table(folder / "grades.csv")}


def test_a_canvas_download_is_graded_with_the_roster_ids(courses):
    rows = _rows(courses / "canvas_course")
    expected = {"ana": ("5", "graded"), "ben": ("3", "graded"), "cara": ("0", "graded"), "dan": ("5", "graded"),
                "eve": ("0", "missing"), "fay": ("0", "missing")}
    assert {s: (rows[s, CH1]["raw_score"], rows[s, CH1]["status"]) for s in expected} == expected
    assert "renamed to homework.ipynb" in rows["cara", CH1]["detail"]
    assert rows["eve", CH1]["detail"] == "nothing submitted"
    assert not any(student == "stranger" for student, _ in rows)
    skipped = json.loads((courses / "skipped.json").read_text())["canvas_ch1"]
    assert "stranger_999_5099_01_feedforward.ipynb: Canvas id 999 is not on the roster" in skipped
    assert "01_feedforward: 2 roster student(s) submitted nothing (status missing): eve, fay" in skipped
    feedback = courses / "canvas_course" / "feedback" / "ben" / CH1 / f"{CH1}.html"
    assert feedback.is_file()


def test_canvas_late_markers_cost_the_policys_days(courses):
    rows = _rows(courses / "canvas_course")
    # LATE without a time: marked_late_days = 1 day, 0.1 of 5 points.
    assert (rows["ben", CH1]["score"], rows["ben", CH1]["penalty"], rows["ben", CH1]["hours_late"]) == ("2.5", "0.5", "")
    assert (rows["dan", CH1]["score"], rows["dan", CH1]["penalty"]) == ("4.5", "0.5")
    assert "Canvas marked the submission late" in rows["dan", CH1]["detail"]
    assert (rows["ana", CH1]["score"], rows["ana", CH1]["penalty"]) == ("5", "0")


def test_timestamps_give_hours_late_grace_and_cap(courses):
    rows = _rows(courses / "canvas_course")
    got = {s: (rows[s, CH2]["raw_score"], rows[s, CH2]["penalty"], rows[s, CH2]["score"], rows[s, CH2]["hours_late"])
           for s in ("ana", "ben", "cara", "dan")}
    assert got == {"ana": ("3", "0", "3", "0.00"), "ben": ("3", "0", "3", "0.00"),
                   "cara": ("3", "0.6", "2.4", "30.00"), "dan": ("3", "1.5", "1.5", "217.00")}
    # The roster kept from the first run gives eve and fay their rows in the second.
    assert rows["eve", CH2]["status"] == rows["fay", CH2]["status"] == "missing"
    assert (rows["gus", CH2]["score"], rows["gus", CH2]["status"], rows["gus", CH2]["hours_late"]) == ("0", "invalid", "0.00")
    assert "gus: not on the roster, graded all the same" in json.loads((courses / "skipped.json").read_text())["canvas_ch2"]


def test_a_moodle_download_is_graded_and_online_text_ignored(courses):
    rows = _rows(courses / "moodle_course")
    summary = (courses / "moodle_summary.txt").read_text(encoding="utf-8")
    assert "roster:\n  01_feedforward: 3 roster student(s) submitted nothing (status missing): dan, eve, fay" in summary
    got = {s: (rows[s, CH1]["score"], rows[s, CH1]["status"]) for s in ("ana", "ben", "cara", "dan", "eve", "fay")}
    assert got == {"ana": ("5", "graded"), "ben": ("3", "graded"), "cara": ("0", "graded"),
                   "dan": ("0", "missing"), "eve": ("0", "missing"), "fay": ("0", "missing")}


def test_the_roster_is_in_nbgraders_gradebook(courses):
    from nbgrader.api import Gradebook

    from autograder.release import COURSE_ID

    with Gradebook(f"sqlite:///{courses / 'canvas_course' / 'gradebook.db'}", COURSE_ID) as gb:
        ana = gb.find_student("ana")
        assert (ana.first_name, ana.last_name, ana.email, ana.lms_user_id) == ("Ana", "Lopez", "ana@example.edu", "101")
        assert gb.find_student("fay").lms_user_id is None


def test_canvas_export_has_canvas_columns_and_points_possible(courses, tmp_path):
    out = tmp_path / "canvas.csv"
    done = subprocess.run([sys.executable, "-m", "autograder", "export", "--format", "canvas", "--from",
                           str(courses / "canvas_course"), "--out", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    rows = [line for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0] == ",".join(CANVAS_COLUMNS) + ",01_feedforward (4711),02_backprop"
    assert rows[1] == "Points Possible,,,,,5,3"
    assert rows[2] == '"Lopez, Ana",101,ana,,,5,3'
    assert rows[3] == "Ben Okafor,102,ben,,,2.5,3"
    assert rows[7] == "Fay Novak,,fay,,,0,0"
    assert rows[8] == "gus,,gus,,,,0"  # graded but not on the roster: after the roster, no Canvas id
    assert len(rows) == 9


def test_moodle_export_is_a_grading_worksheet(courses):
    exported = export_grades(courses / "moodle_course", "moodle")
    assert exported.path == courses / "moodle_course" / f"grades_moodle_{CH1}.csv"
    rows = support.table(exported.path)
    assert tuple(rows[0]) == MOODLE_COLUMNS
    got = [(r["Identifier"], r["Full name"], r["Status"], r["Grade"], r["Maximum Grade"]) for r in rows]
    assert got == [("Participant 101", "Lopez, Ana", "Submitted for grading", "5.00", "5.00"),
                   ("Participant 102", "Ben Okafor", "Submitted for grading", "3.00", "5.00"),
                   ("Participant 103", "Cara Singh", "Submitted for grading", "0.00", "5.00"),
                   ("Participant 104", "Dan Wu", "No submission", "0.00", "5.00"),
                   ("Participant 105", "Eve Martin", "No submission", "0.00", "5.00")]
    assert exported.warnings == ["left out, no lms_id on the roster (Moodle's participant id): fay"]


def test_moodle_export_of_two_chapters_asks_for_one(courses):
    with pytest.raises(ExportError, match="name its chapter with --chapter"):
        export_grades(courses / "canvas_course", "moodle")
    exported = export_grades(courses / "canvas_course", "moodle", chapter=CH2)
    worksheet = {r["Identifier"]: r for r in support.table(exported.path)}
    assert worksheet["Participant 104"]["Grade"] == "1.50"
    assert worksheet["Participant 104"]["Feedback comments"] == "late: 1.5 of 3 points taken off"


def test_wide_export_has_a_column_per_chapter_and_a_total(courses, tmp_path):
    exported = export_grades(courses / "canvas_course", "wide", tmp_path / "wide.csv")
    rows = support.table(exported.path)
    assert list(rows[0]) == ["student", "name", "email", CH1, CH2, "total", "max_total"]
    by_student = {r["student"]: (r[CH1], r[CH2], r["total"], r["max_total"]) for r in rows}
    assert by_student == {"ana": ("5", "3", "8", "8"), "ben": ("2.5", "3", "5.5", "8"), "cara": ("0", "2.4", "2.4", "8"),
                          "dan": ("4.5", "1.5", "6", "8"), "eve": ("0", "0", "0", "8"), "fay": ("0", "0", "0", "8"),
                          "gus": ("", "0", "0", "8")}


def test_an_lms_download_needs_its_chapter_and_a_roster(tmp_path):
    download = tmp_path / "dl"
    download.mkdir()
    (download / "lopezana_101_5001_01_feedforward.ipynb").write_text("{}", encoding="utf-8")
    assert recognise(download) == "canvas"
    with pytest.raises(GradingError, match="name its chapter with --chapter"):
        grade(download, tmp_path / "out", source_dir=FIXTURES, progress=False)
    with pytest.raises(GradingError, match="give --roster FILE"):
        grade(download, tmp_path / "out", [CH1], source_dir=FIXTURES, progress=False)
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\nana,Ana\n", encoding="utf-8")
    with pytest.raises(GradingError, match="no lms_id column filled in"):
        grade(download, tmp_path / "out", [CH1], source_dir=FIXTURES, progress=False, roster=roster)
    roster.write_text("student_id,lms_id\nana,7\n", encoding="utf-8")
    with pytest.raises(GradingError, match=r"belongs to a student of the roster \(the download's ids: 101;"):
        grade(download, tmp_path / "out", [CH1], source_dir=FIXTURES, progress=False, roster=roster)


def test_nbgrader_layout_is_not_taken_for_an_lms_download(tmp_path):
    write_submission(tmp_path / "subs", "ana_101_5001_x", CH1, nbformat.v4.new_notebook())
    assert recognise(tmp_path / "subs") is None
    moodle = tmp_path / "moodle" / "Ana Lopez_101_assignsubmission_file_"
    moodle.mkdir(parents=True)
    assert recognise(tmp_path / "moodle") == "moodle"
    wrapped = tmp_path / "wrapped" / "submissions"  # a zip of the download's folder
    wrapped.mkdir(parents=True)
    (wrapped / "lopezana_101_5001_01_feedforward.ipynb").write_text("{}", encoding="utf-8")
    assert recognise(tmp_path / "wrapped") == "canvas"


def test_lms_files_land_in_the_students_folders_under_the_chapters_name(tmp_path):
    canvas, moodle = tmp_path / "canvas", tmp_path / "moodle"
    canvas.mkdir()
    moodle.mkdir()
    for name in ("lopezana_101_5001_01_feedforward-2.ipynb", "lopezana_101_5001_helper-1.py",
                 "okaforben_LATE_102_5002_.hidden", "wudan_104_5004_01_feedforward.ipynb"):
        (canvas / name).write_text(name, encoding="utf-8")
    roster = read_roster(_roster_file(tmp_path))
    notes, skipped = nbgrader_layout(canvas, "canvas", CH1, roster, tmp_path / "c")
    assert sorted(str(p.relative_to(tmp_path / "c")) for p in (tmp_path / "c").rglob("*.*")) == [
        f"ana/{CH1}/{CH1}.ipynb", f"ana/{CH1}/helper-1.py", f"dan/{CH1}/{CH1}.ipynb"]
    assert (tmp_path / "c" / "ana" / CH1 / f"{CH1}.ipynb").read_text() == "lopezana_101_5001_01_feedforward-2.ipynb"
    assert notes == {("ana", CH1): [], ("dan", CH1): []}
    assert skipped == ["okaforben_LATE_102_5002_.hidden: no file name after the Canvas prefix"]
    # Moodle without folders: the prefix before each file's name.
    (moodle / f"Ben Okafor_102_assignsubmission_file_{CH1}.ipynb").write_text("ben", encoding="utf-8")
    (moodle / "Ben Okafor_102_assignsubmission_onlinetext_onlinetext.html").write_text("<p>", encoding="utf-8")
    assert recognise(moodle) == "moodle"
    notes, skipped = nbgrader_layout(moodle, "moodle", CH1, roster, tmp_path / "m")
    assert [str(p.relative_to(tmp_path / "m")) for p in (tmp_path / "m").rglob("*.*")] == [f"ben/{CH1}/{CH1}.ipynb"]
    assert (notes, skipped) == ({("ben", CH1): []}, [])


def _roster_file(folder: Path) -> Path:
    path = folder / "roster.csv"
    path.write_text(lms_courses.ROSTER, encoding="utf-8")
    return path


def test_grading_the_same_download_again_grades_nothing_and_keeps_the_tables(courses, tmp_path):
    folder = tmp_path / "canvas_course"
    shutil.copytree(courses / "canvas_course", folder)
    before = _rows(folder)
    run = grade(courses / "submissions.zip", folder, [CH1], source_dir=FIXTURES, progress=False, limits=LIMITS)
    assert run.unchanged == len(run.results) == 4
    assert _rows(folder) == before


def test_a_due_date_set_in_nbgraders_gradebook_counts_where_the_configuration_gives_none(courses, tmp_path):
    from nbgrader.api import Gradebook

    from autograder.release import COURSE_ID

    folder = tmp_path / "canvas_course"
    shutil.copytree(courses / "canvas_course", folder)
    (folder / "course.toml").write_text(COURSE_TOML.replace('02_backprop = "2026-10-12T23:59:00+02:00"\n', ""))
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", COURSE_ID) as gb:
        gb.update_or_create_assignment(CH2, duedate=DUE2 + dt.timedelta(days=1))  # as the formgrader sets it
    grade(courses / "submissions.zip", folder, [CH1], source_dir=FIXTURES, progress=False, limits=LIMITS)
    rows = _rows(folder)
    assert (rows["cara", CH2]["hours_late"], rows["cara", CH2]["penalty"]) == ("6.00", "0.3")
    assert (rows["ana", CH2]["hours_late"], rows["ana", CH2]["penalty"]) == ("0.00", "0")
    with Gradebook(f"sqlite:///{folder / 'gradebook.db'}", COURSE_ID) as gb:
        assert gb.find_assignment(CH1).duedate == DUE1.replace(tzinfo=None)  # the configuration's, in UTC
        assert gb.find_assignment(CH2).duedate == (DUE2 + dt.timedelta(days=1)).replace(tzinfo=None)


_ROSTER = ("roster.csv", read_roster, RosterError)
_COURSE = ("course.toml", read_course_config, CourseConfigError)


@pytest.mark.parametrize("kind, text, words", [
    (_ROSTER, "name,email\nana,a@x\n", "no student_id column"),
    (_ROSTER, "student_id\n\n", "lists no student"),
    (_ROSTER, "student_id,lms_id\nana,1\nben,1\n", "line 3: lms_id '1' is already on line 2"),
    (_ROSTER, "student_id\nana\nana\n", "line 3: student_id 'ana' is already on line 2"),
    (_ROSTER, "student_id\n../etc\n", "not usable as a folder name"),
    (_COURSE, "[due]\n07_extra = 2026-01-01T00:00:00\n", "unknown chapters 07_extra"),
    (_COURSE, "[due]\n01_feedforward = 2026-01-01\n", "has no time of day"),
    (_COURSE, "[due]\n01_feedforward = \"next monday\"\n", "is not a date and time"),
    (_COURSE, "timezone = \"Mars/Olympus\"\n", "is not a time zone"),
    (_COURSE, "[late]\nper_day = 10\n", "per_day = 10 must be a number from 0 to 1"),
    (_COURSE, "[late]\nper_hour = 0.1\n", "unknown entries per_hour"),
    (_COURSE, "deadline = 1\n", "unknown entries deadline"),
    (_COURSE, "[due\n", "is not valid TOML"),
], ids=lambda value: value[0] if isinstance(value, tuple) else None)
def test_a_bad_roster_or_course_configuration_is_refused_naming_the_problem(tmp_path, kind, text, words):
    name, read, error = kind
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=re.escape(words)):
        read(path)


def test_a_roster_from_a_spreadsheet_with_a_bom_is_read(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes("\ufeffstudent_id,name\nana,Ana Lopez\n".encode("utf-8"))
    assert [(s.student_id, s.first_and_last_name) for s in read_roster(path)] == [("ana", ("Ana", "Lopez"))]


def test_due_dates_without_an_offset_are_in_the_course_timezone(tmp_path):
    path = tmp_path / "course.toml"
    path.write_text(COURSE_TOML, encoding="utf-8")
    config = read_course_config(path)
    assert config.due == {CH1: DUE1, CH2: DUE2}
    assert config.late == LatePolicy(per_day=0.1, cap=0.5, grace_minutes=15, marked_late_days=1)
    assert config.canvas_ids == {CH1: "4711"}


def test_lateness_counts_started_days_and_stops_at_the_cap():
    policy = LatePolicy(per_day=0.1, cap=0.25, grace_minutes=0)
    naive_utc = DUE1.replace(tzinfo=None)
    cases = [(dt.timedelta(0), 0.0), (dt.timedelta(seconds=1), 1.0), (dt.timedelta(hours=24), 1.0),
             (dt.timedelta(hours=24, seconds=1), 2.0), (dt.timedelta(days=30), 2.5)]
    for delay, points in cases:
        assert lateness(naive_utc + delay, DUE1, False, 10, policy).penalty == pytest.approx(points), delay
    assert lateness(None, None, True, 10, policy).penalty == 0  # no due date: never late
    assert not lateness(naive_utc - dt.timedelta(days=1), DUE1, True, 10, policy).late  # the time wins over a marker
