"""Tests of nnlib.layernorm: layer normalization forward and backward (chapter 5)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.batchnorm import batchnorm_backward, batchnorm_forward
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layernorm import layernorm_backward, layernorm_forward


def _setup(m=5, d=7, seed=0, dtype=np.float64):
    """x: (m, d) whose rows have distinct scales and offsets; gamma, beta: (d,)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, d)) * rng.uniform(0.5, 3.0, size=(m, 1)) + rng.uniform(-2.0, 2.0, size=(m, 1))
    gamma = rng.uniform(0.5, 2.0, size=d)
    beta = rng.standard_normal(d)
    return tuple(a.astype(dtype) for a in (x, gamma, beta))


def test_forward_standardises_each_row_with_its_biased_variance():
    x, gamma, beta = _setup()
    out, _ = layernorm_forward(x, gamma, beta)
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    np.testing.assert_allclose(out, gamma * (x - mean) / np.sqrt(var + 1e-5) + beta, rtol=1e-12, atol=1e-12)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 8)),
                  elements=st.floats(-1e3, 1e3, allow_nan=False)))
def test_with_unit_gamma_and_zero_beta_every_row_has_mean_zero_and_std_at_most_one(x):
    d = x.shape[1]
    out, _ = layernorm_forward(x, np.ones(d), np.zeros(d))
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-9)
    assert np.all(out.std(axis=1) <= 1.0 + 1e-9)


def test_an_example_gives_the_same_output_alone_and_in_any_batch():
    x, gamma, beta = _setup(m=8)
    alone, _ = layernorm_forward(x[:1], gamma, beta)
    for mates in (1, 7, 255):
        other, _, _ = _setup(m=mates, seed=mates)
        in_batch, _ = layernorm_forward(np.vstack([x[:1], other]), gamma, beta)
        np.testing.assert_array_equal(in_batch[:1], alone)


def test_layernorm_is_batchnorm_of_the_transpose():
    """Per row here is per column there: with unit gamma and zero beta, LN(x) = BN(x.T).T."""
    x, _, _ = _setup(m=4, d=9)
    ln, _ = layernorm_forward(x, np.ones(9), np.zeros(9))
    bn, _ = batchnorm_forward(x.T, np.ones(4), np.zeros(4), np.zeros(4), np.ones(4))
    np.testing.assert_allclose(ln, bn.T, rtol=1e-12, atol=1e-12)
    dout = np.random.default_rng(1).standard_normal(x.shape)
    dx_ln = layernorm_backward(dout, layernorm_forward(x, np.ones(9), np.zeros(9))[1])[0]
    dx_bn = batchnorm_backward(dout.T, batchnorm_forward(x.T, np.ones(4), np.zeros(4), np.zeros(4), np.ones(4))[1])[0]
    np.testing.assert_allclose(dx_ln, dx_bn.T, rtol=1e-10, atol=1e-12)


def test_output_does_not_change_when_a_row_is_scaled_and_shifted():
    x, gamma, beta = _setup()
    out, _ = layernorm_forward(x, gamma, beta, eps=1e-12)
    moved, _ = layernorm_forward(3.0 * x - 5.0, gamma, beta, eps=1e-12)
    np.testing.assert_allclose(moved, out, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(("m", "d"), [(1, 5), (4, 3), (16, 12)])
def test_backward_matches_numerical_gradients(m, d):
    x, gamma, beta = _setup(m=m, d=d, seed=m + d)
    dout = np.random.default_rng(9).standard_normal((m, d))
    _, cache = layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)
    loss = lambda: float(np.sum(layernorm_forward(x, gamma, beta)[0] * dout))  # noqa: E731
    for analytic, array in ((dx, x), (dgamma, gamma), (dbeta, beta)):
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-7


def test_dx_rows_sum_to_zero():
    """Shifting a whole row does not change the output, so the gradient along a row sums to 0."""
    x, gamma, beta = _setup(m=6, d=10)
    dout = np.random.default_rng(2).standard_normal(x.shape)
    dx, _, _ = layernorm_backward(dout, layernorm_forward(x, gamma, beta)[1])
    np.testing.assert_allclose(dx.sum(axis=1), 0.0, atol=1e-12)


def test_float32_stays_float32():
    x, gamma, beta = _setup(dtype=np.float32)
    out, cache = layernorm_forward(x, gamma, beta)
    assert out.dtype == np.float32
    assert all(a.dtype == np.float32 for a in layernorm_backward(np.ones_like(out), cache))


def test_a_constant_row_gives_beta_and_no_division_by_zero(strict_numerics):
    x = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 3.0]])
    out, _ = layernorm_forward(x, np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -0.5]))
    np.testing.assert_allclose(out[0], [0.5, 0.0, -0.5])


@pytest.mark.parametrize(("x", "gamma", "message"), [
    (np.ones(4), np.ones(4), "shape"),
    (np.ones((2, 3)), np.ones(2), "gamma must have shape \\(3,\\)"),
])
def test_bad_shapes_are_refused_with_a_clear_message(x, gamma, message):
    with pytest.raises(ValueError, match=message):
        layernorm_forward(x, gamma, np.zeros(np.shape(gamma)))


def test_non_positive_eps_is_refused():
    with pytest.raises(ValueError, match="eps"):
        layernorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), eps=0.0)
