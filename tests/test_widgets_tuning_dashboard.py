"""The chapter-6 tuning dashboard (nnlib.widgets.tuning_dashboard), in-process.

Setting a control's value from Python fires its observers synchronously, exactly as a
slider or a drop-down does, so these tests drive the dashboard and read back its status
line, its figure (from the Output widget), its last results and the calls it made.
Most tests use a cheap objective (a bowl in log10(lr) and hidden) so they run in a blink;
one trains the real digits objective.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fixtures import support
from nnlib.tuning import grid_search, log_uniform, random_search
from nnlib.widgets.tuning_dashboard import Search, TuningDashboard, digits_objective, search_trials

FUNCTIONS = {"grid_search": grid_search, "random_search": random_search, "log_uniform": log_uniform}


class _Bowl:
    """A cheap objective with its minimum at lr = 0.01, hidden = 64; records its calls."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, params: dict) -> float:
        self.calls.append(dict(params))
        return (math.log10(params["lr"]) + 2) ** 2 + ((params["hidden"] - 64) / 64) ** 2


def test_draws_a_random_search_once_when_created():
    bowl = _Bowl()
    dashboard = TuningDashboard(bowl, **FUNCTIONS)
    assert dashboard.renders == 1 and dashboard.error is None
    assert len(bowl.calls) == 9 and dashboard.evaluations == 9
    assert dashboard.png.startswith(support.PNG_SIGNATURE) and support.png_in(dashboard.out) == dashboard.png
    status = dashboard.status.value
    assert status.startswith("method=random, scale=log, n_trials=9, lr_low=0.0001, lr_high=1, hidden=(8, 128), seed=0")
    assert "random: 9 trials, 9 distinct learning rates; best η=" in status
    scores = [score for _, score in dashboard.results]
    assert scores == sorted(scores)
    best = dashboard.results[0][0]
    assert f"best η={best['lr']:.3g}, hidden={best['hidden']}: dev loss {scores[0]:.3f}" in status
    for params in bowl.calls:
        assert 1e-4 <= params["lr"] <= 1.0 and 8 <= params["hidden"] <= 128
        assert type(params["hidden"]) is int


def test_grid_search_uses_k_by_k_trials_within_the_budget_and_redraws():
    bowl = _Bowl()
    dashboard = TuningDashboard(bowl, **FUNCTIONS)
    before = dashboard.png
    status = dashboard.set(method="grid", n_trials=10)
    assert "grid: 9 trials, 3 distinct learning rates" in status
    lrs = sorted({p["lr"] for p, _ in dashboard.results})
    np.testing.assert_allclose(lrs, [1e-4, 1e-2, 1.0])
    assert sorted({p["hidden"] for p, _ in dashboard.results}) == [8, 68, 128]
    assert support.png_in(dashboard.out) != before
    assert dashboard.results[0][0] == {"lr": pytest.approx(1e-2), "hidden": 68}


def test_linear_grid_spreads_learning_rates_evenly():
    results = search_trials(_Bowl(), Search("grid", "linear", 16, (0.1, 0.4), (10, 10)), {"grid_search": grid_search})
    np.testing.assert_allclose(sorted(p["lr"] for p, _ in results), [0.1, 0.2, 0.3, 0.4])
    assert {p["hidden"] for p, _ in results} == {10}


def test_random_search_samples_learning_rates_with_the_log_uniform_it_was_given():
    calls = []

    def spy_log_uniform(low, high, size=None, rng=None):
        calls.append((low, high, size))
        return log_uniform(low, high, size=size, rng=rng)

    dashboard = TuningDashboard(_Bowl(), grid_search, random_search, spy_log_uniform, n_trials=8)
    assert calls == [(1e-4, 1.0, None)] * 8
    calls.clear()
    dashboard.set(scale="linear")
    assert calls == [], "the linear scale samples with rng.uniform, not log_uniform"


def test_linear_scale_puts_most_learning_rates_in_the_top_decade_and_log_scale_does_not():
    linear = search_trials(_Bowl(), Search("random", "linear", 200, (1e-4, 1.0), (8, 128), seed=1),
                           {"random_search": random_search})
    logs = search_trials(_Bowl(), Search("random", "log", 200, (1e-4, 1.0), (8, 128), seed=1),
                         {"random_search": random_search, "log_uniform": log_uniform})
    top_linear = np.mean([p["lr"] > 0.1 for p, _ in linear])
    top_log = np.mean([p["lr"] > 0.1 for p, _ in logs])
    assert top_linear > 0.8 and 0.1 < top_log < 0.4


