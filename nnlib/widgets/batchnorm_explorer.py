"""Batch-norm explorer (chapter 5): one deep network trained with and without batch norm.

Three controls: batch norm on or off, the learning rate (log scale) and the depth (number of
hidden layers). Each change trains a ReLU network from scratch with mini-batch gradient
descent on a subset of the handwritten digits (a few hundred images, a few epochs, so that a
redraw takes well under a second) and shows:

- left: the training loss of every mini-batch step, with the previous setting's curve in grey
  for comparison (switch batch norm off and on to see both);
- right: one histogram per hidden layer (stacked, first layer on top) of the values its ReLU
  receives (its pre-activations) on held-out images after training, in inference mode.

The status line gives the final loss and the held-out accuracy, or the step at which training
diverged.

The batch-norm functions are arguments, so a notebook passes the student's own::

    from nnlib.widgets.batchnorm_explorer import BatchNormExplorer

    BatchNormExplorer(batchnorm_forward, batchnorm_backward)   # last line of a cell

They follow the chapter's signatures: ``batchnorm_forward(x, gamma, beta, running_mean,
running_var, training=True, momentum=0.9, eps=1e-5) -> (out, cache)`` and
``batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)``. With None (the default) the
explorer uses nnlib's own ``nnlib.batchnorm`` functions and says so in the status line (in a
student's build of nnlib for chapter 5 they raise NotImplementedError, which is shown).
Errors from the functions are shown in the status line, never raised; numerical warnings of a
diverging run are silenced (divergence is reported instead).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from nnlib.datasets import load_digits
from nnlib.layers import BatchNorm, Dense, ReLU
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward
from nnlib.sequential import Sequential
from nnlib.widgets.explorer import (
    Explorer,
    check_functions,
    int_slider,
    log_slider,
    message_panel,
    toggle,
)

__all__ = ["BatchNormExplorer", "train_network", "digits_subset",
           "plot_ridge_histograms", "LR_RANGE", "DEPTH_RANGE"]

LR_RANGE = (0.01, 10.0)  # ends of the learning-rate slider
DEPTH_RANGE = (1, 8)  # ends of the depth slider (hidden layers)
_LOSS_CAP = 4.0  # top of the loss axis (ln 10 = 2.3 is the loss of a uniform guess)

ForwardFunction = Callable[..., tuple[np.ndarray, Any]]
BackwardFunction = Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray, np.ndarray]]


@lru_cache(maxsize=4)
def digits_subset(n_train: int = 600, n_test: int = 300, seed: int = 0
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A random subset of the digits, standardised with the training part's statistics.

    Returns (X_train (n_train, 64), y_train (n_train,), X_test (n_test, 64), y_test (n_test,)).
    Pixels that never vary in the training part are only centred. The arrays are cached:
    do not modify them.
    """
    X, y = load_digits()
    order = np.random.default_rng(seed).permutation(X.shape[0])
    train, test = order[:n_train], order[n_train:n_train + n_test]
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    std = np.where(std > 0, std, 1.0)
    X_train, X_test = (X[train] - mean) / std, (X[test] - mean) / std
    for array in (X_train, X_test):
        array.setflags(write=False)
    return X_train, y[train], X_test, y[test]


def _network(depth: int, width: int, n_in: int, n_classes: int, norm: Callable[[int], Any] | None,
             rng: np.random.Generator) -> Sequential:
    """Dense -> (norm) -> ReLU, ``depth`` times, then a Dense output layer (logits)."""
    layers: list[Any] = []
    fan_in = n_in
    for _ in range(depth):
        layers.append(Dense(fan_in, width, rng=rng))
        if norm is not None:
            layers.append(norm(width))
        layers.append(ReLU())
        fan_in = width
    layers.append(Dense(fan_in, n_classes, rng=rng))
    return Sequential(*layers)


