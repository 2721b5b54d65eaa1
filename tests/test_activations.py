"""Tests of nnlib.activations: values, gradients, stability, dtype, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnlib.activations import (
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    tanh,
    tanh_backward,
)
from nnlib.gradcheck import numerical_gradient, relative_error

FORWARD = {
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softmax": softmax,
}
PAIRS = {
    "sigmoid": (sigmoid, sigmoid_backward),
    "tanh": (tanh, tanh_backward),
    "relu": (relu, relu_backward),
    "leaky_relu": (leaky_relu, leaky_relu_backward),
}

finite = st.floats(-50, 50, allow_nan=False, allow_infinity=False)


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Normal samples pushed at least 0.05 away from 0, where ReLU's kink spoils differences."""
    z = rng.normal(size=shape)
    return z + 0.05 * np.sign(z)


# --- gradient checks ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_backward_matches_central_differences(name, rng):
    forward, backward = PAIRS[name]
    z = _away_from_zero(rng, (6, 5)) * 2
    da = rng.normal(size=z.shape)
    numeric = numerical_gradient(lambda: float(np.sum(da * forward(z))), z)
    assert relative_error(backward(da, z), numeric) < 1e-7


@pytest.mark.parametrize("alpha", [0.01, 0.2, 1.5])
def test_leaky_relu_backward_matches_central_differences_for_any_alpha(alpha, rng):
    z = _away_from_zero(rng, (4, 7))
    da = rng.normal(size=z.shape)
    numeric = numerical_gradient(lambda: float(np.sum(da * leaky_relu(z, alpha))), z)
    assert relative_error(leaky_relu_backward(da, z, alpha), numeric) < 1e-7


def test_sigmoid_backward_is_correct_for_large_inputs_too(rng):
    # a gradient check where sigmoid saturates: s(1-s) is tiny but must still be right
    z = rng.uniform(-30, 30, size=(3, 4))
    da = rng.normal(size=z.shape)
    numeric = numerical_gradient(lambda: float(np.sum(da * sigmoid(z))), z)
    assert relative_error(sigmoid_backward(da, z), numeric) < 1e-7


# --- values ---------------------------------------------------------------------------------


def test_forward_values_match_their_definitions(rng):
    z = rng.normal(size=(5, 3)) * 4
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    np.testing.assert_allclose(tanh(z), (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)), rtol=1e-12)
    np.testing.assert_array_equal(relu(z), np.where(z > 0, z, 0.0))
    np.testing.assert_array_equal(leaky_relu(z), np.where(z > 0, z, 0.01 * z))
    np.testing.assert_array_equal(leaky_relu(z, alpha=0.3), np.where(z > 0, z, 0.3 * z))
    e = np.exp(z)
    np.testing.assert_allclose(softmax(z), e / e.sum(axis=1, keepdims=True), rtol=1e-14)


def test_small_worked_values():
    assert sigmoid(np.array(0.0)) == 0.5
    np.testing.assert_allclose(sigmoid(np.array([np.log(3.0)])), [0.75], rtol=1e-15)
    np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(leaky_relu(np.array([-2.0, 3.0]), alpha=0.1), [-0.2, 3.0])
    np.testing.assert_allclose(softmax(np.array([0.0, np.log(3.0)])), [0.25, 0.75], rtol=1e-15)


