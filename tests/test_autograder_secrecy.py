"""No hidden test reaches a student through the kernel's memory (issue 16, item 4).

A kernel keeps what it ran: IPython's input history and its variables, ``linecache``, live
function and code objects, frames and the last traceback. Hostile submissions read every
one of those places from cells placed after the test cells, from a function the hidden
tests call (it inspects its callers), from an error it raises inside the hidden tests, and
from a thread that runs all along; each prints what it finds compressed, base64-encoded
and reversed, a form no filter of printed text recognises. The tests decode every such
print on the feedback pages and assert that none holds a hidden line, a name a hidden
region defines, or a message only a hidden region writes.

A control runs the same readers in a kernel that ran the hidden regions inline (as plain
nbgrader does): there, each reader finds hidden code, so the readers do read what the
kernel keeps, and the grader's result is not an accident of readers that see nothing.
"""

from __future__ import annotations

import ast
import base64
import copy
import re
import zlib
from pathlib import Path

import nbformat
import pytest

from autograder.cells import drop_nbgrader_meta, grade_id, is_test
from autograder.grading import grade
from autograder.hidden import split_test
from autograder.limits import Limits
from autograder.release import release
from autograder.samples import solved, with_answers, write_submission
from fixtures import support

pytestmark = pytest.mark.grading

FIXTURES = support.FIXTURE_NOTEBOOKS
CH = "01_feedforward"
# Generous output limits: the readers print a lot, and every print must reach the page.
LIMITS = Limits(cell_timeout=20, output_bytes=20_000_000, notebook_output_bytes=200_000_000)
PLACES = ("history", "variables", "linecache", "objects", "frames")

# First cell of every hostile notebook: the objects that exist before any of its code ran.
BASELINE = "import gc\n__baseline = {id(o) for o in gc.get_objects()}\n"

# Reads every place the kernel keeps code it ran; prints "LEAK <place> <encoded>" for each.
READERS = r'''
import base64, gc, linecache, os, sys, types, zlib

def __leak(place, parts):
    text = "\n".join(str(p) for p in parts)
    encoded = base64.b64encode(zlib.compress(text.encode("utf-8", "replace"))).decode()
    print("LEAK", place, encoded[::-1])

def __code_texts(code, seen):
    if id(code) in seen:
        return []
    seen.add(id(code))
    out = [code.co_filename, code.co_name, repr(code.co_names), repr(code.co_varnames)]
    for const in code.co_consts:
        out += __code_texts(const, seen) if isinstance(const, types.CodeType) else [repr(const)]
    return out + linecache.getlines(code.co_filename)

def __frame_texts(frame, seen):
    out = []
    while frame is not None and id(frame) not in seen:
        seen.add(id(frame))
        out += __code_texts(frame.f_code, seen)
        out += [f"{k}={v!r:.300}" for k, v in list(frame.f_locals.items())]
        frame = frame.f_back
    return out

__shell = get_ipython()
__history = __shell.history_manager
__leak("history", [*In, *_ih, *[v for k, v in list(globals().items()) if k.startswith("_i")], repr(Out),
                   *__history.input_hist_raw, *__history.input_hist_parsed,
                   *[line for _, _, line in __history.get_range(raw=True)]])
__leak("variables", [f"{k}={v!r:.3000}" for k, v in list(globals().items()) if k != "__baseline"])
__leak("linecache", ["".join(entry[2]) for entry in list(linecache.cache.values()) if len(entry) > 2])
__seen, __found = set(), []
for __object in gc.get_objects():
    if isinstance(__object, types.FunctionType) and not os.path.isfile(__object.__code__.co_filename):
        __found += __code_texts(__object.__code__, __seen) + [repr(__object.__defaults__)]
    elif id(__object) not in __baseline and isinstance(__object, (dict, list, tuple, set, frozenset)):
        try:  # another thread of the kernel may be changing this one
            __items = list(__object.items()) if isinstance(__object, dict) else list(__object)
        except RuntimeError:
            continue
        for __item in __items:
            for __part in (__item if isinstance(__item, tuple) else (__item,)):
                if isinstance(__part, (str, bytes)):
                    __found.append(repr(__part)[:3000])
                elif isinstance(__part, types.CodeType):
                    __found += __code_texts(__part, __seen)
__leak("objects", __found)
__seen, __found = set(), [repr(getattr(sys, "last_value", None))]
for __tb in (getattr(sys, "last_traceback", None), sys.exc_info()[2]):
    while __tb is not None:
        __found += __frame_texts(__tb.tb_frame, __seen)
        __tb = __tb.tb_next
for __frame in list(sys._current_frames().values()):
    __found += __frame_texts(__frame, __seen)
__leak("frames", __found)
'''