def train_network(batchnorm_forward: ForwardFunction | None, batchnorm_backward: BackwardFunction | None,
                  use_batchnorm: bool, lr: float, depth: int, *, width: int = 32, epochs: int = 5,
                  batch_size: int = 50, seed: int = 0) -> dict[str, Any]:
    """Train one network on ``digits_subset()`` with mini-batch gradient descent.

    batchnorm_forward, batchnorm_backward: the functions the batch-norm layers call (used only
        when ``use_batchnorm``);
    use_batchnorm: put a batch-norm layer between every hidden Dense layer and its ReLU;
    lr: learning rate η of the update ``p -= lr * dp``; depth: number of hidden layers;
    width: units per hidden layer; epochs: passes over the 600 training images;
    batch_size: images per step; seed: seeds the initial weights and the shuffling.

    Returns a dict: "losses" (one float per step, up to the step that diverged), "diverged"
    (the 0-based step whose loss was not finite, or None), "pre_activations" (one
    (n_test, width) array per hidden layer: what its ReLU receives for the held-out images in
    inference mode; None when diverged) and "accuracy" (on the held-out images; None when
    diverged). Numerical warnings of a diverging run are silenced.
    """
    X, y, X_test, y_test = digits_subset()
    rng = np.random.default_rng(seed)
    def batchnorm_layer(n_features: int) -> BatchNorm:
        return BatchNorm(n_features, forward=batchnorm_forward, backward=batchnorm_backward)

    norm = batchnorm_layer if use_batchnorm else None
    model = _network(depth, width, X.shape[1], int(y.max()) + 1, norm, rng)
    params, grads = model.parameters(), model.gradients()
    losses: list[float] = []
    diverged = None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for _ in range(epochs):
            order = rng.permutation(X.shape[0])
            for start in range(0, X.shape[0], batch_size):
                rows = order[start:start + batch_size]
                logits = model.forward(X[rows], training=True)
                loss = float(softmax_cross_entropy(logits, y[rows]))
                if not np.isfinite(loss):
                    diverged = len(losses)
                    break
                losses.append(loss)
                model.backward(softmax_cross_entropy_backward(logits, y[rows]))
                for key, p in params.items():
                    p -= lr * grads[key]
            if diverged is not None:
                break
        if diverged is not None:
            return {"losses": losses, "diverged": diverged, "pre_activations": None, "accuracy": None}
        pre_activations = []
        x = X_test
        for layer in model.layers:
            if isinstance(layer, ReLU):
                pre_activations.append(x)
            x = layer.forward(x, training=False)
    accuracy = float(np.mean(np.argmax(x, axis=1) == y_test)) if np.all(np.isfinite(x)) else None
    return {"losses": losses, "diverged": None, "pre_activations": pre_activations, "accuracy": accuracy}


def plot_ridge_histograms(activations: list[np.ndarray], ax: Axes, bins: int = 40) -> Axes:
    """One histogram per layer, stacked from the first layer (top) to the last (bottom).

    activations: one array per layer (any shape); ax: where to draw. Every layer shares the
    x range, which covers the central 99% of all the finite values; each histogram is scaled
    to the height of its row, and the row is labelled with the layer's standard deviation.
    Returns ax.
    """
    layers = [np.asarray(a, dtype=np.float64).ravel() for a in activations]
    finite = [a[np.isfinite(a)] for a in layers]
    everything = np.concatenate(finite) if finite else np.zeros(0)
    # The central 99% of all the values: a few extreme ones would squash every histogram.
    low, high = (np.percentile(everything, [0.5, 99.5]) if everything.size else (-1.0, 1.0))
    low, high = float(low), float(high)
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    labels = []
    for row, values in enumerate(finite):
        base = len(finite) - 1 - row
        counts, _ = np.histogram(values, bins=edges)
        height = 0.9 * counts / max(counts.max(), 1)
        ax.fill_between(edges[:-1], base, base + height, step="post", alpha=0.75,
                        color=f"C{row % 10}")
        std = values.std() if values.size else float("nan")
        labels.append(f"layer {row + 1}\nstd {std:.2g}")
    ax.set_yticks(np.arange(len(finite))[::-1] + 0.4, labels, fontsize="x-small")
    ax.set_xlim(low, high)
    ax.set_ylim(0, len(finite))
    ax.set_xlabel("pre-activation value")
    ax.grid(True, axis="x", alpha=0.3)
    return ax


