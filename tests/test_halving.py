"""Tests of nnlib.halving: successive halving's rounds, budgets, survivors and errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib.halving import successive_halving


def _recording(score_of):
    """An objective that scores with ``score_of(params, budget)`` and records every call."""
    calls = []

    def objective(params, budget):
        calls.append((params["id"], budget))
        return score_of(params, budget)

    return objective, calls


def test_nine_candidates_with_eta_three_take_three_rounds():
    candidates = [{"id": i} for i in range(9)]
    objective, calls = _recording(lambda p, b: (p["id"] - 4) ** 2 / b)
    rounds = successive_halving(candidates, objective, min_budget=2, eta=3)
    assert [budget for budget, _ in rounds] == [2, 6, 18]
    assert [len(results) for _, results in rounds] == [9, 3, 1]
    assert [p["id"] for p, _ in rounds[1][1]] == [4, 3, 5]
    assert rounds[-1][1][0][0] == {"id": 4}
    assert len(calls) == 13


def test_survivors_are_the_best_floor_n_over_eta():
    candidates = [{"id": i} for i in range(8)]
    objective, _ = _recording(lambda p, b: -p["id"])  # higher id is better
    rounds = successive_halving(candidates, objective, eta=3)
    assert [len(results) for _, results in rounds] == [8, 2, 1]
    assert [p["id"] for p, _ in rounds[1][1]] == [7, 6]


def test_a_score_can_change_with_the_budget_and_the_later_round_decides():
    """Short-horizon bias in miniature: "slow" is worst at budget 1, best at budgets 2 and 4."""
    candidates = [{"id": "slow"}, {"id": "a"}, {"id": "b"}, {"id": "c"}]
    scores = {"slow": {1: 5.0, 2: 0.1, 4: 0.05}, "a": {1: 1.0, 2: 0.5, 4: 0.4}, "b": {1: 2.0, 2: 0.6, 4: 0.5},
              "c": {1: 3.0, 2: 0.7, 4: 0.6}}
    objective, _ = _recording(lambda p, b: scores[p["id"]][b])
    rounds = successive_halving(candidates, objective, eta=2)
    assert [p["id"] for p, _ in rounds[1][1]] == ["a", "b"]  # "slow" was dropped in round 1
    assert rounds[-1][1][0][0]["id"] == "a"


def test_nan_scores_go_last_and_ties_keep_their_order():
    candidates = [{"id": i} for i in range(4)]
    values = {0: math.nan, 1: 1.0, 2: 1.0, 3: 0.5}
    objective, _ = _recording(lambda p, b: values[p["id"]])
    first = successive_halving(candidates, objective, eta=2)[0][1]
    assert [p["id"] for p, _ in first] == [3, 1, 2, 0]


def test_the_objective_gets_a_copy_of_each_setting():
    candidates = [{"id": 0, "lr": 0.1}, {"id": 1, "lr": 0.2}]

    def objective(params, budget):
        params["lr"] = -1.0
        return params["id"]

    successive_halving(candidates, objective, eta=2)
    assert [c["lr"] for c in candidates] == [0.1, 0.2]


@given(st.integers(1, 40), st.integers(2, 5), st.integers(1, 4))
def test_rounds_shrink_by_eta_and_end_with_one(n, eta, min_budget):
    rounds = successive_halving([{"id": i} for i in range(n)], lambda p, b: p["id"], min_budget, eta)
    sizes = [len(results) for _, results in rounds]
    assert sizes[0] == n and sizes[-1] == 1
    assert all(later == max(1, earlier // eta) for earlier, later in zip(sizes, sizes[1:]))
    assert [budget for budget, _ in rounds] == [min_budget * eta**k for k in range(len(rounds))]
    assert rounds[-1][1][0][0] == {"id": 0}


@pytest.mark.parametrize(("candidates", "min_budget", "eta", "message"), [
    ([], 1, 3, "at least one candidate"),
    ([{}], 0, 3, "min_budget"),
    ([{}], 1.5, 3, "min_budget"),
    ([{}], 1, 1, "eta"),
])
def test_bad_arguments_are_refused_with_their_name(candidates, min_budget, eta, message):
    with pytest.raises(ValueError, match=message):
        successive_halving(candidates, lambda p, b: 0.0, min_budget, eta)
