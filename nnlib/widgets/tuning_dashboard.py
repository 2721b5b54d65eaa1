"""The tuning dashboard of chapter 6: search method, budget and ranges -> dev loss vs learning rate.

    from nnlib.widgets.tuning_dashboard import TuningDashboard, digits_objective
    TuningDashboard(digits_objective(), grid_search=grid_search,
                    random_search=random_search, log_uniform=log_uniform)

Two hyper-parameters are searched: the learning rate ``lr`` and the number of hidden units
``hidden``. Pick a search method (random or grid), the scale the learning rates are spread
on (log or linear), a budget of trials and the range of each hyper-parameter; the dashboard
runs the search and shows

- left: the dev loss of every trial against its learning rate (log axis), coloured by the
  number of hidden units, with the best trial marked by a star;
- right: where the trials fell in the (learning rate, hidden units) plane, coloured by dev
  loss, so you see how many distinct values of each hyper-parameter were tried.

The status line names the best configuration and its dev loss.

The search itself is done by the functions you pass, normally the ones you wrote in the
chapter: ``grid_search(grid, objective)``, ``random_search(space, objective, n_trials, rng)``
and ``log_uniform(low, high, size=None, rng=None)`` (chapter 6's signatures). A function left
as None (the default) is simply not available: choosing the setting that needs it shows a
message in the status line instead of a figure. So does an error raised by one of your
functions: the dashboard never raises.

- Grid search with a budget of n trials uses k = floor(sqrt(n)) values per hyper-parameter
  (k * k <= n trials): learning rates spaced evenly on the chosen scale (``np.geomspace`` or
  ``np.linspace``), hidden sizes spaced evenly and rounded to integers.
- Random search samples each trial's learning rate with ``log_uniform`` (log scale) or
  ``rng.uniform`` (linear scale) and its hidden size with ``rng.integers``, from a Generator
  seeded with the "seed" control, so a setting always gives the same trials.

``objective(params) -> float`` gets ``{"lr": float, "hidden": int}`` and returns a score to
minimise, the dev loss. Scores are cached by (lr, hidden), so redrawing after a change of
budget or seed re-trains only the new trials. ``digits_objective`` builds a cheap one
(a small network trained for a few epochs on part of the digits), fast enough that a redraw
takes about a second. ``search_trials(objective, Search(...), functions)`` runs one search
without the widget.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from nnlib.datasets import load_digits
from nnlib.layers import Dense, ReLU
from nnlib.losses import softmax_cross_entropy
from nnlib.optimizers import Adam
from nnlib.preprocessing import train_test_split
from nnlib.sequential import Sequential
from nnlib.training import fit
from nnlib.widgets.explorer import STYLE, Explorer, dropdown, int_slider, log_slider, require

__all__ = ["TuningDashboard", "Search", "digits_objective", "search_trials", "METHODS", "SCALES"]

METHODS = ("random", "grid")
SCALES = ("log", "linear")

Objective = Callable[[dict[str, Any]], float]
Results = list[tuple[dict[str, Any], float]]


def digits_objective(
    n_train: int = 300,
    n_dev: int = 300,
    epochs: int = 3,
    batch_size: int = 50,
    seed: int = 0,
) -> Objective:
    """A cheap objective: the dev loss of a small network trained briefly on the digits.

    n_train, n_dev: examples of the 8x8 digits (64 pixels, 10 classes) used for training and
    for measuring (two disjoint parts of the data set, about ten per class each way);
    epochs, batch_size: the training run of every trial (Adam, mini-batches);
    seed: one seed for the split, the initial weights and the shuffling, the same in every
    trial, so two settings are compared on equal terms.

    Returns objective(params) -> dev loss (softmax cross-entropy), where params is
    ``{"lr": learning rate, "hidden": units in the one hidden ReLU layer}``. A run that
    diverges returns ``nan`` (no warning is printed).
    """
    X, y = load_digits(np.float32)
    X_train, X_dev, y_train, y_dev = train_test_split(
        X, y, test_size=n_dev / X.shape[0], rng=np.random.default_rng(seed), stratify=True)
    X_train, y_train = X_train[:n_train], y_train[:n_train]

    def objective(params: dict[str, Any]) -> float:
        rng = np.random.default_rng(seed)
        hidden = int(params["hidden"])
        model = Sequential(Dense(64, hidden, rng=rng, dtype=np.float32), ReLU(),
                           Dense(hidden, 10, rng=rng, dtype=np.float32))
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            fit(model, X_train, y_train, optimizer=Adam(float(params["lr"])), epochs=epochs,
                batch_size=batch_size, rng=rng, progress=False)
            # In chunks of 50 rows: small products stay on one BLAS thread, which is much
            # faster on a busy machine than waking several threads for a tiny matrix.
            logits = np.concatenate([model.predict(X_dev[i:i + 50]) for i in range(0, len(X_dev), 50)])
            loss = float(softmax_cross_entropy(logits, y_dev))
        return loss if math.isfinite(loss) else float("nan")

    return objective


@dataclass(frozen=True)
class Search:
    """The settings of one search over the learning rate and the hidden size.

    method: "random" or "grid"; scale: "log" or "linear", how learning rates are spread;
    n_trials: the budget (grid: k * k trials with k = floor(sqrt(n_trials))); the default 9
        gives the grid its whole budget, so the two methods compare on equal terms;
    lr_range: (lowest, highest) learning rate, 0 < lowest < highest;
    hidden_range: (fewest, most) hidden units, 1 <= fewest <= most;
    seed: seed of the Generator given to random_search.
    """

    method: str = "random"
    scale: str = "log"
    n_trials: int = 9
    lr_range: tuple[float, float] = (1e-4, 1.0)
    hidden_range: tuple[int, int] = (8, 128)
    seed: int = 0


def search_trials(objective: Objective, search: Search = Search(),
                  functions: Mapping[str, Callable | None] | None = None) -> Results:
    """Run one search (``search``: its settings) over the learning rate and the hidden size.

    objective: params {"lr", "hidden"} -> score (lower is better);
    functions: "grid_search", "random_search", "log_uniform" -> the search functions
        (chapter 6's signatures); only those the settings use are needed.

    Returns what grid_search or random_search returned: a list of (params, score), best first.
    """
    functions = dict(functions or {})
    method, scale, n_trials, seed = search.method, search.scale, search.n_trials, search.seed
    lr_range, hidden_range = search.lr_range, search.hidden_range
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, got {scale!r}")
    lr_low, lr_high = float(lr_range[0]), float(lr_range[1])
    if not 0 < lr_low < lr_high:
        raise ValueError(f"the lowest learning rate must be below the highest, got {lr_low:.3g} and {lr_high:.3g}")
    hidden_low, hidden_high = int(hidden_range[0]), int(hidden_range[1])
    if not 1 <= hidden_low <= hidden_high:
        raise ValueError(f"hidden units must satisfy 1 <= fewest <= most, got {hidden_range}")
    if int(n_trials) < 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")

    if method == "grid":
        grid_search = require(functions.get("grid_search"), "grid_search", "grid search", owner="dashboard")
        k = math.isqrt(int(n_trials))
        spread = np.geomspace if scale == "log" else np.linspace
        grid = {
            "lr": [float(lr) for lr in spread(lr_low, lr_high, k)],
            "hidden": sorted({int(h) for h in np.rint(np.linspace(hidden_low, hidden_high, k))}),
        }
        return grid_search(grid, objective)

    random_search = require(functions.get("random_search"), "random_search", "random search", owner="dashboard")
    if scale == "log":
        sample_log = require(functions.get("log_uniform"), "log_uniform", "random search on a log scale",
                             owner="dashboard")

        def sample_lr(rng: np.random.Generator) -> float:
            return float(sample_log(lr_low, lr_high, rng=rng))
    else:
        def sample_lr(rng: np.random.Generator) -> float:
            return float(rng.uniform(lr_low, lr_high))

    def sample_hidden(rng: np.random.Generator) -> int:
        return int(rng.integers(hidden_low, hidden_high + 1))

    space = {"lr": sample_lr, "hidden": sample_hidden}
    return random_search(space, objective, int(n_trials), rng=np.random.default_rng(seed))


class TuningDashboard(Explorer):
    """Controls for the search method, the scale, the budget and the ranges; two scatters.

    objective: params {"lr": float, "hidden": int} -> dev loss; None uses
        ``digits_objective()`` (built on first use);
    grid_search, random_search, log_uniform: your chapter-6 functions (None: the setting
        that needs one is not available and says so in the status line);
    start: the starting values of the controls, by the names of ``Search``'s fields (method,
        scale, n_trials, lr_range, hidden_range, seed).

    ``dashboard.set(method="grid", n_trials=16)`` changes settings from code;
    ``dashboard.results`` holds the last search's (params, score) list, best first, and
    ``dashboard.evaluations`` counts the objective calls that were not answered by the cache.
    """

    def __init__(
        self,
        objective: Objective | None = None,
        grid_search: Callable | None = None,
        random_search: Callable | None = None,
        log_uniform: Callable | None = None,
        **start: Any,
    ) -> None:
        first = Search(**start)  # a TypeError names an unknown setting
        self.objective = objective
        self.functions = {"grid_search": grid_search, "random_search": random_search,
                          "log_uniform": log_uniform}
        self.results: Results | None = None
        self.evaluations = 0
        self._cache: dict[tuple[float, int], float] = {}
        controls = {
            "method": dropdown("search", list(METHODS), first.method),
            "scale": dropdown("η scale", list(SCALES), first.scale),
            "n_trials": int_slider("trials", first.n_trials, 1, 30),
            "lr_low": log_slider("lowest η", first.lr_range[0], 1e-5, 10.0),
            "lr_high": log_slider("highest η", first.lr_range[1], 1e-5, 10.0),
            "hidden": widgets.IntRangeSlider(
                value=tuple(first.hidden_range), min=1, max=256, step=1, description="hidden units",
                continuous_update=False, style=STYLE, layout={"width": "300px"}),
            "seed": int_slider("seed", first.seed, 0, 20),
        }
        super().__init__(controls, self._draw, figsize=(10, 3.8), name="tuning-dashboard")

    def _score(self, params: dict[str, Any]) -> float:
        """The objective, through the cache (keyed by lr and hidden)."""
        key = (float(params["lr"]), int(params["hidden"]))
        if key not in self._cache:
            if self.objective is None:
                self.objective = digits_objective()
            self._cache[key] = float(self.objective({"lr": key[0], "hidden": key[1]}))
            self.evaluations += 1
        return self._cache[key]

    def _draw(self, values: dict[str, Any], fig: Figure) -> str:
        """Run the search with ``values`` and draw its trials into ``fig``."""
        self.results = None
        search = Search(values["method"], values["scale"], int(values["n_trials"]),
                        (float(values["lr_low"]), float(values["lr_high"])), tuple(values["hidden"]),
                        int(values["seed"]))
        results = search_trials(self._score, search, self.functions)
        self.results = results
        params = [p for p, _ in results]
        lrs = np.array([float(p["lr"]) for p in params])
        hidden = np.array([int(p["hidden"]) for p in params])
        scores = np.array([float(s) for _, s in results])
        finite = np.isfinite(scores)
        if not finite.any():
            raise ValueError("every trial diverged (dev loss nan): try smaller learning rates")
        best = int(np.flatnonzero(finite)[np.argmin(scores[finite])])

        loss_ax, plane_ax = fig.subplots(1, 2)
        points = loss_ax.scatter(lrs[finite], scores[finite], c=hidden[finite], cmap="viridis",
                                 vmin=values["hidden"][0], vmax=max(values["hidden"][1], values["hidden"][0] + 1),
                                 edgecolors="k", linewidths=0.4, s=36)
        loss_ax.scatter([lrs[best]], [scores[best]], marker="*", s=260, c="red",
                        edgecolors="k", linewidths=0.6, zorder=3)
        loss_ax.set_xscale("log")
        loss_ax.xaxis.set_minor_locator(NullLocator())  # minor log ticks cost a lot to draw
        loss_ax.set_xlim(values["lr_low"] / 1.5, values["lr_high"] * 1.5)
        loss_ax.set(xlabel="learning rate η (log scale)", ylabel="dev loss (cross-entropy)",
                    title="Dev loss of each trial (★: best)")
        loss_ax.grid(True, which="major", alpha=0.3)
        fig.colorbar(points, ax=loss_ax, label="hidden units")

        spots = plane_ax.scatter(lrs[finite], hidden[finite], c=scores[finite], cmap="viridis_r",
                                 edgecolors="k", linewidths=0.4, s=36)
        plane_ax.scatter([lrs[best]], [hidden[best]], marker="*", s=260, c="red",
                         edgecolors="k", linewidths=0.6, zorder=3)
        plane_ax.set_xscale("log")
        plane_ax.xaxis.set_minor_locator(NullLocator())
        plane_ax.set_xlim(values["lr_low"] / 1.5, values["lr_high"] * 1.5)
        plane_ax.set(xlabel="learning rate η (log scale)", ylabel="hidden units",
                     title=f"Where the {len(results)} trials fell")
        plane_ax.grid(True, which="major", alpha=0.3)
        fig.colorbar(spots, ax=plane_ax, label="dev loss")

        n_lr = len(np.unique(lrs))
        how = "grid" if values["method"] == "grid" else "random"
        diverged = int((~finite).sum())
        note = f", {diverged} diverged" if diverged else ""
        return (f"{how}: {len(results)} trials, {n_lr} distinct learning rates{note}; best "
                f"η={lrs[best]:.3g}, hidden={hidden[best]}: dev loss {scores[best]:.3f}")
