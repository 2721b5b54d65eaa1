"""Optimizer explorer (chapter 3): one optimizer's path over an ill-conditioned loss surface.

The problem is least squares with two weights, small enough to draw: ``m`` examples with two
features, ``y ≈ x @ w``, and the loss

    L(w) = 1/(2m) * sum_i (x_i @ w - y_i)**2,        w: (2,)

whose contour lines are long thin ellipses, because the first feature varies five times
less than the second (a condition number of about 25). The gradient of a mini-batch of b
examples, ``dL = Xb.T @ (Xb @ w - yb) / b``, is a noisy estimate of the full gradient: the
smaller the batch, the noisier the path.

Pick an optimizer (SGD, momentum, RMSprop, Adam), a learning rate (log scale), beta1 (the
momentum beta and Adam's beta1), beta2 (RMSprop's beta and Adam's beta2), a batch size and a
number of epochs. The left panel draws the path on the contour lines, the right panel the
loss above its minimum after every step, against epochs, so that batch sizes compare at the
same number of gradient computations. The status line gives the number of steps and the final
loss, or says that the path diverged.

The update rules and the mini-batch function are arguments, so a notebook passes the
student's own::

    from nnlib.widgets.optimizer_explorer import OptimizerExplorer

    OptimizerExplorer(sgd_update, momentum_update, rmsprop_update, adam_update, minibatches)

They follow API.md's signatures (``sgd_update(w, dw, lr)``, ``momentum_update(w, dw, v, lr,
beta)``, ``rmsprop_update(w, dw, s, lr, beta, eps)``, ``adam_update(w, dw, m, v, t, lr,
beta1, beta2, eps)``, ``minibatches(X, y, batch_size, rng)``). A function left as None is
nnlib's own (in a student's build of nnlib for chapter 3 those raise NotImplementedError,
which the status line shows). Errors and warnings from the functions are shown, never raised
(see ``nnlib.widgets.explorer.Explorer``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnlib.viz import plot_contour_paths
from nnlib.widgets.explorer import (
    Explorer,
    check_functions,
    dropdown,
    float_slider,
    int_slider,
    log_slider,
)

__all__ = [
    "OptimizerExplorer",
    "OPTIMIZERS",
    "LR_RANGE",
    "least_squares_problem",
    "least_squares_loss",
    "least_squares_gradient",
    "run_optimizer",
]

OPTIMIZERS = ("SGD", "momentum", "RMSprop", "Adam")
LR_RANGE = (1e-3, 3.0)  # the learning-rate slider's ends

# The drawn window and the start of every path (chosen so that the minimum, near (1.5, 0.5),
# and the start both sit well inside the window).
_START = (-3.0, 2.5)
_XLIM = (-4.0, 4.0)
_YLIM = (-1.5, 3.5)
_TRUE_W = (1.5, 0.5)
_FEATURE_SCALES = (0.2, 1.0)  # std of each feature: the loss is 25 times steeper along w2
_DIVERGED = 1e6  # a path whose weights pass this size has diverged


def least_squares_problem(m: int = 64, noise: float = 0.5, rng: np.random.Generator | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
    """The explorer's data: X (m, 2) with feature std 0.2 and 1.0, y (m,) = X @ (1.5, 0.5) + noise.

    m: number of examples; noise: std of the Gaussian noise added to y; rng: source of
    randomness (same seed, same data). The first feature is centred and scaled to std 0.2 and
    the second to std 1.0 exactly, and they are made uncorrelated, so the loss surface is an
    ellipse aligned with the axes, 25 times steeper along w2 than along w1.
    """
    if m < 2:
        raise ValueError(f"least_squares_problem needs m >= 2 examples, got {m}")
    rng = np.random.default_rng() if rng is None else rng
    raw = rng.standard_normal((m, 2))
    raw -= raw.mean(axis=0)
    # Remove the first feature from the second, so the features are exactly uncorrelated.
    raw[:, 1] -= raw[:, 0] * (raw[:, 0] @ raw[:, 1]) / (raw[:, 0] @ raw[:, 0])
    X = raw / raw.std(axis=0) * np.array(_FEATURE_SCALES)
    y = X @ np.array(_TRUE_W) + noise * rng.standard_normal(m)
    return X, y


def least_squares_loss(X: np.ndarray, y: np.ndarray, w1: np.ndarray | float,
                       w2: np.ndarray | float) -> np.ndarray:
    """L(w) = 1/(2m) sum_i (x_i @ w - y_i)**2 at the weights (w1, w2), any (matching) shapes.

    X: (m, 2); y: (m,). Written with the three sums of squares of the data, so a (r, r) grid
    of weights costs no more than one point. Returns an array of the shape of w1 and w2.
    """
    w1 = np.asarray(w1, dtype=np.float64)
    w2 = np.asarray(w2, dtype=np.float64)
    m = X.shape[0]
    a, b, c = X[:, 0] @ X[:, 0], X[:, 0] @ X[:, 1], X[:, 1] @ X[:, 1]
    p, q, r = X[:, 0] @ y, X[:, 1] @ y, y @ y
    return (a * w1**2 + 2 * b * w1 * w2 + c * w2**2 - 2 * (p * w1 + q * w2) + r) / (2 * m)


def least_squares_gradient(Xb: np.ndarray, yb: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Gradient of the loss of a batch, ``Xb.T @ (Xb @ w - yb) / b``: (2,) for Xb (b, 2), yb (b,)."""
    return Xb.T @ (Xb @ w - yb) / Xb.shape[0]


