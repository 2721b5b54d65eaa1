"""Tests of nnlib.batchnorm: batch normalization forward and backward (chapter 5)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.batchnorm import batchnorm_backward, batchnorm_forward
from nnlib.gradcheck import numerical_gradient, relative_error


def _setup(m=6, d=4, seed=0, dtype=np.float64):
    """x: (m, d) with distinct scales and offsets per feature; gamma, beta, running stats: (d,)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, d)) * rng.uniform(0.5, 3.0, size=d) + rng.uniform(-2.0, 2.0, size=d)
    gamma = rng.uniform(0.5, 2.0, size=d)
    beta = rng.standard_normal(d)
    running_mean = rng.standard_normal(d)
    running_var = rng.uniform(0.5, 2.0, size=d)
    return tuple(a.astype(dtype) for a in (x, gamma, beta, running_mean, running_var))


def _reference(x, gamma, beta, mean, var, eps=1e-5):
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


# --- forward -------------------------------------------------------------------------------

def test_training_forward_normalises_with_batch_mean_and_biased_variance():
    x, gamma, beta, rm, rv = _setup()
    out, _ = batchnorm_forward(x, gamma, beta, rm, rv, training=True)
    expected = _reference(x, gamma, beta, x.mean(axis=0), np.var(x, axis=0, ddof=0))
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    unbiased = _reference(x, gamma, beta, x.mean(axis=0), np.var(x, axis=0, ddof=1))
    assert not np.allclose(out, unbiased)


def test_test_mode_uses_running_statistics_not_the_batch():
    x, gamma, beta, rm, rv = _setup()
    out, _ = batchnorm_forward(x, gamma, beta, rm, rv, training=False)
    np.testing.assert_allclose(out, _reference(x, gamma, beta, rm, rv), rtol=1e-12, atol=1e-12)


def test_test_mode_output_of_one_example_does_not_depend_on_the_rest_of_the_batch():
    x, gamma, beta, rm, rv = _setup(m=8)
    other, *_ = _setup(m=8, seed=1)
    alone, _ = batchnorm_forward(x[:1], gamma, beta, rm, rv, training=False)
    in_batch, _ = batchnorm_forward(np.vstack([x[:1], other]), gamma, beta, rm, rv, training=False)
    np.testing.assert_allclose(in_batch[:1], alone, rtol=1e-12)


def test_test_mode_leaves_running_statistics_untouched():
    x, gamma, beta, rm, rv = _setup()
    rm_before, rv_before = rm.copy(), rv.copy()
    batchnorm_forward(x, gamma, beta, rm, rv, training=False)
    np.testing.assert_array_equal(rm, rm_before)
    np.testing.assert_array_equal(rv, rv_before)


def test_eps_goes_inside_the_square_root():
    # running variance 0.25, eps 0.75: sqrt(0.25 + 0.75) = 1, whereas sqrt(0.25) + 0.75 = 1.25
    x = np.array([[3.0], [5.0]])
    out, _ = batchnorm_forward(x, np.ones(1), np.zeros(1), np.array([1.0]), np.array([0.25]),
                               training=False, eps=0.75)
    np.testing.assert_allclose(out, [[2.0], [4.0]], rtol=1e-12)


def test_gamma_scales_and_beta_shifts():
    x, _, _, rm, rv = _setup()
    plain, _ = batchnorm_forward(x, np.ones(4), np.zeros(4), rm.copy(), rv.copy())
    gamma, beta = np.array([2.0, 0.5, -1.0, 3.0]), np.array([1.0, -2.0, 0.0, 0.5])
    scaled, _ = batchnorm_forward(x, gamma, beta, rm.copy(), rv.copy())
    np.testing.assert_allclose(scaled, gamma * plain + beta, rtol=1e-12, atol=1e-12)


# --- running statistics --------------------------------------------------------------------

def test_running_statistics_are_updated_in_place_on_the_same_arrays():
    x, gamma, beta, rm, rv = _setup()
    rm_object, rv_object = rm, rv
    rm_before, rv_before = rm.copy(), rv.copy()
    batchnorm_forward(x, gamma, beta, rm, rv, training=True)
    assert rm is rm_object and rv is rv_object
    assert not np.allclose(rm_object, rm_before)
    assert not np.allclose(rv_object, rv_before)


