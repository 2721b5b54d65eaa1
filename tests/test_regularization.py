"""Tests of nnlib.regularization: L2 and L1 penalties and their gradients (chapter 4), and
add_penalty_grad on a model's weight matrices."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import BatchNorm, Dense, ReLU
from nnlib.regularization import add_penalty_grad, l1_grad, l1_penalty, l2_grad, l2_penalty
from nnlib.sequential import Sequential


def _weights(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((4, 3)), rng.standard_normal((3, 2))]


# --- values worked by hand -----------------------------------------------------------------

def test_l2_penalty_matches_a_hand_worked_value():
    # Σ‖W‖² = (1 + 4 + 9 + 16) + 25 = 55; lam / (2m) = 0.1 / 20
    weights = [np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[5.0]])]
    assert l2_penalty(weights, lam=0.1, m=10) == pytest.approx(0.275, rel=1e-12)


def test_l2_penalty_has_the_one_half_factor():
    # A common slip: lam / m * Σ‖W‖² (no 1/2) gives 2.0 here instead of 1.0.
    assert l2_penalty([np.ones((2, 2))], lam=1.0, m=2) == pytest.approx(1.0)


def test_l2_grad_matches_a_hand_worked_value():
    W = np.array([[1.0, -2.0], [0.5, 0.0]])
    np.testing.assert_allclose(l2_grad(W, lam=0.3, m=3), 0.1 * W, rtol=1e-12)


def test_l1_penalty_matches_a_hand_worked_value():
    # Σ|W| = 1 + 2 + 3 + 4 + 5 = 15; lam / m = 0.2 / 4
    weights = [np.array([[1.0, -2.0], [3.0, -4.0]]), np.array([-5.0])]
    assert l1_penalty(weights, lam=0.2, m=4) == pytest.approx(0.75, rel=1e-12)


def test_l1_grad_is_lam_over_m_times_the_sign():
    W = np.array([[2.5, -0.1], [0.0, 7.0]])
    np.testing.assert_array_equal(l1_grad(W, lam=1.0, m=4), [[0.25, -0.25], [0.0, 0.25]])


def test_l1_grad_is_zero_at_zero():
    np.testing.assert_array_equal(l1_grad(np.zeros((2, 3)), lam=5.0, m=1), np.zeros((2, 3)))


def test_penalties_return_python_floats():
    weights = _weights()
    assert type(l2_penalty(weights, 0.1, 8)) is float
    assert type(l1_penalty(weights, 0.1, 8)) is float


def test_penalties_of_no_weights_are_zero():
    assert l2_penalty([], 1.0, 1) == 0.0
    assert l1_penalty([], 1.0, 1) == 0.0


def test_zero_lam_gives_zero_penalty_and_gradient():
    W = _weights()[0]
    assert l2_penalty([W], 0.0, 5) == 0.0
    assert l1_penalty([W], 0.0, 5) == 0.0
    np.testing.assert_array_equal(l2_grad(W, 0.0, 5), np.zeros_like(W))
    np.testing.assert_array_equal(l1_grad(W, 0.0, 5), np.zeros_like(W))


# --- gradient checks -----------------------------------------------------------------------

@pytest.mark.parametrize("lam, m", [(0.7, 1), (0.01, 32), (3.0, 5)])
def test_l2_grad_matches_numerical_gradient_of_l2_penalty(lam, m):
    rng = np.random.default_rng(1)
    weights = _weights(2)
    upstream = float(rng.standard_normal())  # the penalty is a scalar: a random scalar upstream
    for W in weights:
        numeric = numerical_gradient(lambda: upstream * l2_penalty(weights, lam, m), W)
        assert relative_error(upstream * l2_grad(W, lam, m), numeric) < 1e-7


@pytest.mark.parametrize("lam, m", [(0.7, 1), (0.01, 32), (3.0, 5)])
def test_l1_grad_matches_numerical_gradient_of_l1_penalty_away_from_zero(lam, m):
    rng = np.random.default_rng(3)
    weights = []
    for shape in [(4, 3), (3, 2)]:
        magnitude = rng.uniform(0.1, 2.0, size=shape)  # |w| >= 0.1: far from the kink at 0
        weights.append(magnitude * rng.choice([-1.0, 1.0], size=shape))
    upstream = float(rng.standard_normal())
    for W in weights:
        numeric = numerical_gradient(lambda: upstream * l1_penalty(weights, lam, m), W)
        assert relative_error(upstream * l1_grad(W, lam, m), numeric) < 1e-7


# --- properties ----------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    lam=st.floats(1e-3, 1e3),
    factor=st.floats(1e-2, 1e2),
    m=st.integers(1, 10_000),
    k=st.integers(1, 100),
)
def test_l2_penalty_is_linear_in_lam_and_scales_as_one_over_m(seed, lam, factor, m, k):
    weights = _weights(seed)
    base = l2_penalty(weights, lam, m)
    assert l2_penalty(weights, factor * lam, m) == pytest.approx(factor * base, rel=1e-12)
    assert l2_penalty(weights, lam, k * m) == pytest.approx(base / k, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), lam=st.floats(1e-3, 1e3), m=st.integers(1, 10_000))
def test_penalties_equal_their_definitions(seed, lam, m):
    weights = _weights(seed)
    squares = sum(float(np.sum(W**2)) for W in weights)
    absolutes = sum(float(np.sum(np.abs(W))) for W in weights)
    assert l2_penalty(weights, lam, m) == pytest.approx(lam / (2 * m) * squares, rel=1e-12)
    assert l1_penalty(weights, lam, m) == pytest.approx(lam / m * absolutes, rel=1e-12)


# --- dtype, inputs, validation -------------------------------------------------------------

@pytest.mark.parametrize("lam", [0.1, np.float64(0.1), np.float32(0.1)])
@pytest.mark.parametrize("m", [8, np.int64(8)])
def test_gradients_keep_float32(lam, m):
    # np.float64 scalars upcast float32 arrays in numpy 2: the coefficient must be a python float
    W = _weights()[0].astype(np.float32)
    assert l2_grad(W, lam, m).dtype == np.float32
    assert l1_grad(W, lam, m).dtype == np.float32


def test_penalties_of_float32_weights_are_accurate_floats():
    weights32 = [W.astype(np.float32) for W in _weights()]
    weights64 = [W.astype(np.float64) for W in weights32]
    assert type(l2_penalty(weights32, 0.1, 8)) is float
    assert l2_penalty(weights32, 0.1, 8) == pytest.approx(l2_penalty(weights64, 0.1, 8), rel=1e-6)
    assert l1_penalty(weights32, 0.1, 8) == pytest.approx(l1_penalty(weights64, 0.1, 8), rel=1e-6)


def test_inputs_are_not_modified():
    weights = _weights()
    copies = [W.copy() for W in weights]
    l2_penalty(weights, 0.5, 3)
    l1_penalty(weights, 0.5, 3)
    for W in weights:
        l2_grad(W, 0.5, 3)
        l1_grad(W, 0.5, 3)
    for W, original in zip(weights, copies):
        np.testing.assert_array_equal(W, original)


@pytest.mark.parametrize("function", [l2_penalty, l1_penalty])
@pytest.mark.parametrize("m", [0, -3])
def test_penalties_reject_m_below_one(function, m):
    with pytest.raises(ValueError, match="m"):
        function(_weights(), 0.1, m)


@pytest.mark.parametrize("function", [l2_grad, l1_grad])
def test_gradients_reject_m_below_one(function):
    with pytest.raises(ValueError, match="m"):
        function(_weights()[0], 0.1, 0)


@pytest.mark.parametrize("function", [l2_penalty, l1_penalty])
def test_penalties_reject_negative_lam(function):
    with pytest.raises(ValueError, match="lam"):
        function(_weights(), -0.1, 10)


# --- add_penalty_grad on a model -------------------------------------------------------------


@pytest.mark.parametrize("grad", [l2_grad, l1_grad])
def test_add_penalty_grad_on_a_model_gives_the_gradients_of_a_loop_over_its_dense_layers(grad, rng):
    model = Sequential(Dense(3, 5, rng=rng), BatchNorm(5), ReLU(), Dense(5, 2, rng=rng))
    x = rng.normal(size=(7, 3))
    model.forward(x)
    model.backward(rng.normal(size=(7, 2)))
    expected = {key: array.copy() for key, array in model.gradients().items()}
    for i, layer in enumerate(model.layers):  # the loop each training loop used to write
        if isinstance(layer, Dense):
            expected[f"{i}.W"] += grad(layer.params["W"], 0.3, 7)
    add_penalty_grad(model.weights(), model.gradients(), 0.3, 7, grad=grad)
    for key, array in model.gradients().items():
        np.testing.assert_array_equal(array, expected[key])


def test_add_penalty_grad_calls_the_given_gradient_once_per_weight_matrix(rng):
    weights = {"0.W": rng.normal(size=(3, 4)), "2.W": rng.normal(size=(4, 2))}
    grads = {"0.W": np.zeros((3, 4)), "0.b": np.zeros(4), "2.W": np.ones((4, 2))}
    calls = []

    def my_grad(W, lam, m):
        calls.append((W.shape, lam, m))
        return 2 * W

    add_penalty_grad(weights, grads, 0.5, 10, grad=my_grad)
    assert calls == [((3, 4), 0.5, 10), ((4, 2), 0.5, 10)]
    np.testing.assert_array_equal(grads["0.W"], 2 * weights["0.W"])
    np.testing.assert_array_equal(grads["2.W"], 1 + 2 * weights["2.W"])
    assert not grads["0.b"].any()
    add_penalty_grad(weights, grads, 0.5, 10)  # l2_grad by default
    np.testing.assert_allclose(grads["0.W"], (2 + 0.05) * weights["0.W"], rtol=1e-12)
