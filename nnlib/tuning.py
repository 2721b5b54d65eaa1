"""Hyper-parameter search and bias/variance diagnosis (chapter 6, tuning).

- ``log_uniform``: sample a scale parameter (learning rate, L2 strength) uniformly in its
  exponent, so every decade between ``low`` and ``high`` gets the same share of samples.
- ``grid_search`` tries every combination of a few values per hyper-parameter;
  ``random_search`` samples each hyper-parameter afresh at every trial, so with the same
  budget it tries many more distinct values of the hyper-parameters that matter.
- ``diagnose`` names the problem to fix next from the training and dev errors.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["DIAGNOSIS_THRESHOLD", "log_uniform", "grid_search", "random_search", "diagnose"]

#: A gap (avoidable bias or variance) larger than this is "high" in ``diagnose``:
#: 0.05 is five percentage points of error.
DIAGNOSIS_THRESHOLD = 0.05


def _best_first(results: list[tuple[dict[str, Any], float]]) -> list[tuple[dict[str, Any], float]]:
    """Sort (params, score) pairs by score, lowest first; ties keep their order, NaN goes last."""
    return sorted(results, key=lambda result: (math.isnan(result[1]), result[1]))


def log_uniform(
    low: float,
    high: float,
    size: int | tuple[int, ...] | None = None,
    rng: np.random.Generator | None = None,
) -> float | np.ndarray:
    """Samples ``10 ** U(log10 low, log10 high)``: uniform on a logarithmic scale.

    Between 1e-4 and 1 each of the four decades gets a quarter of the samples, and the median
    is the geometric mean ``sqrt(low * high)`` = 1e-2 (``U(low, high)`` would put 90% of the
    samples above 0.1).

    low, high: bounds with 0 < low < high. size: None for one sample, or an int/shape.
    rng: source of randomness; the same seed gives the same samples.
    Returns a python float when size is None, else a float64 array of that shape, every value
    in [low, high] (clipped there, against rounding in ``10 ** log10(...)``).
    """
    ### BEGIN SOLUTION 06_tuning
    if not 0 < low < high < np.inf:
        raise ValueError(f"log_uniform needs 0 < low < high (finite), got low={low}, high={high}")
    rng = np.random.default_rng() if rng is None else rng
    exponents = rng.uniform(np.log10(low), np.log10(high), size=size)
    samples = np.clip(10.0 ** exponents, low, high)
    if size is None:
        return float(samples)
    return samples
    ### END SOLUTION 06_tuning


def grid_search(
    grid: Mapping[str, Sequence[Any]],
    objective: Callable[[dict[str, Any]], float],
) -> list[tuple[dict[str, Any], float]]:
    """Evaluates ``objective`` on every combination of the grid's values, best first.

    grid: dict name -> list of values, e.g. ``{"lr": [0.1, 0.01], "lam": [0, 1, 10]}``.
    objective: ``objective(params) -> score`` with params a dict like
        ``{"lr": 0.1, "lam": 0}``; lower is better (e.g. the dev loss).
    Returns a list of (params, score), one per combination (the product of the lists'
    lengths, 6 above), sorted by score, lowest first. Combinations are generated in the
    order of ``itertools.product`` over the values in the dict's key order; ties keep that
    order, and NaN scores (a diverged run) come last.
    """
    ### BEGIN SOLUTION 06_tuning
    names = list(grid)
    value_lists = []
    for name in names:
        values = grid[name]
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise TypeError(f"grid[{name!r}] must be a list of values, got {values!r}")
        if len(values) == 0:
            raise ValueError(f"grid[{name!r}] is empty, so the grid has no combinations")
        value_lists.append(list(values))
    results = []
    for combination in itertools.product(*value_lists):
        params = dict(zip(names, combination))
        score = float(objective(dict(params)))  # a copy: the objective cannot alter ours
        results.append((params, score))
    return _best_first(results)
    ### END SOLUTION 06_tuning


def random_search(
    space: Mapping[str, Callable[[np.random.Generator], Any]],
    objective: Callable[[dict[str, Any]], float],
    n_trials: int,
    rng: np.random.Generator | None = None,
) -> list[tuple[dict[str, Any], float]]:
    """Evaluates ``objective`` on ``n_trials`` randomly sampled settings, best first.

    space: dict name -> sampler, a function of a Generator returning one value, e.g.
        ``{"lr": lambda rng: log_uniform(1e-4, 1e-1, rng=rng),
           "hidden": lambda rng: int(rng.integers(16, 257))}``.
    objective: ``objective(params) -> score``, lower is better.
    n_trials: number of settings to try (>= 1).
    rng: passed to every sampler; each trial samples the names in the dict's key order, so
        the same seed gives the same trials.
    Returns a list of n_trials (params, score), sorted by score, lowest first (ties keep
    the trial order, NaN scores come last).
    """
    ### BEGIN SOLUTION 06_tuning
    if not n_trials >= 1:
        raise ValueError(f"n_trials must be >= 1, got {n_trials}")
    for name, sampler in space.items():
        if not callable(sampler):
            raise TypeError(f"space[{name!r}] must be a function rng -> value, got {sampler!r}")
    rng = np.random.default_rng() if rng is None else rng
    results = []
    for _ in range(n_trials):
        params = {name: sampler(rng) for name, sampler in space.items()}
        score = float(objective(dict(params)))
        results.append((params, score))
    return _best_first(results)
    ### END SOLUTION 06_tuning


def diagnose(train_error: float, dev_error: float, base_error: float = 0.0) -> str:
    """Names what to fix next from the error rates, as fractions (0.15 for 15%).

    avoidable bias = train_error - base_error  (how far training is from the best possible,
                                               e.g. human-level error)
    variance       = dev_error - train_error   (how much worse unseen data does)
    Each is "high" when it exceeds ``DIAGNOSIS_THRESHOLD`` (0.05); gaps are rounded to 12
    decimals first, so a gap of exactly 0.05 such as 0.20 - 0.15 is not high.

    Returns one of "high bias", "high variance", "high bias and high variance", "good fit".
    Examples: (0.01, 0.11) -> "high variance"; (0.15, 0.16) -> "high bias";
    (0.15, 0.16, base_error=0.14) -> "good fit".
    """
    ### BEGIN SOLUTION 06_tuning
    for name, error in [("train_error", train_error), ("dev_error", dev_error), ("base_error", base_error)]:
        if not 0.0 <= error <= 1.0:
            raise ValueError(f"{name} must be an error rate in [0, 1] (0.15 for 15%), got {error}")
    avoidable_bias = round(float(train_error) - float(base_error), 12)
    variance = round(float(dev_error) - float(train_error), 12)
    high_bias = avoidable_bias > DIAGNOSIS_THRESHOLD
    high_variance = variance > DIAGNOSIS_THRESHOLD
    if high_bias and high_variance:
        return "high bias and high variance"
    if high_bias:
        return "high bias"
    if high_variance:
        return "high variance"
    return "good fit"
    ### END SOLUTION 06_tuning
