"""Tests of nnlib.tuning: log-uniform sampling, grid and random search, diagnosis (chapter 6)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.tuning import DIAGNOSIS_THRESHOLD, diagnose, grid_search, log_uniform, random_search

# --- log_uniform ---------------------------------------------------------------------------


def test_log_uniform_returns_a_float_without_size_and_an_array_with_it():
    rng = np.random.default_rng(0)
    assert type(log_uniform(1e-4, 1e-1, rng=rng)) is float
    samples = log_uniform(1e-4, 1e-1, size=(3, 5), rng=rng)
    assert isinstance(samples, np.ndarray) and samples.shape == (3, 5) and samples.dtype == np.float64
    assert log_uniform(1e-4, 1e-1, size=7, rng=rng).shape == (7,)


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(1e-12, 1e6),
    ratio=st.floats(1.0 + 1e-9, 1e12),
    seed=st.integers(0, 2**32 - 1),
)
def test_log_uniform_samples_stay_in_low_high(low, ratio, seed):
    high = low * ratio
    if not low < high:
        return  # ratio too close to 1 to make a different float
    samples = log_uniform(low, high, size=50, rng=np.random.default_rng(seed))
    assert np.all(samples >= low) and np.all(samples <= high)
    single = log_uniform(low, high, rng=np.random.default_rng(seed))
    assert low <= single <= high


def test_log_uniform_median_is_near_the_geometric_mean():
    # U(1e-4, 1) would put the median near 0.5; the log-uniform median is sqrt(1e-4 * 1) = 1e-2.
    samples = log_uniform(1e-4, 1.0, size=20_000, rng=np.random.default_rng(1))
    # log10 of the median has a standard deviation of about 0.014 here: 0.1 is 7 of them
    assert abs(np.log10(np.median(samples)) - (-2.0)) < 0.1


def test_log_uniform_gives_every_decade_the_same_share():
    samples = log_uniform(1e-4, 1.0, size=40_000, rng=np.random.default_rng(2))
    counts, _ = np.histogram(np.log10(samples), bins=[-4, -3, -2, -1, 0])
    np.testing.assert_allclose(counts / samples.size, 0.25, atol=0.02)


def test_log_uniform_same_seed_same_samples():
    first = log_uniform(1e-5, 1e-1, size=10, rng=np.random.default_rng(3))
    again = log_uniform(1e-5, 1e-1, size=10, rng=np.random.default_rng(3))
    other = log_uniform(1e-5, 1e-1, size=10, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    assert log_uniform(1e-5, 1e-1, rng=np.random.default_rng(3)) == log_uniform(1e-5, 1e-1, rng=np.random.default_rng(3))


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-1.0, 1.0), (1.0, 1.0), (1.0, 0.1), (float("nan"), 1.0), (1e-3, float("inf"))])
def test_log_uniform_rejects_bounds_that_are_not_0_lt_low_lt_high(low, high):
    with pytest.raises(ValueError, match="low"):
        log_uniform(low, high, rng=np.random.default_rng(0))


# --- grid_search ---------------------------------------------------------------------------

GRID = {"lr": [0.1, 0.01, 0.001], "hidden": [16, 64], "lam": [0.0, 1.0]}


def _bowl(params: dict) -> float:
    """A smooth objective whose minimum on GRID is lr=0.01, hidden=64, lam=0.0."""
    return (math.log10(params["lr"]) + 2) ** 2 + (params["hidden"] - 64) ** 2 / 1000 + params["lam"]


def test_grid_search_tries_every_combination_once():
    # zip instead of product would try only 2 combinations here
    results = grid_search(GRID, _bowl)
    assert len(results) == 3 * 2 * 2
    tried = {tuple(params[name] for name in GRID) for params, _ in results}
    assert tried == set(itertools.product(*GRID.values()))


def test_grid_search_puts_the_best_combination_first_and_sorts_ascending():
    results = grid_search(GRID, _bowl)
    assert results[0][0] == {"lr": 0.01, "hidden": 64, "lam": 0.0}
    assert results[0][1] == pytest.approx(0.0)
    scores = [score for _, score in results]
    assert scores == sorted(scores)
    for params, score in results:
        assert score == _bowl(params)


def test_grid_search_params_are_dicts_with_the_grid_keys_in_order():
    for params, _ in grid_search(GRID, _bowl):
        assert list(params) == ["lr", "hidden", "lam"]


def test_grid_search_calls_the_objective_once_per_combination():
    calls = []
    grid_search(GRID, lambda params: calls.append(dict(params)) or 0.0)
    assert len(calls) == 12
    # in itertools.product order over the values, keys in the grid's order
    assert [tuple(c.values()) for c in calls] == list(itertools.product(*GRID.values()))


def test_grid_search_keeps_product_order_for_ties():
    results = grid_search({"a": [3, 1, 2], "b": ["x", "y"]}, lambda params: 0.0)
    assert [(p["a"], p["b"]) for p, _ in results] == list(itertools.product([3, 1, 2], ["x", "y"]))


def test_grid_search_puts_nan_scores_last():
    results = grid_search({"lr": [10.0, 0.1, 1.0]}, lambda p: float("nan") if p["lr"] > 5 else p["lr"])
    assert [p["lr"] for p, _ in results] == [0.1, 1.0, 10.0]
    assert math.isnan(results[-1][1])


def test_grid_search_scores_are_floats_and_the_objective_cannot_alter_the_results():
    def meddling(params):
        params["lr"] = -1.0
        return np.float32(params["hidden"])

    results = grid_search({"lr": [0.1], "hidden": [8, 4]}, meddling)
    assert [p for p, _ in results] == [{"lr": 0.1, "hidden": 4}, {"lr": 0.1, "hidden": 8}]
    assert all(type(score) is float for _, score in results)


def test_grid_search_does_not_modify_the_grid():
    grid = {"lr": [0.1, 0.01], "hidden": [16, 64], "lam": (0.0,)}
    grid_search(grid, _bowl)
    assert grid == {"lr": [0.1, 0.01], "hidden": [16, 64], "lam": (0.0,)}


def test_grid_search_rejects_an_empty_list_and_a_bare_value():
    with pytest.raises(ValueError, match="lr"):
        grid_search({"lr": [], "hidden": [16]}, _bowl)
    with pytest.raises(TypeError, match="lr"):
        grid_search({"lr": 0.1, "hidden": [16]}, _bowl)


@settings(max_examples=80, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=4),
    salt=st.integers(0, 10_000),
)
def test_grid_search_returns_len_product_results_sorted_ascending(sizes, salt):
    grid = {f"h{i}": list(range(size)) for i, size in enumerate(sizes)}

    def objective(params):
        return float(hash((salt, *params.values())) % 97)  # arbitrary, with ties

    results = grid_search(grid, objective)
    assert len(results) == math.prod(sizes)
    scores = [score for _, score in results]
    assert scores == sorted(scores)
    assert len({tuple(p.values()) for p, _ in results}) == math.prod(sizes)


# --- random_search -------------------------------------------------------------------------

SPACE = {
    "lr": lambda rng: log_uniform(1e-4, 1e-1, rng=rng),
    "hidden": lambda rng: int(rng.integers(16, 257)),
}


def _lr_objective(params: dict) -> float:
    return abs(math.log10(params["lr"]) + 2.5) + params["hidden"] / 1e4


def test_random_search_returns_n_trials_results_best_first():
    results = random_search(SPACE, _lr_objective, n_trials=25, rng=np.random.default_rng(0))
    assert len(results) == 25
    scores = [score for _, score in results]
    assert scores == sorted(scores)
    for params, score in results:
        assert list(params) == ["lr", "hidden"]
        assert 1e-4 <= params["lr"] <= 1e-1 and 16 <= params["hidden"] <= 256
        assert score == _lr_objective(params)


def test_random_search_same_seed_same_trials():
    first = random_search(SPACE, _lr_objective, 10, rng=np.random.default_rng(5))
    again = random_search(SPACE, _lr_objective, 10, rng=np.random.default_rng(5))
    other = random_search(SPACE, _lr_objective, 10, rng=np.random.default_rng(6))
    assert first == again
    assert first != other


def test_random_search_draws_fresh_values_at_every_trial():
    results = random_search(SPACE, _lr_objective, 30, rng=np.random.default_rng(7))
    assert len({params["lr"] for params, _ in results}) == 30


def test_random_search_passes_its_generator_to_the_samplers():
    rng = np.random.default_rng(8)
    seen = []
    random_search({"x": lambda r: seen.append(r) or 0.0}, lambda p: 0.0, 3, rng=rng)
    assert len(seen) == 3 and all(r is rng for r in seen)


def test_random_search_keeps_trial_order_for_ties():
    counter = itertools.count()
    results = random_search({"i": lambda rng: next(counter)}, lambda p: 1.0, 5, rng=np.random.default_rng(0))
    assert [p["i"] for p, _ in results] == [0, 1, 2, 3, 4]


def test_random_search_rejects_bad_arguments():
    with pytest.raises(ValueError, match="n_trials"):
        random_search(SPACE, _lr_objective, 0)
    with pytest.raises(TypeError, match="lr"):
        random_search({"lr": [0.1, 0.01]}, _lr_objective, 3)


# --- diagnose ------------------------------------------------------------------------------

# (train_error, dev_error, base_error, expected): several cases would swap bias and variance
# if bias were computed from dev_error or variance from base_error.
DIAGNOSES = [
    (0.01, 0.11, 0.0, "high variance"),
    (0.15, 0.16, 0.0, "high bias"),
    (0.15, 0.30, 0.0, "high bias and high variance"),
    (0.005, 0.01, 0.0, "good fit"),
    (0.15, 0.16, 0.14, "good fit"),        # Bayes error 14%: nothing avoidable left
    (0.15, 0.30, 0.14, "high variance"),   # with base 0 this would also be high bias
    (0.02, 0.20, 0.0, "high variance"),    # bias from dev - base (0.20) would say both
    (0.20, 0.21, 0.0, "high bias"),        # variance from dev - base (0.21) would say both
    (0.08, 0.09, 0.01, "high bias"),       # avoidable bias 0.07, variance 0.01
    (0.02, 0.09, 0.01, "high variance"),   # avoidable bias 0.01, variance 0.07
    (0.05, 0.10, 0.0, "good fit"),         # both gaps exactly at the threshold: not high
    (0.20, 0.25, 0.15, "good fit"),        # 0.20 - 0.15 is 0.05000000000000002 in floats
    (0.30, 0.31, 0.0, "high bias"),
    (0.0, 0.0, 0.0, "good fit"),
]


@pytest.mark.parametrize("train, dev, base, expected", DIAGNOSES)
def test_diagnose_on_a_table_of_cases(train, dev, base, expected):
    assert diagnose(train, dev, base) == expected


def test_diagnose_base_error_defaults_to_zero():
    assert diagnose(0.15, 0.16) == "high bias"
    assert diagnose(0.01, 0.11) == "high variance"


def test_diagnose_threshold_is_the_documented_constant():
    assert DIAGNOSIS_THRESHOLD == 0.05
    step = DIAGNOSIS_THRESHOLD + 0.001
    assert diagnose(0.1 + step, 0.1 + step, base_error=0.1) == "high bias"
    assert diagnose(0.1, 0.1 + step, base_error=0.1) == "high variance"
    assert diagnose(0.1 + DIAGNOSIS_THRESHOLD - 0.001, 0.1 + 2 * DIAGNOSIS_THRESHOLD - 0.002, base_error=0.1) == "good fit"


def test_diagnose_accepts_numpy_scalars():
    assert diagnose(np.float32(0.01), np.float64(0.11)) == "high variance"


@settings(max_examples=200, deadline=None)
@given(
    base=st.floats(0.0, 0.3),
    bias=st.floats(0.0, 0.3),
    variance=st.floats(0.0, 0.3),
)
def test_diagnose_names_the_gaps_above_the_threshold(base, bias, variance):
    train, dev = base + bias, base + bias + variance
    high_bias = round(train - base, 12) > DIAGNOSIS_THRESHOLD
    high_variance = round(dev - train, 12) > DIAGNOSIS_THRESHOLD
    expected = {
        (True, True): "high bias and high variance",
        (True, False): "high bias",
        (False, True): "high variance",
        (False, False): "good fit",
    }[(high_bias, high_variance)]
    assert diagnose(train, dev, base) == expected


@pytest.mark.parametrize("train, dev, base", [(15.0, 30.0, 0.0), (-0.1, 0.1, 0.0), (0.1, 0.2, float("nan"))])
def test_diagnose_rejects_errors_outside_zero_one(train, dev, base):
    with pytest.raises(ValueError, match="error"):
        diagnose(train, dev, base)