class BatchNormExplorer(Explorer):
    """Batch norm on/off, learning rate and depth -> training loss and activation histograms.

    batchnorm_forward, batchnorm_backward: the batch-norm functions to train with (e.g. the
        ones you wrote); None uses nnlib's own (see the module docstring);
    batchnorm, lr, depth: starting values of the controls;
    width, epochs, batch_size, seed: passed to ``train_network`` (keep them small: every
        change retrains from scratch).

    Controls (keys): ``batchnorm`` (checkbox), ``lr`` (log slider), ``depth`` (hidden layers).
    See ``nnlib.widgets.explorer.Explorer`` for ``set``, ``status``, ``png``, ``result``,
    ``error``; after each draw ``run`` holds what ``train_network`` returned.
    """

    def __init__(self, batchnorm_forward: ForwardFunction | None = None,
                 batchnorm_backward: BackwardFunction | None = None, *, batchnorm: bool = True,
                 lr: float = 1.0, depth: int = 5, width: int = 32, epochs: int = 5,
                 batch_size: int = 50, seed: int = 0) -> None:
        check_functions(batchnorm_forward=batchnorm_forward, batchnorm_backward=batchnorm_backward)
        if not LR_RANGE[0] <= lr <= LR_RANGE[1]:
            raise ValueError(f"lr must lie in {LR_RANGE}, got {lr}")
        if not DEPTH_RANGE[0] <= depth <= DEPTH_RANGE[1]:
            raise ValueError(f"depth must lie in {DEPTH_RANGE}, got {depth}")
        self.reference = batchnorm_forward is None or batchnorm_backward is None
        if self.reference:
            from nnlib import batchnorm as reference  # the student's build raises NotImplementedError
            batchnorm_forward = batchnorm_forward or reference.batchnorm_forward
            batchnorm_backward = batchnorm_backward or reference.batchnorm_backward
        self.batchnorm_forward, self.batchnorm_backward = batchnorm_forward, batchnorm_backward
        self.width, self.epochs, self.batch_size, self.seed = width, epochs, batch_size, seed
        self.run: dict[str, Any] | None = None
        self._previous: tuple[str, list[float]] | None = None
        controls = {
            "batchnorm": toggle("batch norm", batchnorm),
            "lr": log_slider("learning rate η", lr, *LR_RANGE),
            "depth": int_slider("hidden layers", depth, *DEPTH_RANGE),
        }
        super().__init__(controls, self._draw, figsize=(10, 4), name="batchnorm-explorer")

    def _draw(self, values: dict[str, Any], fig: Figure) -> str:
        self.run = None
        use_bn, lr, depth = bool(values["batchnorm"]), float(values["lr"]), int(values["depth"])
        run = train_network(self.batchnorm_forward, self.batchnorm_backward, use_bn, lr, depth,
                            width=self.width, epochs=self.epochs, batch_size=self.batch_size,
                            seed=self.seed)
        self.run = run
        layers = f"{depth} layer" + ("s" if depth > 1 else "")
        label = f"batch norm {'on' if use_bn else 'off'}, η = {lr:.3g}, {layers}"

        # A fixed layout and two Axes (the histograms as one ridge plot): a fast redraw.
        fig.set_layout_engine(None)
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.13, top=0.9, wspace=0.28)
        ax, ridge = fig.subplots(1, 2, width_ratios=(1, 1.1))
        if self._previous is not None:
            previous_label, previous_losses = self._previous
            ax.plot(previous_losses, color="0.65", lw=1, label=f"previous: {previous_label}")
        ax.plot(run["losses"], color="tab:red" if use_bn else "tab:blue", lw=1.2, label=label)
        if run["diverged"] is not None:
            ax.axvline(run["diverged"], color="black", ls=":", lw=1, label="diverged")
        ax.set_ylim(0, _LOSS_CAP)
        ax.set(xlabel="mini-batch step", ylabel=f"training loss (cut at {_LOSS_CAP})",
               title="Training loss")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="x-small", loc="upper right")
        self._previous = (label, list(run["losses"]))

        if run["pre_activations"] is None:
            message_panel(ridge, "training diverged:\nno activations to show")
        else:
            plot_ridge_histograms(run["pre_activations"], ridge)
        ridge.set_title("What each ReLU receives (held-out images)")

        if run["diverged"] is not None:
            text = f"diverged at step {run['diverged']} (the loss became inf or nan)"
        else:
            accuracy = "n/a" if run["accuracy"] is None else f"{100 * run['accuracy']:.1f}%"
            text = f"final loss {run['losses'][-1]:.3g}, held-out accuracy {accuracy}"
        if use_bn and self.reference:
            text += " (nnlib's batch norm: pass your functions to use yours)"
        return text