# The student's relu inspects every frame that calls it (a hidden region, in the copy that
# runs it), keeps what it finds in a list and a file, and prints it; a later cell and a
# thread started at the top print the list and the file. The student's softmax raises what
# it finds when one of its callers is code without a source (hidden code, that is).
SNOOPER_TOP = BASELINE + r'''
import base64, linecache, os, sys, threading, time, zlib

def __encode(parts):
    text = "\n".join(str(p) for p in parts)
    return base64.b64encode(zlib.compress(text.encode("utf-8", "replace"))).decode()[::-1]

__stolen = []

def __snoop():
    found = []
    frame = sys._getframe(2)
    while frame is not None:
        found += [frame.f_code.co_filename, repr(frame.f_code.co_consts), repr(frame.f_code.co_names)]
        found += [f"{k}={v!r:.300}" for k, v in list(frame.f_locals.items())]
        found += linecache.getlines(frame.f_code.co_filename)
        frame = frame.f_back
    payload = __encode(found)
    __stolen.append(payload)
    with open("stolen.txt", "a") as handle:
        handle.write(payload + "\n")
    print("LEAK during", payload)
    return payload

def __watch():
    shown = 0
    while True:
        try:
            with open("stolen.txt") as handle:
                lines = handle.read().splitlines()
        except OSError:
            lines = []
        for line in lines[shown:]:
            print("LEAK thread", line)
        shown = len(lines)
        time.sleep(0.02)

threading.Thread(target=__watch, daemon=True).start()
'''
SNOOPING_RELU = '''def relu(z):
    __snoop()
    return np.maximum(z, 0)
'''
RAISING_SOFTMAX = '''def softmax(z):
    payload = __snoop()
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (linecache.getlines(name) or os.path.isfile(name) or name.startswith("<frozen")):
            raise AssertionError("LEAK raise " + payload)
        frame = frame.f_back
    shifted = z - np.max(z, axis=-1, keepdims=True)
    return np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
'''
SNOOPER_END = '''print("LEAK later", *__stolen)
with open("stolen.txt") as handle:
    print("LEAK file", *handle.read().split())
'''


def _hidden_secrets(nb) -> set[str]:
    """What only the hidden regions hold: their lines, the names they define, their messages."""
    lines, _ = support.secret_lines(nb)
    visible = "\n".join(cell.source for cell in nb.cells if not is_test(cell))
    visible += "\n".join("\n".join(split_test(cell.source).visible) for cell in nb.cells if is_test(cell))
    secrets = set(lines)
    for cell in nb.cells:
        if not is_test(cell):
            continue
        for region in split_test(cell.source).hidden:
            for node in ast.walk(ast.parse(region)):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    secrets.add(node.id)
                elif isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 8:
                    secrets.add(node.value)
    return {s for s in secrets if s not in visible}


def _leaks(text: str) -> dict[str, list[str]]:
    """place -> the decoded texts of every "LEAK <place> <payload>" printed in ``text``."""
    found: dict[str, list[str]] = {}
    for place, payloads in re.findall(r"LEAK (\w+) ((?:[A-Za-z0-9+/=]{8,} ?)+)", text):
        for payload in payloads.split():
            try:
                decoded = zlib.decompress(base64.b64decode(payload[::-1])).decode("utf-8", "replace")
            except (ValueError, zlib.error):
                continue
            found.setdefault(place, []).append(decoded)
    return found


