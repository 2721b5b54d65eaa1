"""Solution markers in nnlib, and the student build that removes them (autograder.strip)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from autograder.course import CHAPTERS, EXERCISES, NNLIB_DIR, chapter_index
from autograder.strip import MarkerError, build_student_nnlib, find_regions, strip_source

ALL_REGIONS = [
    (path, region)
    for path in sorted(NNLIB_DIR.rglob("*.py"))
    for region in find_regions(path.read_text(encoding="utf-8"), str(path))
]


def test_every_exercise_has_exactly_one_region_labelled_with_its_chapter():
    chapters_by_function: dict[str, list[str]] = {}
    for _, region in ALL_REGIONS:
        chapters_by_function.setdefault(region.function, []).append(region.chapter)
    for chapter, names in EXERCISES.items():
        for name in names:
            assert chapters_by_function.get(name) == [chapter], \
                f"{name} should have one solution region labelled {chapter}, found {chapters_by_function.get(name)}"


# Run in a fresh interpreter whose nnlib is the student build: import every module, call
# every top-level function that has a region, and report what happened.
_PROBE = textwrap.dedent(
    """
    import importlib, inspect, json, pkgutil, sys
    import nnlib
    report = {"file": nnlib.__file__, "calls": {}}
    for info in pkgutil.walk_packages(nnlib.__path__, "nnlib."):
        module = importlib.import_module(info.name)
    wanted = json.loads(sys.argv[1])
    for module_name, function in wanted:
        module = importlib.import_module(module_name)
        f = getattr(module, function)
        required = [p for p in inspect.signature(f).parameters.values()
                    if p.default is inspect.Parameter.empty and p.kind is p.POSITIONAL_OR_KEYWORD]
        try:
            f(*([None] * len(required)))
            outcome = "returned"
        except NotImplementedError as error:
            outcome = "NotImplementedError: " + str(error)
        except Exception as error:
            outcome = type(error).__name__
        report["calls"][function] = outcome
    print(json.dumps(report))
    """
)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_build_imports_and_raises_for_this_and_later_chapters(chapter, tmp_path):
    build_student_nnlib(chapter, tmp_path)
    top_level = [
        (".".join(("nnlib",) + path.relative_to(NNLIB_DIR).with_suffix("").parts), region.function, region.chapter)
        for path, region in ALL_REGIONS
        if "." not in region.function
    ]
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps([(m, f) for m, f, _ in top_level])],
        cwd=tmp_path, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert Path(report["file"]).resolve().is_relative_to(tmp_path.resolve())
    for _, function, region_chapter in top_level:
        outcome = report["calls"][function]
        if chapter_index(region_chapter) >= chapter_index(chapter):
            assert outcome.startswith("NotImplementedError"), f"{function} should be stripped, got {outcome}"
            assert region_chapter in outcome and function in outcome, "the message names the exercise and chapter"
        else:
            assert not outcome.startswith("NotImplementedError"), f"{function} ({region_chapter}) must keep its answer"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_student_build_contains_no_line_of_a_removed_answer(chapter, tmp_path):
    built = build_student_nnlib(chapter, tmp_path)
    for path, region in ALL_REGIONS:
        if chapter_index(region.chapter) < chapter_index(chapter):
            continue
        original = path.read_text(encoding="utf-8").splitlines()
        answer = original[region.begin : region.end - 1]
        outside = set(original[: region.begin - 1] + original[region.end :])
        # A line found only inside the answer must be gone from the student build.
        telling = [line for line in answer if line.strip() and line not in outside]
        stripped = set((built / path.relative_to(NNLIB_DIR)).read_text(encoding="utf-8").splitlines())
        leaked = [line for line in telling if line in stripped]
        assert not leaked, f"{region.function}'s answer leaked into the {chapter} build: {leaked}"


def test_strip_keeps_earlier_chapters_and_removes_later_ones():
    source = textwrap.dedent(
        '''
        def early(x):
            """Doc."""
            ### BEGIN SOLUTION 01_feedforward
            return x + 1
            ### END SOLUTION 01_feedforward

        class Thing:
            def step(self):
                """Doc."""
                ### BEGIN SOLUTION 03_optimizers
                return 3
                ### END SOLUTION 03_optimizers
        '''
    )
    stripped = strip_source(source, "02_backprop")
    assert "return x + 1" in stripped and "return 3" not in stripped
    namespace: dict = {}
    exec(stripped, namespace)
    assert namespace["early"](1) == 2
    with pytest.raises(NotImplementedError, match="Thing.step is an exercise of chapter 03_optimizers"):
        namespace["Thing"]().step()


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def f():\n    ### BEGIN SOLUTION 01_feedforward\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION 01_feedforward\n", "without a BEGIN"),
        ("def f():\n    ### BEGIN SOLUTION 09_unknown\n    return 1\n    ### END SOLUTION 09_unknown\n",
         "must name a chapter"),
        ("def f():\n    ### BEGIN SOLUTION 01_feedforward\n    return 1\n    ### END SOLUTION 02_backprop\n",
         "closes BEGIN SOLUTION"),
        ("def f():\n    x = 1\n    ### BEGIN SOLUTION 01_feedforward\n    return x\n    ### END SOLUTION 01_feedforward\n",
         "whole body"),
    ],
)
def test_malformed_markers_are_refused_with_a_clear_message(source, problem):
    with pytest.raises(MarkerError, match=problem):
        find_regions(source, "example.py")
