"""Tests of nnlib.batching.minibatches."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib.batching import minibatches


def _data(m: int, dtype=np.float64):
    """X[i] = [i, -i, 0.5 i] and y[i] = i: a row's label tells which row it is."""
    i = np.arange(m)
    return np.column_stack([i, -i, 0.5 * i]).astype(dtype), i.copy()


@given(m=st.integers(1, 60), batch_size=st.integers(1, 70), seed=st.integers(0, 2**32 - 1), shuffle=st.booleans())
def test_batches_partition_the_data_and_keep_pairs(m, batch_size, seed, shuffle):
    X, y = _data(m)
    batches = minibatches(X, y, batch_size, rng=np.random.default_rng(seed), shuffle=shuffle)
    assert len(batches) == -(-m // batch_size)
    sizes = [len(yb) for _, yb in batches]
    assert all(size == batch_size for size in sizes[:-1])
    assert sizes[-1] == m - batch_size * (len(batches) - 1)  # the partial batch is kept
    seen = np.concatenate([yb for _, yb in batches])
    np.testing.assert_array_equal(np.sort(seen), y)  # every example exactly once
    for Xb, yb in batches:
        np.testing.assert_array_equal(Xb, X[yb])  # each X row still with its own label


def test_last_partial_batch_is_kept():
    X, y = _data(10)
    batches = minibatches(X, y, 4, rng=np.random.default_rng(0))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]


def test_no_shuffle_keeps_the_order():
    X, y = _data(7)
    batches = minibatches(X, y, 3, shuffle=False)
    assert [yb.tolist() for _, yb in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    np.testing.assert_array_equal(batches[1][0], X[3:6])


def test_shuffle_changes_the_order_and_is_reproducible():
    X, y = _data(40)
    first = minibatches(X, y, 8, rng=np.random.default_rng(3))
    again = minibatches(X, y, 8, rng=np.random.default_rng(3))
    other = minibatches(X, y, 8, rng=np.random.default_rng(4))
    order = np.concatenate([yb for _, yb in first])
    assert not np.array_equal(order, y)
    np.testing.assert_array_equal(order, np.concatenate([yb for _, yb in again]))
    assert not np.array_equal(order, np.concatenate([yb for _, yb in other]))


def test_successive_epochs_from_one_generator_differ():
    X, y = _data(30)
    rng = np.random.default_rng(5)
    epoch1 = np.concatenate([yb for _, yb in minibatches(X, y, 10, rng=rng)])
    epoch2 = np.concatenate([yb for _, yb in minibatches(X, y, 10, rng=rng)])
    assert not np.array_equal(epoch1, epoch2)


def test_batch_size_at_least_m_gives_one_batch_with_everything():
    X, y = _data(5)
    batches = minibatches(X, y, 100, rng=np.random.default_rng(0))
    assert len(batches) == 1 and len(batches[0][1]) == 5


def test_labels_of_any_trailing_shape_and_dtypes_are_kept():
    X, _ = _data(9, dtype=np.float32)
    Y = np.arange(18, dtype=np.float32).reshape(9, 2)
    for Xb, Yb in minibatches(X, Y, 4, rng=np.random.default_rng(0)):
        assert Xb.dtype == np.float32 and Yb.dtype == np.float32
        assert Xb.shape[1:] == (3,) and Yb.shape[1:] == (2,)
        np.testing.assert_array_equal(Yb[:, 0] / 2, Xb[:, 0])


def test_inputs_are_not_modified_and_batches_are_copies():
    X, y = _data(12)
    before = X.copy(), y.copy()
    for Xb, yb in minibatches(X, y, 5, rng=np.random.default_rng(0)):
        Xb[:] = -1
        yb[:] = -1
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(y, before[1])


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_batch_size_must_be_a_positive_integer(batch_size):
    X, y = _data(6)
    with pytest.raises(ValueError, match="batch_size"):
        minibatches(X, y, batch_size)


def test_mismatched_lengths_raise():
    X, y = _data(6)
    with pytest.raises(ValueError, match="rows"):
        minibatches(X, y[:5], 2)
