"""The regularization explorer of chapter 4: penalty, λ and dropout rate -> a live boundary.

    from nnlib.widgets.regularization_explorer import RegularizationExplorer
    RegularizationExplorer(X_train, y_train, X_dev, y_dev,
                           l2_grad=l2_grad, l1_grad=l1_grad,
                           dropout_forward=dropout_forward, dropout_backward=dropout_backward)

Pick a penalty (none, L2 or L1), its strength λ and a dropout rate p: a small ReLU network
(two hidden layers of 32 units by default) is trained from the same seed with those settings,
and the explorer shows its decision boundary over the training points (a colour bar names the
classes) next to the training and dev loss per epoch. The status line gives the final losses and the dev accuracy.

The regularization itself is done by the functions you pass, normally the ones you wrote in
the chapter: ``l2_grad`` / ``l1_grad`` (the penalty's gradient, added to every weight
matrix's gradient) and ``dropout_forward`` / ``dropout_backward`` (a dropout layer after each
hidden ReLU). A function left as None (the default) is simply not available: choosing
the setting that needs it shows a message in the status line instead of a figure. So does
an error raised by one of your functions (for example ``NotImplementedError`` before you
wrote it): the explorer never raises.

Training is full-batch Adam on softmax cross-entropy, one step per epoch, as in the chapter;
the losses in the plot are the data loss only (no penalty), measured without dropout.
``train_regularized`` is that training function, usable on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from nnlib.activations import softmax
from nnlib.layers import Dense, Dropout, ReLU
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward
from nnlib.optimizers import Adam
from nnlib.regularization import add_penalty_grad
from nnlib.sequential import Sequential
from nnlib.viz import plot_decision_boundary
from nnlib.widgets.explorer import Explorer, dropdown, float_slider, int_slider, log_slider, require

__all__ = ["RegularizationExplorer", "train_regularized", "PENALTIES"]

PENALTIES = ("none", "L2", "L1")

# The highest value shown on the loss axis: an over-fitting network's dev loss keeps
# climbing, and an axis that followed it would flatten every other curve.
_LOSS_AXIS_TOP = 2.0


def train_regularized(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_dev: np.ndarray,
    y_dev: np.ndarray,
    *,
    penalty: str = "none",
    lam: float = 0.0,
    p: float = 0.0,
    functions: Mapping[str, Callable | None] | None = None,
    hidden: Sequence[int] = (32, 32),
    epochs: int = 300,
    lr: float = 0.006,
    seed: int = 0,
) -> tuple[Sequential, dict[str, list[float]]]:
    """Train a ReLU network with an optional weight penalty and dropout; full-batch Adam.

    X_train: (m, 2) training points, y_train: (m,) labels in {0, 1}; X_dev, y_dev: the dev set.
    penalty: "none", "L2" or "L1"; lam: its strength λ (the gradient ``grad(W, lam, m)`` of
        the penalty is added to the gradient of every weight matrix W, with m = len(X_train),
        the training set's size, as in ``nnlib.regularization``);
    p: dropout rate (probability to drop a unit) after each hidden ReLU, 0 for no dropout;
    functions: "l2_grad", "l1_grad", "dropout_forward", "dropout_backward" -> the functions
        that do the regularization (chapter 4's signatures); only those the settings use are
        needed;
    hidden: widths of the hidden layers; epochs: full-batch steps; lr: Adam's learning rate;
    seed: one seed for the initial weights and the dropout masks.

    Returns (model, history): the trained Sequential (its ``predict`` gives logits (k, 2))
    and {"loss": [...], "val_loss": [...]}, the data loss on the training and dev sets after
    every epoch, measured with dropout off.
    """
    if penalty not in PENALTIES:
        raise ValueError(f"penalty must be one of {PENALTIES}, got {penalty!r}")
    functions = dict(functions or {})
    penalty_grad = None
    if penalty != "none" and lam > 0:
        name = f"{penalty.lower()}_grad"
        penalty_grad = require(functions.get(name), name, f"the {penalty} penalty")
    if p > 0:
        dropout_forward = require(functions.get("dropout_forward"), "dropout_forward", "dropout")
        dropout_backward = require(functions.get("dropout_backward"), "dropout_backward", "dropout")

    rng = np.random.default_rng(seed)
    layers: list[Any] = []
    n_in = X_train.shape[1]
    for width in hidden:
        layers += [Dense(n_in, width, rng=rng), ReLU()]
        if p > 0:
            layers.append(Dropout(p, rng, forward=dropout_forward, backward=dropout_backward))
        n_in = width
    layers.append(Dense(n_in, 2, rng=rng))
    model = Sequential(*layers)

    optimizer = Adam(lr)
    m = X_train.shape[0]
    history: dict[str, list[float]] = {"loss": [], "val_loss": []}
    for _ in range(epochs):
        logits = model.forward(X_train, training=True)
        model.backward(softmax_cross_entropy_backward(logits, y_train), input_grad=False)
        if penalty_grad is not None:
            add_penalty_grad(model.weights(), model.gradients(), lam, m, grad=penalty_grad)
        optimizer.step(model.parameters(), model.gradients())
        history["loss"].append(softmax_cross_entropy(model.predict(X_train), y_train))
        history["val_loss"].append(softmax_cross_entropy(model.predict(X_dev), y_dev))
    return model, history


def _class_colorbar(fig: Figure, ax: Any) -> None:
    """A colour bar beside ``ax`` for the boundary's heat map: P(class 1), naming both classes."""
    colours = ScalarMappable(norm=Normalize(0.0, 1.0), cmap="coolwarm")  # plot_decision_boundary's map
    bar = fig.colorbar(colours, ax=ax, alpha=0.6, label="P(class 1)")
    bar.set_ticks([0.0, 0.5, 1.0], labels=["class 0", "0.5", "class 1"])
    bar.ax.yaxis.set_label_position("left")  # the right side is the loss plot's label


class RegularizationExplorer(Explorer):
    """Controls for the penalty, λ, the dropout rate and the epochs; boundary and losses.

    X_train: (m, 2), y_train: (m,) the training set the network learns from;
    X_dev: (k, 2), y_dev: (k,) the dev set its generalisation is measured on;
    l2_grad, l1_grad, dropout_forward, dropout_backward: your chapter-4 functions (None:
        that setting is not available and says so in the status line);
    hidden, lr, seed: the network, Adam's learning rate, the seed of every run;
    penalty, lam, p, epochs: the starting values of the controls.

    After each change the network is retrained from scratch (same seed), so two settings are
    compared on equal terms. ``explorer.set(penalty="L2", lam=1.0, p=0.0)`` does it from code;
    ``explorer.model`` and ``explorer.history`` hold the last run.
    """

    def __init__(
        self,
        X_train: np.ndarray,
        y_train: np.ndarray,
        X_dev: np.ndarray,
        y_dev: np.ndarray,
        l2_grad: Callable | None = None,
        l1_grad: Callable | None = None,
        dropout_forward: Callable | None = None,
        dropout_backward: Callable | None = None,
        *,
        hidden: Sequence[int] = (32, 32),
        lr: float = 0.006,
        seed: int = 0,
        penalty: str = "L2",
        lam: float = 0.1,
        p: float = 0.0,
        epochs: int = 300,
    ) -> None:
        self.X_train, self.y_train = np.asarray(X_train), np.asarray(y_train)
        self.X_dev, self.y_dev = np.asarray(X_dev), np.asarray(y_dev)
        if self.X_train.ndim != 2 or self.X_train.shape[1] != 2:
            raise ValueError(f"X_train must have shape (m, 2), got {self.X_train.shape}")
        if self.X_dev.ndim != 2 or self.X_dev.shape[1] != 2:
            raise ValueError(f"X_dev must have shape (k, 2), got {self.X_dev.shape}")
        self.functions = {"l2_grad": l2_grad, "l1_grad": l1_grad,
                          "dropout_forward": dropout_forward, "dropout_backward": dropout_backward}
        self.hidden, self.lr, self.seed = tuple(hidden), lr, seed
        self.model: Sequential | None = None
        self.history: dict[str, list[float]] | None = None
        controls = {
            "penalty": dropdown("penalty", list(PENALTIES), penalty),
            "lam": log_slider("λ (penalty strength)", lam, 1e-3, 10.0),
            "p": float_slider("dropout rate p", p, 0.0, 0.8, 0.05),
            "epochs": int_slider("epochs", epochs, 50, 1000, step=50),
        }
        super().__init__(controls, self._draw, figsize=(9, 3.6), name="regularization-explorer")

    def _draw(self, values: dict[str, Any], fig: Figure) -> str:
        """Train with ``values`` and draw the boundary and the loss curves into ``fig``."""
        p = round(float(values["p"]), 4)  # the slider's 0.30000000000000004 is 0.3
        model, history = train_regularized(
            self.X_train, self.y_train, self.X_dev, self.y_dev,
            penalty=values["penalty"], lam=float(values["lam"]), p=p,
            hidden=self.hidden, epochs=int(values["epochs"]), lr=self.lr, seed=self.seed,
            functions=self.functions,
        )
        self.model, self.history = model, history
        boundary_ax, loss_ax = fig.subplots(1, 2)
        plot_decision_boundary(lambda points: softmax(model.predict(points)), self.X_train,
                               self.y_train, ax=boundary_ax, resolution=80, colorbar=False,
                               title="Decision boundary (training points)")
        _class_colorbar(fig, boundary_ax)
        epochs = np.arange(1, len(history["loss"]) + 1)
        loss_ax.plot(epochs, history["loss"], label="training loss")
        loss_ax.plot(epochs, history["val_loss"], "--", label="dev loss")
        top = max(history["loss"] + history["val_loss"])
        loss_ax.set_ylim(0.0, min(top * 1.05, _LOSS_AXIS_TOP))
        loss_ax.set(xlabel="epoch", ylabel="cross-entropy (no penalty)", title="Loss per epoch")
        loss_ax.grid(True, alpha=0.3)
        loss_ax.legend()

        dev_accuracy = float(np.mean(model.predict(self.X_dev).argmax(axis=1) == self.y_dev))
        unused = " (λ unused: no penalty)" if values["penalty"] == "none" else ""
        return (f"train loss {history['loss'][-1]:.3f}, dev loss {history['val_loss'][-1]:.3f}, "
                f"dev accuracy {dev_accuracy:.2f}{unused}")