def _hostile(ok):
    """(memory reader, snooper): the solved notebook with the readers after every test cell and
    at the end; and with the snooping relu, the raising softmax, the thread and a last cell."""
    reader = copy.deepcopy(ok)
    reader.cells.insert(0, nbformat.v4.new_code_cell(BASELINE))
    for name in [grade_id(c) for c in ok.cells if is_test(c)]:
        reader = support.insert_after(reader, name, READERS)
    reader.cells.append(nbformat.v4.new_code_cell(READERS))
    snooper = with_answers(ok, {"relu": SNOOPING_RELU, "softmax": RAISING_SOFTMAX})
    snooper.cells.insert(0, nbformat.v4.new_code_cell(SNOOPER_TOP))
    snooper.cells.append(nbformat.v4.new_code_cell(SNOOPER_END))
    return reader, snooper


def _grade_batch(root: Path) -> None:
    folder = release([CH], root / "release", FIXTURES)[CH]
    ok = solved(nbformat.read(folder / f"{CH}.ipynb", as_version=4), support.source_notebook(FIXTURES, CH))
    reader, snooper = _hostile(ok)
    write_submission(root / "submitted", "reader", CH, reader)
    write_submission(root / "submitted", "snooper", CH, snooper)
    grade(root / "submitted", root / "out", jobs=2, source_dir=FIXTURES, progress=False, limits=LIMITS)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return support.computed_once(tmp_path_factory, "secrecy-batch", _grade_batch)


def _page(root: Path, student: str) -> str:
    return support.html_text(root / "out" / "feedback" / student / CH / f"{CH}.html")


def test_readers_of_the_kernels_memory_find_no_hidden_test_on_the_feedback_page(batch):
    secrets = _hidden_secrets(support.source_notebook(FIXTURES, CH))
    leaks = _leaks(_page(batch, "reader"))
    assert sorted(leaks) == sorted(PLACES), "every reader ran and its print reached the page"
    assert all(len(texts) == 4 for texts in leaks.values()), "after each of the 3 test cells and at the end"
    for place, texts in leaks.items():
        for text in texts:
            assert "__autograder_freeze(" in text or place != "history", "the history holds the test cells as run"
            found = sorted(s for s in secrets if s in text)
            assert not found, f"the {place} reader found hidden test code: {found[:3]}"


def test_a_function_the_hidden_tests_call_gets_nothing_out(batch):
    secrets = _hidden_secrets(support.source_notebook(FIXTURES, CH))
    page = _page(batch, "snooper")
    leaks = _leaks(page)
    assert {"during", "thread", "later", "file"} <= set(leaks), "the snooper's prints from the visible tests are there"
    assert "raise" not in leaks, "the error raised inside the hidden tests shows the instructor's words only"
    for place, texts in leaks.items():
        for text in texts:
            found = sorted(s for s in secrets if s in text)
            assert not found, f"the snooper's {place} print holds hidden test code: {found[:3]}"
    rows = {r["grade_id"]: float(r["score"]) for r in support.table(batch / "out" / "grades_detail.csv")
            if r["student"] == "snooper"}
    assert rows == {"test_sigmoid": 2, "test_relu": 1, "test_softmax": 0}, "softmax raised inside the hidden tests"


def test_the_same_readers_find_the_hidden_tests_where_they_ran_in_the_kernel(runner, tmp_path):
    """The control: test cells run whole, hidden regions included, as plain nbgrader runs them."""
    folder = release([CH], tmp_path / "release", FIXTURES)[CH]
    source = support.source_notebook(FIXTURES, CH)
    ok = solved(nbformat.read(folder / f"{CH}.ipynb", as_version=4), source)
    whole = {grade_id(c): c.source for c in source.cells if is_test(c)}
    for cell in ok.cells:
        if grade_id(cell) in whole:
            cell.source = whole[grade_id(cell)]
    # The softmax test fails in its hidden region: its traceback is the kernel's last one.
    ok = with_answers(ok, {"softmax": "def softmax(z):\n    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)\n"})
    reader, _ = _hostile(ok)
    for cell in reader.cells:
        drop_nbgrader_meta(cell)  # ordinary cells: nothing is split off
    runner.run(reader, folder, LIMITS)
    text = "\n".join(o.get("text", "") for c in reader.cells for o in c.get("outputs", []))
    secrets = _hidden_secrets(source)
    leaks = _leaks(text)
    for place in PLACES:
        last = leaks[place][-1]
        assert any(s in last for s in secrets), f"the {place} reader finds no hidden code even where it ran"
