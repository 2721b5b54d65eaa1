"""Tests of nnlib.early_stopping.early_stopping_epoch (chapter 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.early_stopping import early_stopping_epoch

# Hand-worked sequences: (losses, patience, expected, how it is worked out).
HAND_WORKED = [
    ([1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.7], 3, 2,
     "epochs 3, 4, 5 do not beat 0.8: stop at 5 and keep 2; the 0.7 of epoch 6 is never seen"),
    ([1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.7], 4, 6,
     "with patience 4 epoch 6 arrives in time and improves; the run ends without stopping"),
    ([0.3, 0.2, 0.25, 0.1], 1, 1,
     "patience 1: epoch 2 does not improve, stop there and keep 1"),
    ([1.0, 1.2, 1.3, 0.5], 2, 0,
     "epochs 1 and 2 make 2 in a row: stop at 2 (stopping only after 3 would reach the 0.5)"),
    ([1.0, 1.1, 0.9, 1.0, 0.8, 0.85, 0.86], 2, 4,
     "the count restarts at every improvement (epochs 2 and 4); stop at 6, keep 4"),
    ([0.5, 0.5, 0.5, 0.4], 2, 0,
     "an equal loss is not an improvement: epochs 1 and 2 stop training at 2"),
    ([2.0, 1.0, 1.0, 3.0], 10, 1,
     "never stops; of the tied lowest losses the first one is kept"),
    ([5.0, 4.0, 3.0, 2.0, 1.0], 1, 4,
     "always improving: never stops, keep the last epoch"),
    ([1.0, 2.0, 3.0, 4.0, 5.0], 2, 0,
     "getting worse from the start: stop at 2, keep 0"),
    ([3.0, 1.0, 2.0, 2.5], 5, 1,
     "never stops: the lowest loss overall"),
    ([0.7], 1, 0,
     "a single epoch"),
    ([0.9, 0.6, 0.7, 0.65, 0.62, 0.61, 0.5, 0.55], 4, 1,
     "0.65, 0.62, 0.61 improve on their predecessor but not on the best 0.6: stop at 5"),
]


@pytest.mark.parametrize("losses, patience, expected, why", HAND_WORKED, ids=[c[3][:40] for c in HAND_WORKED])
def test_hand_worked_sequences(losses, patience, expected, why):
    assert early_stopping_epoch(losses, patience) == expected, why


def test_returns_the_best_epoch_not_the_stopping_epoch():
    # Stops at epoch 4 (patience 3 after the best at 1); the kept weights are epoch 1's.
    assert early_stopping_epoch([1.0, 0.5, 0.6, 0.7, 0.8, 0.9], 3) == 1


def test_returns_a_python_int():
    assert type(early_stopping_epoch([1.0, 0.5, 0.6], 1)) is int
    assert type(early_stopping_epoch(np.array([1.0, 0.5, 0.6]), 5)) is int


def test_accepts_lists_and_arrays_of_any_float_dtype():
    losses = [0.9, 0.7, 0.8, 0.75, 0.72]
    expected = early_stopping_epoch(losses, 2)
    assert expected == 1
    assert early_stopping_epoch(np.array(losses), 2) == expected
    assert early_stopping_epoch(np.array(losses, dtype=np.float32), 2) == expected
    assert early_stopping_epoch(tuple(losses), 2) == expected


def test_nan_loss_is_never_an_improvement():
    assert early_stopping_epoch([1.0, 0.8, float("nan"), float("nan"), 0.1], 2) == 1
    assert early_stopping_epoch([float("nan"), 0.8, 0.9], 5) == 1


def test_input_is_not_modified():
    losses = np.array([1.0, 0.5, 0.7, 0.6])
    before = losses.copy()
    early_stopping_epoch(losses, 1)
    np.testing.assert_array_equal(losses, before)


@pytest.mark.parametrize("patience", [0, -1])
def test_patience_below_one_is_rejected(patience):
    with pytest.raises(ValueError, match="patience"):
        early_stopping_epoch([1.0, 0.5], patience)


def test_empty_losses_are_rejected():
    with pytest.raises(ValueError, match="val_losses"):
        early_stopping_epoch([], 3)


def _oracle(losses: list[float], patience: int) -> int:
    """The same rule stated differently: training stops at the first epoch s whose last
    ``patience`` epochs (all after epoch 0) have no loss below the lowest one before them;
    then the first lowest loss up to s is kept."""
    for s in range(patience, len(losses)):
        window = losses[s - patience + 1 : s + 1]
        before = losses[: s - patience + 1]
        if min(window) >= min(before):
            return int(np.argmin(losses[: s + 1]))
    return int(np.argmin(losses))


@settings(max_examples=300, deadline=None)
@given(
    losses=st.lists(st.floats(0.0, 10.0).map(lambda v: round(v, 1)), min_size=1, max_size=30),
    patience=st.integers(1, 6),
)
def test_agrees_with_a_differently_stated_rule(losses, patience):
    # rounding to one decimal makes ties (non-improvements by equality) common
    assert early_stopping_epoch(losses, patience) == _oracle(losses, patience)


@settings(max_examples=100, deadline=None)
@given(losses=st.lists(st.floats(0.0, 10.0), min_size=1, max_size=30), patience=st.integers(1, 6))
def test_kept_epoch_is_a_new_lowest_loss(losses, patience):
    best = early_stopping_epoch(losses, patience)
    assert 0 <= best < len(losses)
    assert all(losses[best] < earlier for earlier in losses[:best])
