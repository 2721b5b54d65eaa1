"""Training explorer (chapter 2): batch gradient descent on a toy set, with your own backprop.

Pick a learning rate (log scale), a number of epochs, a number of hidden units and a toy data
set; the explorer trains a small network from scratch on 200 points and shows the training
loss per epoch next to the decision boundary it ended with (a heat map of P(class 1), with a
colour bar). The status line gives the final loss and the training accuracy, or says that
training diverged.

The training function is an argument, so a notebook passes the one it built from the
student's own backward functions::

    from nnlib.widgets.training_explorer import TrainingExplorer

    TrainingExplorer(train_two_layer)     # last line of a cell: shows it

A training function has the signature ``train(X, y, lr, epochs, rng, n_hidden) -> (losses,
predict)`` (the explorer passes n_hidden by keyword):

- X: (m, 2) float64 points; y: (m,) int64 labels in {0, 1}; lr: the learning rate;
  epochs: the number of full-batch gradient steps; rng: the np.random.Generator to draw the
  initial weights from (the explorer passes a freshly seeded one, so a setting always gives
  the same picture); n_hidden: the number of units of the hidden layer;
- losses: the training loss of each epoch (a sequence of floats);
- predict: a function of points (k, 2) returning P(class 1) of shape (k,) or (k, 1), or the
  class probabilities (k, n_classes).

``train=None`` uses ``reference_train``, built from nnlib's own functions (in a student's
build of nnlib for chapter 2 those raise NotImplementedError, which the status line shows).
Errors and warnings from the training function are shown, never raised (see
``nnlib.widgets.explorer.Explorer``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnlib.datasets import DATASETS, make_dataset
from nnlib.viz import plot_decision_boundary
from nnlib.widgets.explorer import (
    Explorer,
    check_functions,
    dropdown,
    int_slider,
    log_slider,
    message_panel,
)

__all__ = ["TrainingExplorer", "TrainFunction", "reference_train", "LR_RANGE", "HIDDEN_UNITS"]

Predict = Callable[[np.ndarray], np.ndarray]
TrainFunction = Callable[..., tuple[Sequence[float], Predict]]

LR_RANGE = (1e-3, 10.0)  # the learning-rate slider's ends
HIDDEN_UNITS = (2, 4, 8, 16, 32, 64, 128)  # the choices of the units control
_GRID = 80  # points per axis of the decision-boundary heat map (kept small: redraw < 1 s)


def reference_train(X: np.ndarray, y: np.ndarray, lr: float, epochs: int,
                    rng: np.random.Generator, n_hidden: int = 16) -> tuple[list[float], Predict]:
    """nnlib's two-layer network trained by full-batch gradient descent.

    The network is dense (n_in -> n_hidden, He init) -> ReLU -> dense (n_hidden -> k) with a
    softmax cross-entropy loss, k = y.max() + 1 classes; biases start at 0. Each epoch is one
    forward pass over the whole of X, one backward pass and one step ``p -= lr * dp``.

    X: (m, n_in) points; y: (m,) integer labels; lr: learning rate; epochs: number of steps;
    rng: source of the initial weights.
    Returns (losses, predict): the loss before each step, and a function mapping points
    (k, n_in) to class probabilities (k, n_classes).
    """
    from nnlib.activations import relu, relu_backward, softmax
    from nnlib.dense import dense_backward, dense_forward
    from nnlib.initializers import he
    from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward

    n_classes = int(np.max(y)) + 1
    params = {"W1": he(X.shape[1], n_hidden, rng), "b1": np.zeros(n_hidden),
              "W2": he(n_hidden, n_classes, rng), "b2": np.zeros(n_classes)}

    def forward(points: np.ndarray) -> tuple[np.ndarray, tuple]:
        z1, cache1 = dense_forward(points, params["W1"], params["b1"])
        logits, cache2 = dense_forward(relu(z1), params["W2"], params["b2"])
        return logits, (cache1, z1, cache2)

    losses = []
    for _ in range(epochs):
        logits, (cache1, z1, cache2) = forward(X)
        losses.append(softmax_cross_entropy(logits, y))
        dlogits = softmax_cross_entropy_backward(logits, y)
        da1, dW2, db2 = dense_backward(dlogits, cache2)
        _, dW1, db1 = dense_backward(relu_backward(da1, z1), cache1)
        for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
            params[name] -= lr * grad

    def predict(points: np.ndarray) -> np.ndarray:
        return softmax(forward(points)[0])

    return losses, predict


def _class_one_probability(predict: Predict, X: np.ndarray) -> np.ndarray:
    """P(class 1) of each point, shape (m,), from whatever form ``predict`` returns."""
    probs = np.asarray(predict(X), dtype=np.float64)
    m = X.shape[0]
    if probs.shape in ((m,), (m, 1)):
        return probs.reshape(m)
    if probs.ndim == 2 and probs.shape[0] == m and probs.shape[1] >= 2:
        return probs[:, 1]
    raise ValueError(f"predict returned shape {probs.shape} for {m} points; expected ({m},), "
                     f"({m}, 1) or ({m}, n_classes)")


class TrainingExplorer(Explorer):
    """Learning rate, epochs, hidden units and data set -> training loss and decision boundary.

    train: ``train(X, y, lr, epochs, rng, n_hidden) -> (losses, predict)`` (see the module
    docstring), or None for ``reference_train``;
    lr, epochs, units, dataset: starting values of the controls (units: one of HIDDEN_UNITS);
    max_epochs: right end of the epochs slider (keep it at a few hundred so that a redraw
    takes about a second); n, noise: size and noise of the toy data set; seed: seeds both the
    data and the weights.

    Controls (keys): ``lr`` (log slider), ``epochs``, ``units``, ``data``. See
    ``nnlib.widgets.explorer.Explorer`` for ``set``, ``status``, ``png``, ``result``, ``error``;
    after each draw, ``losses`` holds the losses of the last run and ``accuracy`` its
    training accuracy (None when it diverged or failed).
    """

    def __init__(self, train: TrainFunction | None = None, *, lr: float = 0.1, epochs: int = 100,
                 units: int = 16, dataset: str = "moons", max_epochs: int = 300, n: int = 200,
                 noise: float = 0.2, seed: int = 0) -> None:
        check_functions(train=train)
        if dataset not in DATASETS:
            raise ValueError(f"unknown data set {dataset!r}; choose one of {', '.join(DATASETS)}")
        if not 10 <= epochs <= max_epochs:
            raise ValueError(f"epochs must lie in [10, max_epochs={max_epochs}], got {epochs}")
        if units not in HIDDEN_UNITS:
            raise ValueError(f"units must be one of {HIDDEN_UNITS}, got {units}")
        self.train = reference_train if train is None else train
        self.n, self.noise, self.seed = n, noise, seed
        self.losses: np.ndarray | None = None
        self.accuracy: float | None = None
        controls = {
            "lr": log_slider("learning rate η", lr, *LR_RANGE),
            "epochs": int_slider("epochs", epochs, 10, max_epochs, step=10),
            "units": dropdown("hidden units", [(str(u), u) for u in HIDDEN_UNITS], units),
            "data": dropdown("data set", list(DATASETS), dataset),
        }
        super().__init__(controls, self._draw, figsize=(9.6, 3.6), name="training-explorer")

    def _draw(self, values: dict[str, Any], fig: Figure) -> str:
        """Train once, draw the loss curve and the boundary; return the status text."""
        self.losses, self.accuracy = None, None
        data = values["data"]
        X, y = make_dataset(data, self.n, self.noise, rng=np.random.default_rng(self.seed))
        lr, epochs, units = float(values["lr"]), int(values["epochs"]), int(values["units"])
        losses, predict = self.train(X, y, lr, epochs, np.random.default_rng(self.seed + 1), n_hidden=units)
        losses = np.asarray(losses, dtype=np.float64).ravel()
        if losses.size == 0:
            raise ValueError("the training function returned no losses (one per epoch expected)")
        self.losses = losses
        p1 = _class_one_probability(predict, X) if np.all(np.isfinite(losses)) else None

        # A fixed layout rather than the constrained one: about twice as fast to draw.
        fig.set_layout_engine(None)
        fig.subplots_adjust(left=0.08, right=0.97, bottom=0.14, top=0.9, wspace=0.25)
        ax_loss, ax_boundary = fig.subplots(1, 2, width_ratios=(1, 1.3))
        ax_loss.plot(np.arange(1, losses.size + 1), np.where(np.isfinite(losses), losses, np.nan))
        ax_loss.set(xlabel="epoch (one full-batch step)", ylabel="training loss",
                    title=f"Training loss, learning rate η = {lr:.3g}")
        ax_loss.grid(True, alpha=0.3)

        if p1 is None or not np.all(np.isfinite(p1)):
            not_finite = np.flatnonzero(~np.isfinite(losses))
            where = f"from epoch {not_finite[0] + 1}" if not_finite.size else "in the predictions"
            message_panel(ax_boundary, "diverged:\nno boundary to draw")
            ax_boundary.set_title("Decision boundary")
            return f"diverged (not finite {where}): the learning rate is too large"
        self.accuracy = float(np.mean((p1 > 0.5) == (y == 1)))
        plot_decision_boundary(predict, X, y, ax=ax_boundary, resolution=_GRID,
                               title=f"After {epochs} epochs, {units} hidden units, {data}")
        text = f"final loss {losses[-1]:.4f}, training accuracy {100 * self.accuracy:.1f}%"
        if losses.size > 1 and losses[-1] > losses[0]:
            text += " (the loss went up: try a smaller learning rate)"
        return text