def test_momentum_point_nine_moves_running_mean_ten_percent_of_the_way():
    # PyTorch's momentum is the weight of the new value; ours (the course's EWA) of the old one.
    x, gamma, beta, _, _ = _setup()
    running_mean, running_var = np.zeros(4), np.ones(4)
    batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.9)
    np.testing.assert_allclose(running_mean, 0.1 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(running_var, 0.9 + 0.1 * np.var(x, axis=0), rtol=1e-12)


def test_running_variance_uses_the_biased_batch_variance():
    x, gamma, beta, rm, rv = _setup(m=5)
    batchnorm_forward(x, gamma, beta, rm, rv, training=True, momentum=0.0)
    np.testing.assert_allclose(rm, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(rv, np.var(x, axis=0, ddof=0), rtol=1e-12)
    assert not np.allclose(rv, np.var(x, axis=0, ddof=1))


def test_running_statistics_converge_to_the_data_statistics():
    rng = np.random.default_rng(5)
    gamma, beta = np.ones(3), np.zeros(3)
    running_mean, running_var = np.zeros(3), np.ones(3)
    for _ in range(200):
        batch = rng.standard_normal((64, 3)) * [1.0, 2.0, 0.5] + [3.0, -1.0, 0.0]
        batchnorm_forward(batch, gamma, beta, running_mean, running_var, training=True)
    np.testing.assert_allclose(running_mean, [3.0, -1.0, 0.0], atol=0.15)
    np.testing.assert_allclose(running_var, [1.0, 4.0, 0.25], rtol=0.15)


# --- backward: gradient checks (float64, random upstream gradient) ------------------------

@pytest.mark.parametrize("m, d, seed", [(6, 4, 0), (2, 3, 1), (10, 1, 2)])
def test_training_gradients_match_numerical_gradients(m, d, seed):
    x, gamma, beta, rm, rv = _setup(m, d, seed)
    dout = np.random.default_rng(seed + 100).standard_normal((m, d))

    def loss():
        # copies: every call starts from the same running statistics (they do not affect out)
        out, _ = batchnorm_forward(x, gamma, beta, rm.copy(), rv.copy(), training=True)
        return float(np.sum(out * dout))

    _, cache = batchnorm_forward(x, gamma, beta, rm.copy(), rv.copy(), training=True)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-7
    assert relative_error(dgamma, numerical_gradient(loss, gamma)) < 1e-7
    assert relative_error(dbeta, numerical_gradient(loss, beta)) < 1e-7


def test_training_dx_goes_through_the_batch_statistics():
    # Treating mean and variance as constants gives dout * gamma * inv_std: wrong in training.
    x, gamma, beta, rm, rv = _setup()
    dout = np.random.default_rng(9).standard_normal(x.shape)
    _, cache = batchnorm_forward(x, gamma, beta, rm, rv, training=True)
    dx, _, _ = batchnorm_backward(dout, cache)
    naive = dout * gamma / np.sqrt(np.var(x, axis=0) + 1e-5)
    assert relative_error(dx, naive) > 1e-2
    # and every column of dx sums to 0: shifting a whole feature does not change the output
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-10)


def test_test_mode_gradients_match_numerical_gradients():
    x, gamma, beta, rm, rv = _setup(5, 3, 3)
    dout = np.random.default_rng(7).standard_normal((5, 3))

    def loss():
        out, _ = batchnorm_forward(x, gamma, beta, rm, rv, training=False)
        return float(np.sum(out * dout))

    _, cache = batchnorm_forward(x, gamma, beta, rm, rv, training=False)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-7
    assert relative_error(dgamma, numerical_gradient(loss, gamma)) < 1e-7
    assert relative_error(dbeta, numerical_gradient(loss, beta)) < 1e-7


def test_gradient_check_holds_at_a_zero_variance_batch():
    x = np.tile(np.array([[1.5, -2.0, 0.25]]), (4, 1))
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.zeros(3)
    dout = np.random.default_rng(8).standard_normal((4, 3))

    def loss():
        out, _ = batchnorm_forward(x, gamma, beta, np.zeros(3), np.ones(3), training=True)
        return float(np.sum(out * dout))

    _, cache = batchnorm_forward(x, gamma, beta, np.zeros(3), np.ones(3), training=True)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    assert relative_error(dx, numerical_gradient(loss, x)) < 1e-7
    np.testing.assert_allclose(dgamma, 0.0, atol=1e-12)
    np.testing.assert_allclose(dbeta, dout.sum(axis=0), rtol=1e-12)


# --- stability -----------------------------------------------------------------------------

def _no_warnings(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


def test_zero_variance_feature_gives_finite_output_beta_and_no_warnings():
    x, gamma, beta, rm, rv = _setup(m=5, d=3)
    x[:, 1] = 7.3  # constant feature
    out, cache = _no_warnings(batchnorm_forward, x, gamma, beta, rm, rv, training=True)
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[:, 1], beta[1], atol=1e-6)
    grads = _no_warnings(batchnorm_backward, np.ones_like(x), cache)
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_zero_variance_batch_gives_finite_output_and_no_warnings():
    x = np.tile(np.array([[0.1, -3.0, 1e6]]), (8, 1))  # all rows equal
    gamma, beta = np.ones(3), np.array([0.5, -0.5, 2.0])
    out, cache = _no_warnings(batchnorm_forward, x, gamma, beta, np.zeros(3), np.ones(3), training=True)
    np.testing.assert_allclose(out, np.broadcast_to(beta, x.shape), atol=1e-6)
    grads = _no_warnings(batchnorm_backward, np.random.default_rng(0).standard_normal(x.shape), cache)
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_batch_of_one_example_outputs_beta_and_passes_no_gradient_to_x():
    x, gamma, beta, rm, rv = _setup(m=1)
    out, cache = _no_warnings(batchnorm_forward, x, gamma, beta, rm, rv, training=True)
    np.testing.assert_array_equal(out, beta[None, :])
    dout = np.random.default_rng(1).standard_normal(x.shape)
    dx, dgamma, dbeta = _no_warnings(batchnorm_backward, dout, cache)
    np.testing.assert_array_equal(dx, np.zeros_like(x))
    np.testing.assert_array_equal(dgamma, np.zeros(x.shape[1]))
    np.testing.assert_array_equal(dbeta, dout[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_large_inputs_are_normalised_without_overflow(dtype):
    rng = np.random.default_rng(3)
    wide = (1e6 * rng.standard_normal((64, 3))).astype(dtype)  # huge spread
    out, cache = _no_warnings(batchnorm_forward, wide, np.ones(3, dtype), np.zeros(3, dtype),
                              np.zeros(3, dtype), np.ones(3, dtype), training=True)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=1e-4)
    dx, _, _ = _no_warnings(batchnorm_backward, rng.standard_normal((64, 3)).astype(dtype), cache)
    assert np.all(np.isfinite(dx))


def test_large_offset_with_small_spread_is_normalised_accurately():
    rng = np.random.default_rng(4)
    noise = rng.standard_normal((64, 2))
    out, _ = batchnorm_forward(1e6 + noise, np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), training=True)
    centred = (noise - noise.mean(axis=0)) / np.sqrt(noise.var(axis=0) + 1e-5)
    np.testing.assert_allclose(out, centred, atol=1e-6)


# --- property ------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 30), st.integers(1, 5)),
        elements=st.floats(-1e3, 1e3, allow_nan=False),
    )
)
def test_training_output_has_zero_mean_and_unit_variance_per_feature(x):
    assume(np.all(np.var(x, axis=0) > 1.0))  # non-degenerate columns: eps changes var by < 1e-5
    d = x.shape[1]
    out, _ = batchnorm_forward(x, np.ones(d), np.zeros(d), np.zeros(d), np.ones(d), training=True)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(out.var(axis=0), 1.0, rtol=2e-5)