def test_same_seed_same_trials_and_the_cache_trains_only_new_ones():
    bowl = _Bowl()
    dashboard = TuningDashboard(bowl, **FUNCTIONS, n_trials=6)
    first = [p for p, _ in dashboard.results]
    dashboard.set(n_trials=10)
    assert dashboard.evaluations == 10 and len(bowl.calls) == 10, "the first 6 trials come from the cache"
    tried = [p for p, _ in dashboard.results]
    assert all(p in tried for p in first)
    dashboard.set(seed=5)
    assert dashboard.evaluations == 20
    assert {p["lr"] for p, _ in dashboard.results}.isdisjoint({p["lr"] for p in first})


def test_a_missing_function_is_explained_in_the_status_not_raised():
    dashboard = TuningDashboard(_Bowl(), random_search=random_search)  # no log_uniform, no grid_search
    assert dashboard.error is not None and dashboard.renders == 0
    assert "random search on a log scale needs your log_uniform" in dashboard.status.value
    dashboard.set(scale="linear")
    assert dashboard.error is None and dashboard.renders == 1
    status = dashboard.set(method="grid")
    assert "grid search needs your grid_search: create the dashboard with grid_search=grid_search" in status
    assert dashboard.out.outputs[0]["output_type"] == "stream"


def test_an_error_in_a_student_function_is_shown():
    def not_written(*args, **kwargs):
        raise NotImplementedError("06_tuning: write random_search")

    dashboard = TuningDashboard(_Bowl(), grid_search, not_written, log_uniform)
    assert isinstance(dashboard.error, NotImplementedError)
    assert "error: NotImplementedError: 06_tuning: write random_search" in dashboard.status.value
    dashboard.set(method="grid")
    assert dashboard.error is None and "grid:" in dashboard.status.value


def test_an_empty_learning_rate_range_is_refused_with_a_message():
    dashboard = TuningDashboard(_Bowl(), **FUNCTIONS)
    status = dashboard.set(lr_low=0.1, lr_high=0.01)
    assert "the lowest learning rate must be below the highest" in status


def test_diverged_trials_are_counted_and_left_out_of_the_plot():
    def sometimes_nan(params):
        return float("nan") if params["lr"] > 0.1 else -math.log10(params["lr"])

    dashboard = TuningDashboard(sometimes_nan, **FUNCTIONS, method="grid", n_trials=16)
    assert dashboard.error is None
    # lr on the grid: 1e-4, 2.15e-3, 0.0464, 1; the four trials at lr = 1 return nan, and -log10(10 ** (-4 / 3)) = 4 / 3 is the best score
    assert "grid: 16 trials, 4 distinct learning rates, 4 diverged; best η=0.0464, hidden=" in dashboard.status.value
    assert dashboard.status.value.endswith(f"dev loss {4 / 3:.3f}")


def test_digits_objective_trains_a_real_network_deterministically():
    objective = digits_objective(n_train=200, n_dev=100, epochs=2)
    good = objective({"lr": 0.01, "hidden": 32})
    assert good == objective({"lr": 0.01, "hidden": 32}), "same settings, same seed, same loss"
    tiny = objective({"lr": 1e-5, "hidden": 32})
    assert math.isfinite(good) and good < tiny, "a reasonable rate should learn more in 2 epochs than 1e-5"
    assert tiny == pytest.approx(math.log(10), abs=0.3), "barely trained: about log(10) for 10 classes"


def test_without_an_objective_the_dashboard_searches_on_the_digits():
    dashboard = TuningDashboard(grid_search=grid_search, method="grid", n_trials=4,
                                lr_range=(1e-3, 1e-1), hidden_range=(16, 32))
    assert dashboard.error is None and dashboard.evaluations == 4
    assert "grid: 4 trials, 2 distinct learning rates; best η=0.1, hidden=" in dashboard.status.value
    assert all(math.isfinite(score) and score < math.log(10) for _, score in dashboard.results[:2])