def _default(name: str) -> Callable[..., Any]:
    """nnlib's function ``name`` (imported when needed, so a student build can import this module)."""
    if name == "minibatches":
        from nnlib.batching import minibatches
        return minibatches
    import nnlib.updates
    return getattr(nnlib.updates, name)


def run_optimizer(X: np.ndarray, y: np.ndarray, optimizer: str, lr: float, beta1: float,
                  beta2: float, batch_size: int, epochs: int, rng: np.random.Generator,
                  updates: dict[str, Callable[..., Any]], minibatches: Callable[..., Any],
                  start: tuple[float, float] = _START, eps: float = 1e-8
                  ) -> tuple[np.ndarray, np.ndarray, int]:
    """Train the two weights of the least-squares problem; return the path and the losses.

    X: (m, 2), y: (m,) the data; optimizer: one of OPTIMIZERS; lr, beta1, beta2, eps: its
    hyper-parameters (momentum uses beta1, RMSprop beta2, Adam both); batch_size, epochs:
    mini-batches of that size (from ``minibatches(X, y, batch_size, rng=rng)``, reshuffled each
    epoch) for that many passes over the data; updates: "sgd_update", "momentum_update",
    "rmsprop_update", "adam_update" -> the update functions; start: the initial weights.

    Returns (path, losses, steps_per_epoch): path (T + 1, 2) the weights before the first
    step and after each of the T steps, losses (T + 1,) the full-data loss at each of those
    points. A path whose weights become non-finite or larger than 1e6 stops there (it
    diverged), so it may be shorter than ``epochs * steps_per_epoch + 1``.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    w = np.array(start, dtype=np.float64)
    state1 = np.zeros(2)  # momentum's velocity, Adam's first moment
    state2 = np.zeros(2)  # RMSprop's and Adam's average of squared gradients
    path = [w]
    steps_per_epoch = 0
    t = 0
    for _ in range(epochs):
        batches = minibatches(X, y, batch_size, rng=rng)
        steps_per_epoch = len(batches)
        for Xb, yb in batches:
            t += 1
            dw = least_squares_gradient(np.asarray(Xb), np.asarray(yb), w)
            if optimizer == "SGD":
                w = updates["sgd_update"](w, dw, lr)
            elif optimizer == "momentum":
                w, state1 = updates["momentum_update"](w, dw, state1, lr, beta1)
            elif optimizer == "RMSprop":
                w, state2 = updates["rmsprop_update"](w, dw, state2, lr, beta2, eps)
            else:
                w, state1, state2 = updates["adam_update"](w, dw, state1, state2, t, lr, beta1, beta2, eps)
            w = np.asarray(w, dtype=np.float64)
            if w.shape != (2,):
                raise ValueError(f"the {optimizer} update returned weights of shape {w.shape}, expected (2,)")
            path.append(w)
            if not np.all(np.isfinite(w)) or np.max(np.abs(w)) > _DIVERGED:
                path = np.array(path)
                return path, least_squares_loss(X, y, path[:, 0], path[:, 1]), steps_per_epoch
    path = np.array(path)
    return path, least_squares_loss(X, y, path[:, 0], path[:, 1]), steps_per_epoch


class OptimizerExplorer(Explorer):
    """Optimizer, learning rate, beta1, beta2, batch size, epochs -> path and loss curve.

    sgd_update, momentum_update, rmsprop_update, adam_update, minibatches: the functions to
    use (see the module docstring), None for nnlib's own;
    optimizer, lr, beta1, beta2, batch_size (None: the whole data set), epochs: starting values
    of the controls; m, noise: size and noise of the data set; seed: seeds the data and the
    shuffling (every setting always gives the same picture).

    Controls (keys): ``optimizer``, ``lr`` (log slider), ``beta1``, ``beta2``,
    ``batch_size`` (powers of two up to m), ``epochs``. See ``nnlib.widgets.explorer.Explorer``
    for ``set``, ``status``, ``png``, ``result``, ``error``. After each draw, ``path``
    (T + 1, 2) and ``losses`` (T + 1,) hold the last run, and ``diverged`` says whether it blew
    up or ended with a larger loss than it started with.
    """

    def __init__(self, sgd_update: Callable[..., Any] | None = None,
                 momentum_update: Callable[..., Any] | None = None,
                 rmsprop_update: Callable[..., Any] | None = None,
                 adam_update: Callable[..., Any] | None = None,
                 minibatches: Callable[..., Any] | None = None, *,
                 optimizer: str = "SGD", lr: float = 0.5, beta1: float = 0.9, beta2: float = 0.999,
                 batch_size: int | None = None, epochs: int = 20, m: int = 64, noise: float = 0.5,
                 seed: int = 0) -> None:
        given = {"sgd_update": sgd_update, "momentum_update": momentum_update,
                 "rmsprop_update": rmsprop_update, "adam_update": adam_update,
                 "minibatches": minibatches}
        check_functions(**given)
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        # The functions used: those given, nnlib's for the others.
        self.functions = {name: _default(name) if function is None else function
                          for name, function in given.items()}
        self.m, self.seed = m, seed
        self.X, self.y = least_squares_problem(m, noise, rng=np.random.default_rng(seed))
        # The exact minimum (normal equations), for "loss above its minimum".
        self.w_best = np.linalg.solve(self.X.T @ self.X, self.X.T @ self.y)
        self.best_loss = float(least_squares_loss(self.X, self.y, *self.w_best))
        self.path: np.ndarray | None = None
        self.losses: np.ndarray | None = None
        self.diverged = False

        sizes = [2**k for k in range(int(math.log2(m)) + 1) if 2**k < m] + [m]
        batch_size = m if batch_size is None else batch_size
        if batch_size not in sizes:
            raise ValueError(f"batch_size must be one of {sizes}, got {batch_size}")
        options = [(f"{b} (full batch)" if b == m else str(b), b) for b in sizes]
        controls = {
            "optimizer": dropdown("optimizer", list(OPTIMIZERS), optimizer),
            "lr": log_slider("learning rate η", lr, *LR_RANGE),
            "beta1": float_slider("β1 (momentum, Adam)", beta1, 0.0, 0.99, 0.01),
            "beta2": float_slider("β2 (RMSprop, Adam)", beta2, 0.5, 0.999, 0.001),
            "batch_size": dropdown("batch size", options, batch_size),
            "epochs": int_slider("epochs", epochs, 1, 50),
        }
        super().__init__(controls, self._draw, figsize=(10, 4), name="optimizer-explorer")

    def _draw(self, values: dict[str, Any], fig: Figure) -> str:
        self.path, self.losses, self.diverged = None, None, False
        optimizer = values["optimizer"]
        needed = {"SGD": "sgd_update", "momentum": "momentum_update",
                  "RMSprop": "rmsprop_update", "Adam": "adam_update"}[optimizer]
        updates = {needed: self.functions[needed]}
        with np.errstate(all="ignore"):  # a diverging path overflows: it is reported below
            path, losses, per_epoch = run_optimizer(
                self.X, self.y, optimizer, float(values["lr"]), float(values["beta1"]),
                float(values["beta2"]), int(values["batch_size"]), int(values["epochs"]),
                np.random.default_rng(self.seed + 1), updates, self.functions["minibatches"])
        self.path, self.losses = path, losses
        steps = len(path) - 1
        blew_up = not (np.all(np.isfinite(path[-1])) and np.max(np.abs(path[-1])) <= _DIVERGED)
        self.diverged = blew_up or bool(losses[-1] > losses[0])

        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=(1.25, 1))
        shown = path
        if len(path) > 2000:  # thin very long paths (batch size 1) to keep a redraw fast
            shown = np.vstack([path[:-1:len(path) // 2000 + 1], path[-1:]])
        plot_contour_paths(lambda w1, w2: least_squares_loss(self.X, self.y, w1, w2),
                           {optimizer: shown}, ax=ax_path, xlim=_XLIM, ylim=_YLIM,
                           levels=np.geomspace(0.01, 20, 14) + self.best_loss, resolution=120,
                           title=f"{optimizer}, batch size {values['batch_size']}")
        ax_path.plot(*self.w_best, "x", color="k", markersize=8)

        excess = losses - self.best_loss
        finite = np.isfinite(excess)
        epochs_axis = np.arange(len(losses)) / max(per_epoch, 1)
        ax_loss.plot(epochs_axis[finite], np.maximum(excess[finite], 1e-12), color="tab:blue")
        ax_loss.set_yscale("log")
        ax_loss.set(xlabel="epoch (passes over the data)", ylabel="loss − minimum loss",
                    title=f"Loss after each of the {steps} steps")
        ax_loss.grid(True, alpha=0.3)

        if blew_up:
            text = f"{steps} steps: diverged (the weights blew up): try a smaller learning rate"
        elif self.diverged:
            text = (f"{steps} steps: diverging (the loss grew from {losses[0]:.3g} to {losses[-1]:.3g}):"
                    " try a smaller learning rate")
        else:
            text = (f"{steps} steps ({per_epoch} per epoch), final loss {losses[-1]:.4f}"
                    f" (minimum {self.best_loss:.4f})")
        used = {"SGD": "β1 and β2 unused", "momentum": "β2 unused", "RMSprop": "β1 unused",
                "Adam": "uses β1 and β2"}[optimizer]
        return f"{text}; {used}"
