"""The Playground's board: the network, the heat map and the loss chart, drawn in the browser.

``Board`` is an anywidget (its JavaScript, ``playground_board.js``, ships inside nnlib, so
nothing is fetched at run time). The kernel sends numbers, the page draws them on canvases:
a frame is raw bytes (about 50 KB for the default network, see bench/playground_frames.py),
with no figure for the kernel to draw and compress, so training can be watched frame by
frame. What it is sent (``start`` and ``show`` encode it):

- ``network``: the neurons' labels, column by column (input features, hidden layers, the
  output), whether the problem is a regression, and the extent of the input plane;
- ``points``: float32 rows (x1, x2, target, is_test);
- ``frame``: uint8, every neuron's output over a GRID x GRID grid of the input plane, layer
  by layer, scaled to [-1, 1] (0 .. 255); ``weights``: float32, every weight matrix in order
  (a line each in the network view);
- ``curves`` and ``ghost`` (the previous run): float32 rows (epoch, train loss, test loss);
  ``marks``: ``[epoch, text]`` for each change of a training setting;
- ``code``: the code that reproduces the run, read-only, with a copy button;
- ``query``: the settings as a URL query, which the page puts in its address (in Voilà).

The page answers each frame it has drawn (``drawn``, with the frame rate it measures) and
says it is alive every second, so the kernel sends no faster than the page draws, and a
closed page stops a run that is playing (``front_end_gone``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from nnlib.widgets.playground_problems import FEATURE_LABELS
from nnlib.widgets.playground_run import Run, describe_change

__all__ = ["GRID", "CURVE_POINTS", "ALIVE_SECONDS", "Board", "extent_of", "grid_points",
           "scaled_bytes", "curve_bytes"]

GRID = 50            # points per side of the input plane's grid
CURVE_POINTS = 1000  # loss curves longer than this are thinned to this many points
ALIVE_SECONDS = 10.0  # a page silent this long is gone (it says it is alive every second)
_FRAMES_AHEAD = 2    # frames the kernel sends before the page has drawn them


def extent_of(points: np.ndarray) -> tuple[float, float, float, float]:
    """(x1_min, x1_max, x2_min, x2_max): the points' box, each side widened by 8 % of its
    span (at least 0.1), so every point sits inside the heat map. points: (m, 2)."""
    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.maximum(0.08 * (high - low), 0.1)
    low, high = low - margin, high + margin
    return float(low[0]), float(high[0]), float(low[1]), float(high[1])


def grid_points(extent: Sequence[float], size: int = GRID) -> np.ndarray:
    """The centres of a size x size grid over ``extent``, row by row from the top (largest x2)
    down, left to right in each row, as a picture is stored. Returns (size * size, 2)."""
    x1_min, x1_max, x2_min, x2_max = extent
    steps = (np.arange(size) + 0.5) / size
    x1 = x1_min + steps * (x1_max - x1_min)
    x2 = x2_max - steps * (x2_max - x2_min)
    g1, g2 = np.meshgrid(x1, x2)
    return np.column_stack([g1.ravel(), g2.ravel()])


def scaled_bytes(values: np.ndarray) -> bytes:
    """Values in [-1, 1] as bytes 0..255 (not finite: 127, the middle). values: any shape."""
    with np.errstate(invalid="ignore"):
        q = np.round((np.clip(values, -1.0, 1.0) + 1.0) * 127.5)
    return np.where(np.isfinite(q), q, 127).astype(np.uint8).tobytes()


def curve_bytes(train: Sequence[float], test: Sequence[float]) -> bytes:
    """The loss curves as float32 rows (epoch, train, test), thinned to at most CURVE_POINTS
    epochs (the first and last kept) so a long run costs no more to send than a short one."""
    n = len(train)
    epochs = np.arange(n) if n <= CURVE_POINTS else np.unique(
        np.linspace(0, n - 1, CURVE_POINTS).round().astype(int))
    rows = np.column_stack([epochs, np.asarray(train)[epochs], np.asarray(test)[epochs]])
    return rows.astype(np.float32).tobytes()


def _neuron_grids(run: Run, points: np.ndarray) -> np.ndarray:
    """Every neuron's output at the grid ``points``, each column scaled into [-1, 1]: hidden
    and input values divided by max(1, their largest |value|), the output as 2 P(class 1) - 1
    in classification and as it is in regression. Returns (n_neurons, k)."""
    with np.errstate(all="ignore"):
        outputs = run.neuron_outputs(points)
        scaled = [columns / np.maximum(1.0, np.abs(columns).max(axis=0)) for columns in outputs[:-1]]
        last = outputs[-1] if run.regression else 2 * outputs[-1] - 1
    return np.concatenate(scaled + [last], axis=1).T


def _drawn_weights(run: Run) -> list[np.ndarray]:
    """The weights the network view draws, matrix by matrix (n_in, n_out). In classification
    the output neuron shows P(class 1), which depends on the difference of the two logits, so
    its weights are the differences W[:, 1] - W[:, 0] (n_in, 1)."""
    weights = run.weights()
    if not run.regression:
        weights[-1] = weights[-1][:, 1:] - weights[-1][:, :1]
    return weights


class Board(anywidget.AnyWidget):
    """The network, heat map and loss chart of a Playground (see the module docstring)."""

    _esm = Path(__file__).with_name("playground_board.js")
    _css = Path(__file__).with_name("playground_board.css")

    network = traitlets.Dict().tag(sync=True)
    points = traitlets.Bytes(b"").tag(sync=True)
    frame = traitlets.Bytes(b"").tag(sync=True)
    frame_id = traitlets.Int(0).tag(sync=True)
    weights = traitlets.Bytes(b"").tag(sync=True)
    curves = traitlets.Bytes(b"").tag(sync=True)
    ghost = traitlets.Bytes(b"").tag(sync=True)
    marks = traitlets.List().tag(sync=True)
    show_test = traitlets.Bool(False).tag(sync=True)
    discretize = traitlets.Bool(False).tag(sync=True)
    log_loss = traitlets.Bool(False).tag(sync=True)
    message = traitlets.Unicode("").tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
    code = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.last_contact: float | None = None  # when the page last spoke (time.monotonic)
        self.drawn_id = 0                       # the last frame the page has drawn
        self.fps: float | None = None           # frames per second, as the page measures them
        self._grid: np.ndarray | None = None
        self.on_msg(self._page_says)

    def _page_says(self, _widget: Any, content: dict, _buffers: list) -> None:
        self.last_contact = time.monotonic()
        if content.get("type") == "drawn":
            self.drawn_id = max(self.drawn_id, int(content.get("frame", 0)))
            self.fps = content.get("fps")

    @property
    def behind(self) -> bool:
        """True while a page is shown and has not drawn the frames sent to it."""
        return self.last_contact is not None and self.frame_id - self.drawn_id >= _FRAMES_AHEAD

    @property
    def front_end_gone(self) -> bool:
        """True when a page was shown and has been silent for ALIVE_SECONDS."""
        return (self.last_contact is not None
                and time.monotonic() - self.last_contact > ALIVE_SECONDS)

    def start(self, run: Run) -> None:
        """Show a new run: its network's layout, its points and its input plane."""
        X = np.concatenate([run.X_train, run.X_test])
        extent = extent_of(X)
        self._grid = grid_points(extent)
        labels = [[FEATURE_LABELS[name] for name in run.setup["features"]]]
        labels += [[f"layer {i + 1}, neuron {j + 1}" for j in range(width)]
                   for i, width in enumerate(run.setup["hidden"])]
        labels.append(["output"])
        y = np.concatenate([run.y_train, run.y_test]).reshape(len(X), -1)[:, 0]
        is_test = np.r_[np.zeros(len(run.X_train)), np.ones(len(run.X_test))]
        with self.hold_sync():
            self.network = {"labels": labels, "regression": run.regression,
                            "extent": list(extent), "grid": GRID}
            self.points = np.column_stack([X, y, is_test]).astype(np.float32).tobytes()

    def show(self, run: Run) -> None:
        """Send the run's current state: neuron outputs, weights, loss curves, marks."""
        grids = _neuron_grids(run, self._grid)
        marks = [[later.start, describe_change(earlier.live, later.live)]
                 for earlier, later in zip(run.segments, run.segments[1:])]
        with self.hold_sync():
            self.frame = scaled_bytes(grids)
            self.weights = np.concatenate([W.ravel() for W in _drawn_weights(run)]).astype(
                np.float32).tobytes()
            self.curves = curve_bytes(run.train_losses, run.test_losses)
            self.marks = marks
            self.frame_id += 1