# --- dtype, inputs, validation -------------------------------------------------------------

@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("momentum, eps", [(0.9, 1e-5), (np.float64(0.9), np.float64(1e-5))])
def test_float32_stays_float32_everywhere(training, momentum, eps):
    x, gamma, beta, rm, rv = _setup(dtype=np.float32)
    out, cache = batchnorm_forward(x, gamma, beta, rm, rv, training=training, momentum=momentum, eps=eps)
    assert out.dtype == np.float32
    assert rm.dtype == np.float32 and rv.dtype == np.float32
    dx, dgamma, dbeta = batchnorm_backward(np.ones_like(x), cache)
    assert dx.dtype == dgamma.dtype == dbeta.dtype == np.float32


def test_float32_running_statistics_stay_float32_with_float64_batch():
    x, gamma, beta, _, _ = _setup()
    rm, rv = np.zeros(4, dtype=np.float32), np.ones(4, dtype=np.float32)
    batchnorm_forward(x, gamma, beta, rm, rv, training=True)
    assert rm.dtype == np.float32 and rv.dtype == np.float32
    np.testing.assert_allclose(rm, 0.1 * x.mean(axis=0), rtol=1e-6)


def test_inputs_other_than_running_statistics_are_not_modified():
    x, gamma, beta, rm, rv = _setup()
    dout = np.random.default_rng(2).standard_normal(x.shape)
    before = [a.copy() for a in (x, gamma, beta, dout)]
    _, cache = batchnorm_forward(x, gamma, beta, rm, rv, training=True)
    batchnorm_backward(dout, cache)
    for after, original in zip((x, gamma, beta, dout), before):
        np.testing.assert_array_equal(after, original)


def test_wrong_shapes_are_rejected_with_the_name_of_the_argument():
    x, gamma, beta, rm, rv = _setup(d=4)
    with pytest.raises(ValueError, match="x must be"):
        batchnorm_forward(x[0], gamma, beta, rm, rv)
    with pytest.raises(ValueError, match="gamma"):
        batchnorm_forward(x, gamma[:3], beta, rm, rv)
    with pytest.raises(ValueError, match="running_var"):
        batchnorm_forward(x, gamma, beta, rm, np.ones(5))


def test_running_statistics_must_be_arrays_that_can_be_updated_in_place():
    x, gamma, beta, _, rv = _setup(d=2)
    with pytest.raises(TypeError, match="running_mean"):
        batchnorm_forward(x, gamma, beta, [0.0, 0.0], rv)


@pytest.mark.parametrize("momentum, eps", [(1.5, 1e-5), (-0.1, 1e-5), (0.9, 0.0)])
def test_bad_momentum_or_eps_are_rejected(momentum, eps):
    x, gamma, beta, rm, rv = _setup()
    with pytest.raises(ValueError):
        batchnorm_forward(x, gamma, beta, rm, rv, momentum=momentum, eps=eps)
