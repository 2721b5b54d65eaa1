"""Tests of nnlib.dropout: inverted dropout forward and backward (chapter 4)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.dropout import dropout_backward, dropout_forward
from nnlib.gradcheck import numerical_gradient, relative_error

_finite = st.floats(-1e6, 1e6, allow_nan=False)


def _x(shape=(50, 40), seed=0, dtype=np.float64) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# --- what the layer computes ---------------------------------------------------------------

@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_is_inverted_kept_entries_are_scaled_by_one_over_keep_probability(p):
    # A dropout that is not inverted leaves kept entries equal to x.
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(200, 100))  # no zeros in x
    out, _ = dropout_forward(x, p, rng=np.random.default_rng(1))
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-12)
    assert kept.any() and not kept.all()


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_p_is_the_drop_probability_not_the_keep_probability(p):
    n = 200_000
    out, _ = dropout_forward(np.ones(n), p, rng=np.random.default_rng(2))
    dropped = np.mean(out == 0)
    # the standard deviation of the fraction is sqrt(p (1 - p) / n) < 0.0012: 0.01 is > 8 of them
    assert abs(dropped - p) < 0.01, f"dropped {dropped:.3f} of the entries with p={p}: is p the keep probability?"


@settings(max_examples=25, deadline=None)
@given(p=st.floats(0.0, 0.9), seed=st.integers(0, 2**32 - 1))
def test_inverted_dropout_keeps_the_mean(p, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, size=(400, 500))
    out, _ = dropout_forward(x, p, rng=rng)
    # each entry x/(1-p) with probability 1-p, else 0: mean x, variance x² p / (1-p)
    std_of_mean = np.sqrt(np.mean(x**2) * p / (1 - p) / x.size)
    assert abs(out.mean() - x.mean()) < 6 * std_of_mean + 1e-12


@settings(max_examples=50, deadline=None)
@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=_finite),
    p=st.floats(0.0, 0.99),
)
def test_dropout_is_identity_at_test_time(x, p):
    original = x.copy()
    out, cache = dropout_forward(x, p, training=False, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, original)
    np.testing.assert_array_equal(x, original)
    dout = np.ones_like(x)
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)


def test_dropout_with_p_zero_is_identity_in_training():
    x = _x()
    out, cache = dropout_forward(x, 0.0, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, x)
    dout = _x(seed=1)
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)


def test_dropout_drops_entries_independently():
    # One coin per entry, not one per row or column (a common slip with broadcasting).
    out, _ = dropout_forward(np.ones((100, 100)), 0.5, rng=np.random.default_rng(3))
    dropped = out == 0
    assert 0 < dropped.sum(axis=1).min() and dropped.sum(axis=1).max() < 100
    assert 0 < dropped.sum(axis=0).min() and dropped.sum(axis=0).max() < 100


# --- backward ------------------------------------------------------------------------------

@pytest.mark.parametrize("p", [0.3, 0.75])
def test_dropout_backward_matches_numerical_gradient_with_a_fixed_mask(p):
    x = _x((6, 5), seed=4)
    dout = _x((6, 5), seed=5)  # random upstream gradient
    _, cache = dropout_forward(x, p, rng=np.random.default_rng(7))
    # Re-seeding the generator draws the same mask at every call: f is a fixed function of x.
    numeric = numerical_gradient(lambda: np.sum(dropout_forward(x, p, rng=np.random.default_rng(7))[0] * dout), x)
    assert relative_error(dropout_backward(dout, cache), numeric) < 1e-7


def test_dropout_backward_uses_the_same_mask_as_forward():
    x = np.random.default_rng(0).uniform(1.0, 2.0, size=(30, 30))
    out, cache = dropout_forward(x, 0.4, rng=np.random.default_rng(8))
    dx = dropout_backward(np.ones_like(x), cache)
    np.testing.assert_array_equal(dx == 0, out == 0)
    np.testing.assert_allclose(dx[out != 0], 1 / 0.6, rtol=1e-12)


def test_cache_mask_is_the_scaled_keep_mask():
    x = _x()
    out, cache = dropout_forward(x, 0.25, rng=np.random.default_rng(9))
    assert set(np.unique(cache["mask"])) <= {0.0, 1 / 0.75}
    np.testing.assert_array_equal(out, x * cache["mask"])


# --- dtype, inputs, randomness, validation -------------------------------------------------

@pytest.mark.parametrize("p", [0.5, np.float64(0.5)])
def test_float32_stays_float32_including_the_mask(p):
    x = _x(dtype=np.float32)
    out, cache = dropout_forward(x, p, rng=np.random.default_rng(0))
    assert out.dtype == np.float32
    assert cache["mask"].dtype == np.float32
    assert dropout_backward(np.ones_like(x), cache).dtype == np.float32
    out_test, _ = dropout_forward(x, p, training=False)
    assert out_test.dtype == np.float32


def test_forward_and_backward_do_not_modify_their_inputs():
    x, dout = _x(seed=1), _x(seed=2)
    x_before, dout_before = x.copy(), dout.copy()
    _, cache = dropout_forward(x, 0.5, rng=np.random.default_rng(0))
    dropout_backward(dout, cache)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(dout, dout_before)


def test_same_seed_gives_the_same_mask_and_another_seed_another():
    x = _x()
    first, _ = dropout_forward(x, 0.5, rng=np.random.default_rng(42))
    again, _ = dropout_forward(x, 0.5, rng=np.random.default_rng(42))
    other, _ = dropout_forward(x, 0.5, rng=np.random.default_rng(43))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_default_rng_draws_a_fresh_mask():
    x = np.ones((40, 40))
    first, _ = dropout_forward(x, 0.5)
    second, _ = dropout_forward(x, 0.5)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan")])
def test_p_outside_zero_one_is_rejected_with_a_clear_message(p):
    with pytest.raises(ValueError, match="drop probability"):
        dropout_forward(_x(), p, rng=np.random.default_rng(0))
