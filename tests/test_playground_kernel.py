"""The widgets in a real Jupyter kernel, with nbclient standing in for the browser.

nbclient keeps the state of every widget model as the kernel sends it (``widget_state``),
the way a front end would, so these tests read what a browser would be told to show: the
Playground board's state, an Output widget's PNG, the labels' text. They also check that the
widget cells are safe to execute headless (no error, nothing on stderr, done in seconds) and
that "play" trains in the background while the kernel is idle.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.notebook

REPO = Path(__file__).resolve().parents[1]
PLAYGROUND_NOTEBOOK = REPO / "notebooks" / "playground.ipynb"
CELL_TIMEOUT = 20  # finite: nbclient can stall on a reply that already arrived (see notes)


class Kernel:
    """A notebook executed cell by cell in one kernel, plus probe cells run afterwards."""

    def __init__(self, nb: nbformat.NotebookNode, cwd: Path) -> None:
        self.nb = nb
        self.client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(cwd)}})

    def run_notebook(self) -> None:
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type == "code":
                self.client.execute_cell(cell, index)
                _assert_clean(cell)

    def run(self, source: str) -> str:
        """Execute ``source`` in a new cell; return its stdout; fail on errors or stderr."""
        cell = nbformat.v4.new_code_cell(source)
        self.nb.cells.append(cell)
        self.client.execute_cell(cell, len(self.nb.cells) - 1)
        _assert_clean(cell)
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    def value(self, expression: str):
        """The JSON value of a Python expression evaluated in the kernel."""
        return json.loads(self.run(f"import json; print(json.dumps({expression}))"))

    def front(self, css_class: str) -> dict:
        """The front end's state of the one widget that carries ``css_class``."""
        found = [state for state in self.client.widget_state.values()
                 if css_class in state.get("_dom_classes", ())]
        assert len(found) == 1, f"{len(found)} widgets with class {css_class}"
        return found[0]

    def front_board(self) -> dict:
        """The front end's state of the Playground's board."""
        return self.front("nn-board")


def _assert_clean(cell: nbformat.NotebookNode) -> None:
    for output in cell.outputs:
        assert output.output_type != "error", f"{output.ename}: {output.evalue}"
        assert not (output.output_type == "stream" and output.name == "stderr"), output.text


@pytest.fixture(scope="module")
def playground_kernel():
    nb = nbformat.read(PLAYGROUND_NOTEBOOK, as_version=4)
    kernel = Kernel(nb, PLAYGROUND_NOTEBOOK.parent)
    with kernel.client.setup_kernel():
        start = time.perf_counter()
        kernel.run_notebook()
        kernel.notebook_seconds = time.perf_counter() - start
        yield kernel


def test_playground_notebook_executes_headless_and_shows_its_board(playground_kernel):
    k = playground_kernel
    print(f"playground notebook executed in {k.notebook_seconds:.1f} s")
    assert k.front("nn-epoch")["value"] == "epoch 0"
    assert k.front("nn-loss")["value"].startswith("train loss ")
    board = k.front_board()
    assert board["network"]["labels"][0] == ["X₁", "X₂"]
    assert board["frame_id"] >= 1
    assert "model = Sequential(" in board["code"]
    assert board["query"] == ""  # no query string outside Voilà: the defaults
    assert not k.value("playground.playing")  # nothing runs until someone presses play


def test_front_end_sees_the_trained_network(playground_kernel):
    k = playground_kernel
    k.run("playground.reset()")
    before = k.front_board()
    frame_before, loss_before = before["frame_id"], k.front("nn-loss")["value"]
    k.run("playground.set(lr=0.1)\nplayground.step(10)")
    board = k.front_board()
    assert board["query"] == "lr=0.1"
    assert k.front("nn-epoch")["value"] == "epoch 10"
    assert k.front("nn-loss")["value"] != loss_before
    assert board["frame_id"] > frame_before
    assert "train(10, batch_size=16)" in board["code"]
    losses = k.value("playground.train_losses")
    assert len(losses) == 11 and losses[-1] < losses[0]
    # What the front end holds is what the kernel computed.
    assert k.value("playground.code") == board["code"]


def test_play_trains_in_the_background_while_the_kernel_is_idle(playground_kernel):
    k = playground_kernel
    k.run("playground.reset()\nplayground.play()")
    assert k.front("nn-play")["description"] == "pause"
    deadline = time.monotonic() + 60
    while k.value("playground.epoch") < 5:
        assert time.monotonic() < deadline, "play did not train 5 epochs in 60 s"
        time.sleep(0.5)  # the kernel is idle here: only the background task runs
    k.run("playground.pause()")
    time.sleep(1.0)  # the current frame finishes
    stopped_at = k.value("playground.epoch")
    time.sleep(1.0)
    assert k.value("playground.epoch") == stopped_at
    assert k.front("nn-play")["description"] == "play"
    # The background task's widget updates carry the parent header of the cell that started
    # it, and nbclient drops messages of cells that have finished (a browser does not), so
    # the label is read in the kernel here; the browser test sees it change on screen.
    assert k.value("playground.epoch_label.value") == f"epoch {stopped_at}"


EXPLORER_CELL = """\
import numpy as np
from nnlib.widgets.explorer import Explorer, log_slider, int_slider

def draw(values, fig):
    epochs = np.arange(values["epochs"] + 1)
    losses = np.exp(-values["lr"] * epochs)
    fig.add_subplot().plot(epochs, losses)
    return f"final loss {losses[-1]:.4f}"

explorer = Explorer({"lr": log_slider("learning rate", 0.01, 1e-3, 10.0),
                     "epochs": int_slider("epochs", 50, 5, 200, step=5)}, draw)
explorer"""

UNFINISHED_CELL = """\
from nnlib.widgets.explorer import Explorer, float_slider

def relu(z):
    ### BEGIN SOLUTION
    raise NotImplementedError()

def draw(values, fig):
    fig.add_subplot().plot(relu(np.linspace(-1, 1, 5) * values["scale"]))

broken = Explorer({"scale": float_slider("scale", 1.0, 0.5, 2.0, 0.5)}, draw)
broken"""


def test_an_explorer_in_a_real_kernel_and_a_students_unfinished_function(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(EXPLORER_CELL), nbformat.v4.new_code_cell(UNFINISHED_CELL)]
    k = Kernel(nb, tmp_path)
    with k.client.setup_kernel():
        start = time.perf_counter()
        k.run_notebook()  # no error, nothing on stderr, although relu is not written yet
        print(f"explorer notebook executed in {time.perf_counter() - start:.1f} s")
        statuses = {s["value"] for s in k.client.widget_state.values()
                    if "nn-status" in s.get("_dom_classes", ())}
        assert statuses == {"lr=0.01, epochs=50 — final loss 0.6065",
                            "scale=1 — error: NotImplementedError: "}
        png_before = k.value("__import__('hashlib').sha256(explorer.png).hexdigest()")
        k.run("explorer.set(lr=0.1)")
        assert k.value("explorer.status.value") == "lr=0.1, epochs=50 — final loss 0.0067"
        png_after = k.value("__import__('hashlib').sha256(explorer.png).hexdigest()")
        assert png_after != png_before
        shown = [s for s in k.client.widget_state.values()
                 if "nn-plot" in s.get("_dom_classes", ()) and s["outputs"]
                 and s["outputs"][-1]["output_type"] == "display_data"]
        assert len(shown) == 1
        assert hashlib.sha256(base64.b64decode(
            shown[0]["outputs"][-1]["data"]["image/png"])).hexdigest() == png_after
