"""Plots used throughout the course (matplotlib).

    plot_history                 loss (and accuracy) per epoch, training and validation
    plot_decision_boundary       a classifier's probabilities over the plane, with the data
    plot_contour_paths           optimizer paths drawn on the contour lines of a 2-D function
    plot_activation_histograms   one histogram of activations per layer
    plot_series                  several curves against a step (e.g. learning-rate schedules)

Every function draws into the Axes you pass (``ax=`` or ``axes=``) or into a new figure, and
returns what it drew into. None of them calls ``plt.show()``: in a notebook the figure
appears at the end of the cell; in a script, save it with ``ax.figure.savefig(path)``.
"""

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

__all__ = [
    "plot_history",
    "plot_decision_boundary",
    "plot_contour_paths",
    "plot_activation_histograms",
    "plot_series",
]

# Class colours of the toy data: blue for class 0, red for class 1 (ends of "coolwarm"),
# and a qualitative palette when there are more than two classes.
_BINARY_CMAP = "coolwarm"
_CLASS_CMAP = "tab10"


def _new_axes(ax: Axes | None) -> Axes:
    """The Axes to draw into: the one given, or one in a new figure."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5), layout="constrained")
    return ax


def _history_values(history, key: str) -> np.ndarray | None:
    """history[key] as a 1-D float array, or None when the key is missing or empty."""
    try:
        values = history[key]
    except (KeyError, IndexError, TypeError):
        return None
    if values is None:
        return None
    values = np.asarray(values, dtype=np.float64).ravel()
    return values if values.size else None


def plot_history(history, ax: Axes | Sequence[Axes] | None = None,
                 metrics: Sequence[str] = ("loss",)) -> Axes | list[Axes]:
    """Curves of training metrics per epoch, training and validation side by side.

    history: a mapping (a dict of lists, or nnlib's History) with per-epoch lists under
    "loss", "accuracy" and, when validation data was used, "val_loss", "val_accuracy";
    metrics: the names to plot, one panel each (e.g. ("loss", "accuracy"));
    ax: one Axes per metric (a single Axes when plotting one metric), or None for a new figure.
    Returns the Axes (one metric) or the list of Axes (several metrics).
    """
    if isinstance(metrics, str):
        metrics = (metrics,)
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError("metrics must name at least one quantity, e.g. ('loss',)")
    if ax is None:
        _, created = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4),
                                  squeeze=False, layout="constrained")
        axes = list(created[0])
    elif isinstance(ax, Axes):
        axes = [ax]
    else:
        axes = list(ax)
    if len(axes) != len(metrics):
        raise ValueError(f"got {len(axes)} Axes for {len(metrics)} metrics {metrics}")

    for metric, panel in zip(metrics, axes):
        train = _history_values(history, metric)
        val = _history_values(history, "val_" + metric)
        if train is None and val is None:
            raise ValueError(f"history has no values for {metric!r} or 'val_{metric}'")
        for values, label, style in ((train, "training", "-"), (val, "validation", "--")):
            if values is not None:
                epochs = np.arange(1, len(values) + 1)
                panel.plot(epochs, values, style, marker="o" if len(values) <= 30 else None,
                           markersize=3, label=label)
        panel.xaxis.set_major_locator(MaxNLocator(integer=True))
        panel.set_xlabel("epoch")
        panel.set_ylabel(metric)
        panel.set_title(f"{metric.capitalize()} per epoch")
        panel.grid(True, alpha=0.3)
        panel.legend()
    return axes[0] if len(axes) == 1 else axes


def _grid_around(X: np.ndarray, resolution: int, padding: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A resolution x resolution grid covering the points X, padded on every side.

    X: (m, 2) points; padding: fraction of the data's extent added on each side.
    Returns xs: (resolution,), ys: (resolution,) and points: (resolution**2, 2), row by row.
    """
    low = X.min(axis=0)
    high = X.max(axis=0)
    span = high - low
    # A data set that is a single point (or a line) still gets a visible square around it.
    span = np.where(span > 0, span, np.maximum(np.abs(low), 1.0))
    low = low - padding * span
    high = high + padding * span
    xs = np.linspace(low[0], high[0], resolution)
    ys = np.linspace(low[1], high[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def plot_decision_boundary(predict: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                           y: np.ndarray, ax: Axes | None = None, resolution: int = 200,
                           padding: float = 0.1, title: str = "Decision boundary",
                           colorbar: bool = True) -> Axes:
    """A classifier's predicted probabilities over the plane, with the data points on top.

    predict: maps points (k, 2) to the probability of class 1, shape (k,) or (k, 1), or to
    class probabilities (k, n_classes);
    X: (m, 2) data points; y: (m,) integer class labels;
    resolution: grid points per axis; padding: fraction of the data's extent added around it;
    colorbar: add a colour bar (two classes only; turn off when redrawing the same Axes).
    Two classes: the heat map is P(class 1) from blue (0) to red (1), with the 0.5 line drawn.
    More classes: each grid point is coloured by its most likely class, paler where the
    classifier is less sure. Returns the Axes.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (m, 2), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2, got {resolution}")
    ax = _new_axes(ax)

    xs, ys, points = _grid_around(X, resolution, padding)
    if np.issubdtype(X.dtype, np.floating):
        points = points.astype(X.dtype)  # a float32 model gets float32 input
    probs = np.asarray(predict(points))
    k = points.shape[0]
    if probs.shape == (k, 1):
        probs = probs[:, 0]
    if probs.shape == (k, 2):
        probs = probs[:, 1]
    if probs.shape == (k,):
        grid = probs.reshape(resolution, resolution)
        mesh = ax.pcolormesh(xs, ys, grid, cmap=_BINARY_CMAP, vmin=0.0, vmax=1.0,
                             shading="auto", alpha=0.6)
        if np.nanmin(grid) < 0.5 < np.nanmax(grid):
            ax.contour(xs, ys, grid, levels=[0.5], colors="k", linewidths=1.0)
        if colorbar:
            ax.figure.colorbar(mesh, ax=ax, label="P(class 1)")
        point_colors = plt.get_cmap(_BINARY_CMAP)(np.clip(y, 0, 1).astype(np.float64))
    elif probs.ndim == 2 and probs.shape[0] == k and probs.shape[1] > 2:
        n_classes = probs.shape[1]
        palette = plt.get_cmap(_CLASS_CMAP)
        winner = probs.argmax(axis=1)
        # Confidence 1/n_classes (a guess) is drawn white, confidence 1 in the full colour.
        sure = np.clip((probs.max(axis=1) - 1.0 / n_classes) / (1.0 - 1.0 / n_classes), 0, 1)
        rgb = palette(winner % palette.N)[:, :3]
        shade = 0.15 + 0.55 * sure[:, None]
        rgb = (1.0 - shade) * 1.0 + shade * rgb
        ax.pcolormesh(xs, ys, rgb.reshape(resolution, resolution, 3), shading="auto")
        point_colors = palette(y % palette.N)
    else:
        raise ValueError(
            f"predict returned shape {probs.shape} for {k} points; expected ({k},), ({k}, 1) "
            f"or ({k}, n_classes)")

    ax.scatter(X[:, 0], X[:, 1], c=point_colors, edgecolors="k", linewidths=0.5, s=20)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    return ax


def plot_contour_paths(f: Callable[[np.ndarray, np.ndarray], np.ndarray],
                       paths: Mapping[str, np.ndarray], ax: Axes | None = None,
                       xlim: tuple[float, float] = (-2.0, 2.0),
                       ylim: tuple[float, float] = (-2.0, 2.0),
                       levels: int | Sequence[float] = 30, resolution: int = 200,
                       title: str = "Optimizer paths") -> Axes:
    """Paths of optimizers drawn on the contour lines of a function of two parameters.

    f: f(w1, w2) -> values, vectorised: given two (r, r) grids it returns an (r, r) grid;
    paths: label -> (T, 2) array of the parameters after each step (row 0 is the start);
    xlim, ylim: the plotted window; levels: number of contour lines or their values.
    Each path is a line with a dot per step; its start is a square, its end a star.
    Returns the Axes.
    """
    arrays = {}
    for label, path in paths.items():
        path = np.asarray(path, dtype=np.float64)
        if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] == 0:
            raise ValueError(f"path {label!r} must have shape (T, 2) with T >= 1, got {path.shape}")
        arrays[label] = path
    ax = _new_axes(ax)

    w1 = np.linspace(xlim[0], xlim[1], resolution)
    w2 = np.linspace(ylim[0], ylim[1], resolution)
    g1, g2 = np.meshgrid(w1, w2)
    values = np.asarray(f(g1, g2), dtype=np.float64)
    if values.shape != g1.shape:
        raise ValueError(f"f must return a grid of shape {g1.shape} for grids of that shape, "
                         f"got {values.shape}")
    contours = ax.contour(g1, g2, values, levels=levels, cmap="viridis", linewidths=0.8)
    ax.figure.colorbar(contours, ax=ax, label="f(w1, w2)")

    colors = plt.get_cmap(_CLASS_CMAP)
    for i, (label, path) in enumerate(arrays.items()):
        color = colors(i % colors.N)
        ax.plot(path[:, 0], path[:, 1], "-o", color=color, markersize=3, linewidth=1.5,
                label=f"{label} ({len(path) - 1} steps)")
        ax.plot(path[0, 0], path[0, 1], "s", color=color, markersize=8, markeredgecolor="k")
        ax.plot(path[-1, 0], path[-1, 1], "*", color=color, markersize=14, markeredgecolor="k")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_title(title + " (square: start, star: end)")
    if arrays:
        ax.legend(loc="best", fontsize="small")
    return ax


def plot_activation_histograms(activations: Sequence[np.ndarray],
                               axes: Sequence[Axes] | None = None, bins: int = 50,
                               names: Sequence[str] | None = None) -> list[Axes]:
    """One histogram per layer of the values its units took, on a shared x range.

    activations: list of L arrays (any shape, e.g. (m, n_units)), one per layer;
    axes: L Axes to draw into, or None for a new figure with one row of L panels;
    bins: number of bins; names: panel titles (default "layer 1", "layer 2", ...).
    Each title also gives the layer's mean and standard deviation, so vanishing (std -> 0) or
    saturating activations show at a glance. Returns the list of Axes.
    """
    layers = [np.asarray(a, dtype=np.float64).ravel() for a in activations]
    if not layers:
        raise ValueError("activations must hold at least one layer's array")
    names = [f"layer {i + 1}" for i in range(len(layers))] if names is None else list(names)
    if len(names) != len(layers):
        raise ValueError(f"got {len(names)} names for {len(layers)} layers")
    if axes is None:
        _, created = plt.subplots(1, len(layers), figsize=(3.2 * len(layers), 3),
                                  squeeze=False, layout="constrained")
        axes = list(created[0])
    else:
        axes = [axes] if isinstance(axes, Axes) else list(axes)
    if len(axes) != len(layers):
        raise ValueError(f"got {len(axes)} Axes for {len(layers)} layers")

    finite = [a[np.isfinite(a)] for a in layers]
    everything = np.concatenate(finite)
    low, high = (everything.min(), everything.max()) if everything.size else (-1.0, 1.0)
    if low == high:   # e.g. every unit dead at 0: widen so the bar is visible
        low, high = low - 0.5, high + 0.5

    for values, name, panel in zip(finite, names, axes):
        panel.hist(values, bins=bins, range=(low, high), color="tab:blue", alpha=0.8)
        if values.size:
            panel.set_title(f"{name}\nmean {values.mean():.3g}, std {values.std():.3g}",
                            fontsize="medium")
        else:
            panel.set_title(f"{name}\nno finite values", fontsize="medium")
        panel.set_xlim(low, high)
        panel.set_xlabel("activation value")
    axes[0].set_ylabel("count")
    return axes


def plot_series(series: Mapping[str, Sequence[float]], ax: Axes | None = None,
                xlabel: str = "epoch", ylabel: str = "value", title: str = "",
                logy: bool = False) -> Axes:
    """Several curves against their step index 0, 1, 2, ... (e.g. learning-rate schedules).

    series: label -> values (a sequence or 1-D array of length T, its own T per curve);
    xlabel, ylabel, title: the texts of the plot; logy: logarithmic y axis.
    Returns the Axes.
    """
    ax = _new_axes(ax)
    for label, values in series.items():
        values = np.asarray(values, dtype=np.float64).ravel()
        ax.plot(np.arange(len(values)), values, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if series:
        ax.legend()
    return ax
