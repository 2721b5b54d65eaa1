"""Tests of nnlib.preprocessing: standardize, one_hot, train_test_split."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.preprocessing import one_hot, standardize, train_test_split

# --- standardize ----------------------------------------------------------------------------


def test_standardized_training_features_have_mean_0_and_population_std_1(rng):
    X_train = rng.normal(loc=[3.0, -20.0, 0.5], scale=[2.0, 10.0, 0.01], size=(50, 3))
    X_train_s, _ = standardize(X_train, X_train[:5])
    np.testing.assert_allclose(X_train_s.mean(axis=0), 0.0, atol=1e-14)
    # ddof=0: a sample std (ddof=1) would give std(ddof=0) = sqrt(49/50), not 1
    np.testing.assert_allclose(X_train_s.std(axis=0), 1.0, rtol=1e-13)


def test_test_set_uses_the_training_statistics(rng):
    X_train = rng.normal(loc=5.0, scale=3.0, size=(40, 2))
    X_test = rng.normal(loc=-1.0, scale=0.5, size=(7, 2))
    _, X_test_s = standardize(X_train, X_test)
    mean = X_train.sum(axis=0) / 40
    std = np.sqrt(((X_train - mean) ** 2).sum(axis=0) / 40)
    np.testing.assert_allclose(X_test_s, (X_test - mean) / std, rtol=1e-12)
    # with its own statistics the test set would be centred; here it must not be
    assert np.all(np.abs(X_test_s.mean(axis=0)) > 1)


def test_small_worked_example():
    X_train = np.array([[1.0, 10.0], [3.0, 10.0]])
    X_test = np.array([[5.0, 12.0]])
    X_train_s, X_test_s = standardize(X_train, X_test)
    np.testing.assert_allclose(X_train_s, [[-1.0, 0.0], [1.0, 0.0]], atol=1e-15)
    np.testing.assert_allclose(X_test_s, [[3.0, 2.0]], atol=1e-15)


def test_constant_feature_is_centred_not_divided_by_zero(strict_numerics):
    X_train = np.column_stack([np.arange(6.0), np.full(6, 0.1), np.full(6, 7.0)])
    X_test = np.array([[2.0, 0.1, 8.0], [1.0, 1.1, 7.0]])
    assert X_train[:, 1].std() > 0  # 0.1 six times: rounding in the mean leaves a std of about 1e-17
    X_train_s, X_test_s = standardize(X_train, X_test)
    assert np.all(np.isfinite(X_train_s)) and np.all(np.isfinite(X_test_s))
    # so a test "std == 0" misses this feature, and dividing by 1e-17 turns it into noise
    np.testing.assert_allclose(X_train_s[:, 1:], 0.0, atol=1e-12)
    np.testing.assert_allclose(X_test_s[:, 1:], [[0.0, 1.0], [1.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(X_train_s[:, 0].std(), 1.0, rtol=1e-13)


def test_float32_stays_float32_and_integers_become_float(rng):
    X32 = rng.normal(size=(10, 3)).astype(np.float32)
    X_train_s, X_test_s = standardize(X32, X32[:4])
    assert X_train_s.dtype == np.float32 and X_test_s.dtype == np.float32
    Xi = rng.integers(0, 10, size=(10, 3))
    X_train_s, X_test_s = standardize(Xi, Xi[:2])
    assert X_train_s.dtype == np.float64 and X_test_s.dtype == np.float64
    np.testing.assert_allclose(X_train_s.std(axis=0)[Xi.std(axis=0) > 0], 1.0, rtol=1e-13)


def test_standardize_does_not_modify_its_inputs(rng):
    X_train, X_test = rng.normal(size=(8, 3)), rng.normal(size=(4, 3))
    before = X_train.copy(), X_test.copy()
    X_train_s, _ = standardize(X_train, X_test)
    np.testing.assert_array_equal(X_train, before[0])
    np.testing.assert_array_equal(X_test, before[1])
    assert not np.shares_memory(X_train_s, X_train)


def test_standardize_rejects_bad_shapes():
    with pytest.raises(ValueError, match="features"):
        standardize(np.ones((5, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="shape"):
        standardize(np.ones(5), np.ones(2))


# --- one_hot --------------------------------------------------------------------------------


def test_one_hot_small_example():
    np.testing.assert_array_equal(one_hot(np.array([2, 0, 1, 2]), 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])


def test_one_hot_shape_dtype_and_rows(rng):
    y = rng.integers(0, 5, size=30)
    Y = one_hot(y, 7)
    assert Y.shape == (30, 7) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)
    assert one_hot(y, 5, dtype=np.float32).dtype == np.float32


def test_one_hot_rejects_bad_labels():
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        one_hot(np.array([-1, 2]), 3)
    with pytest.raises(TypeError, match="integer"):
        one_hot(np.array([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match="1-D"):
        one_hot(np.array([[0, 1]]), 3)


# --- train_test_split -----------------------------------------------------------------------


def _data(m: int = 50):
    X = np.arange(m * 2, dtype=np.float32).reshape(m, 2)
    y = np.arange(m)  # y[i] == i, so X[i] == [2 y, 2 y + 1]
    return X, y


def test_split_sizes_partition_and_pairs():
    X, y = _data(50)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, rng=np.random.default_rng(0))
    assert X_test.shape == (10, 2) and X_train.shape == (40, 2)
    np.testing.assert_array_equal(np.sort(np.concatenate([y_train, y_test])), y)
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    assert X_train.dtype == np.float32 and y_train.dtype == y.dtype


def test_split_is_shuffled_and_reproducible():
    X, y = _data(60)
    first = train_test_split(X, y, rng=np.random.default_rng(7))
    again = train_test_split(X, y, rng=np.random.default_rng(7))
    other = train_test_split(X, y, rng=np.random.default_rng(8))
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[3], other[3])
    assert not np.array_equal(np.sort(first[3]), np.arange(48, 60))  # not simply the last rows


def test_split_does_not_modify_its_inputs():
    X, y = _data(20)
    before = X.copy(), y.copy()
    X_train, *_ = train_test_split(X, y, rng=np.random.default_rng(0))
    X_train[:] = -1
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(y, before[1])


def test_stratified_split_keeps_class_proportions():
    y = np.array([0] * 80 + [1] * 20)
    X = np.arange(100.0).reshape(100, 1)
    _, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, rng=np.random.default_rng(1), stratify=True)
    assert np.sum(y_test == 0) == 20 and np.sum(y_test == 1) == 5
    assert np.sum(y_train == 0) == 60 and np.sum(y_train == 1) == 15
    np.testing.assert_array_equal(y[X_test[:, 0].astype(int)], y_test)


def test_split_rejects_bad_input():
    X, y = _data(10)
    with pytest.raises(ValueError, match="rows"):
        train_test_split(X, y[:9])
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(X, y, test_size=bad)