def test_backward_values_match_their_definitions(rng):
    z = rng.normal(size=(4, 6))
    da = rng.normal(size=z.shape)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(sigmoid_backward(da, z), da * s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(tanh_backward(da, z), da / np.cosh(z) ** 2, rtol=1e-12)


def test_relu_backward_is_zero_at_exactly_zero():
    z = np.array([-1.0, 0.0, 0.0, 2.0])
    da = np.array([5.0, 7.0, -3.0, 11.0])
    np.testing.assert_array_equal(relu_backward(da, z), [0.0, 0.0, 0.0, 11.0])


def test_leaky_relu_backward_uses_alpha_for_negative_inputs_and_at_zero():
    z = np.array([-1.0, 0.0, 2.0])
    da = np.array([5.0, 7.0, 11.0])
    np.testing.assert_allclose(leaky_relu_backward(da, z, alpha=0.1), [0.5, 0.7, 11.0])


def test_relu_backward_passes_the_upstream_gradient_not_ones():
    # a common slip: returning the mask (z > 0) itself instead of da * mask
    z = np.array([[1.0, 2.0], [-1.0, 3.0]])
    da = np.array([[0.5, -4.0], [9.0, 2.5]])
    np.testing.assert_array_equal(relu_backward(da, z), [[0.5, -4.0], [0.0, 2.5]])


def test_softmax_works_over_the_last_axis_only(rng):
    z = rng.normal(size=(3, 4))
    np.testing.assert_allclose(softmax(z).sum(axis=1), 1.0, rtol=1e-14)
    # rows are independent: a row's result does not depend on the other rows
    np.testing.assert_allclose(softmax(z)[1], softmax(z[1]), rtol=1e-14)
    z3 = rng.normal(size=(2, 3, 5))
    np.testing.assert_allclose(softmax(z3).sum(axis=-1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(softmax(z3)[1, 2], softmax(z3[1, 2]), rtol=1e-14)


# --- stability ------------------------------------------------------------------------------


def test_sigmoid_is_exactly_zero_and_one_at_plus_minus_1000(strict_numerics):
    a = sigmoid(np.array([-1000.0, 1000.0, -745.0, 745.0]))
    assert a[0] == 0.0 and a[1] == 1.0
    assert np.all(np.isfinite(a))
    a32 = sigmoid(np.array([-1000.0, 1000.0], dtype=np.float32))
    assert a32[0] == 0.0 and a32[1] == 1.0


def test_sigmoid_backward_is_finite_at_extremes(strict_numerics):
    dz = sigmoid_backward(np.ones(4), np.array([-1000.0, 1000.0, -1e6, 1e6]))
    np.testing.assert_array_equal(dz, 0.0)


def test_tanh_is_stable_at_extremes(strict_numerics):
    np.testing.assert_array_equal(tanh(np.array([-1000.0, 1000.0])), [-1.0, 1.0])
    np.testing.assert_array_equal(tanh_backward(np.ones(2), np.array([-1000.0, 1000.0])), [0.0, 0.0])


def test_softmax_is_stable_for_logits_of_plus_minus_1000(strict_numerics):
    z = np.array([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -999.0]])
    p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p[0], [1.0, 0.0, 0.0], atol=1e-300)
    np.testing.assert_allclose(p[1], [0.5, 0.5, 0.0], atol=1e-300)
    e = np.exp([-1.0, -1.0, 0.0])
    np.testing.assert_allclose(p[2], e / e.sum(), rtol=1e-14)
    p32 = softmax(z.astype(np.float32))
    assert np.all(np.isfinite(p32))
    np.testing.assert_allclose(p32[1], [0.5, 0.5, 0.0], atol=1e-7)


# --- dtype, shape, inputs untouched ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_keeps_float32_and_shape(name, rng):
    z = rng.normal(size=(5, 4)).astype(np.float32)
    a = FORWARD[name](z)
    assert a.dtype == np.float32
    assert a.shape == z.shape


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_backward_keeps_float32_and_shape(name, rng):
    z = rng.normal(size=(5, 4)).astype(np.float32)
    da = rng.normal(size=(5, 4)).astype(np.float32)
    dz = PAIRS[name][1](da, z)
    assert dz.dtype == np.float32
    assert dz.shape == z.shape


def test_leaky_relu_keeps_float32_even_with_a_numpy_float64_alpha(rng):
    z = rng.normal(size=(3, 3)).astype(np.float32)
    assert leaky_relu(z, np.float64(0.2)).dtype == np.float32
    assert leaky_relu_backward(z, z, np.float64(0.2)).dtype == np.float32


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_does_not_modify_its_input(name, rng):
    z = rng.normal(size=(4, 3))
    z_before = z.copy()
    FORWARD[name](z)
    np.testing.assert_array_equal(z, z_before)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_backward_does_not_modify_its_inputs(name, rng):
    z = rng.normal(size=(4, 3))
    da = rng.normal(size=(4, 3))
    z_before, da_before = z.copy(), da.copy()
    PAIRS[name][1](da, z)
    np.testing.assert_array_equal(z, z_before)
    np.testing.assert_array_equal(da, da_before)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_backward_rejects_mismatched_shapes(name):
    with pytest.raises(ValueError, match="shape"):
        PAIRS[name][1](np.ones((3, 2)), np.ones((2, 3)))


# --- properties -----------------------------------------------------------------------------


@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=st.floats(-1e3, 1e3)))
def test_softmax_rows_are_probabilities(z):
    p = softmax(z)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)


@given(
    arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 6)), elements=finite),
    st.floats(-500, 500),
)
def test_softmax_is_invariant_to_adding_a_constant_to_a_row(z, c):
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-9, atol=1e-300)


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e4, 1e4)))
def test_sigmoid_lies_in_zero_one_and_is_symmetric(z):
    s = sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(sigmoid(-z), 1 - s, rtol=1e-12, atol=1e-15)


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e4, 1e4)))
def test_sigmoid_is_monotone(z):
    z = np.sort(z)
    assert np.all(np.diff(sigmoid(z)) >= 0)
