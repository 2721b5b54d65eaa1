"""Tests of nnlib.losses: values, gradients, stability, dtype, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.losses import (
    LOSSES,
    binary_cross_entropy,
    binary_cross_entropy_backward,
    huber,
    huber_backward,
    mae,
    mae_backward,
    mse,
    mse_backward,
    softmax_cross_entropy,
    softmax_cross_entropy_backward,
)

ALL = LOSSES  # name -> (loss, loss_backward), every loss
REGRESSION = {name: ALL[name] for name in ("mse", "mae", "huber")}


def _inputs(name: str, rng: np.random.Generator, dtype=np.float64):
    """A typical (prediction, target) pair for each loss."""
    if name == "binary_cross_entropy":
        return rng.uniform(0.05, 0.95, size=(6, 1)).astype(dtype), rng.integers(0, 2, size=(6, 1)).astype(dtype)
    if name == "softmax_cross_entropy":
        return rng.normal(size=(6, 4)).astype(dtype), rng.integers(0, 4, size=6)
    return rng.normal(size=(6, 2)).astype(dtype), rng.normal(size=(6, 2)).astype(dtype)


def _gradcheck(loss, backward, y_pred, y, **kwargs) -> float:
    numeric = numerical_gradient(lambda: loss(y_pred, y, **kwargs), y_pred)
    return relative_error(backward(y_pred, y, **kwargs), numeric)


# --- gradient checks ------------------------------------------------------------------------


def test_mse_backward_matches_central_differences(rng):
    assert _gradcheck(mse, mse_backward, rng.normal(size=(7, 3)), rng.normal(size=(7, 3))) < 1e-7


def test_mae_backward_matches_central_differences(rng):
    y = rng.normal(size=(7, 3))
    gap = rng.uniform(0.05, 1.0, size=y.shape) * rng.choice([-1.0, 1.0], size=y.shape)  # no ties
    assert _gradcheck(mae, mae_backward, y + gap, y) < 1e-7


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_backward_matches_central_differences_in_both_regimes(delta, rng):
    y = rng.normal(size=(8, 3))
    sign = rng.choice([-1.0, 1.0], size=y.shape)
    # residuals well inside, and well outside, the quadratic zone |r| <= delta
    inside = sign * rng.uniform(0.05, 0.9, size=y.shape) * delta
    outside = sign * rng.uniform(1.1, 3.0, size=y.shape) * delta
    mixed = np.where(rng.random(y.shape) < 0.5, inside, outside)
    for residual in (inside, outside, mixed):
        assert _gradcheck(huber, huber_backward, y + residual, y, delta=delta) < 1e-7


def test_binary_cross_entropy_backward_matches_central_differences(rng):
    p = rng.uniform(0.05, 0.95, size=(9, 1))
    for y in (rng.integers(0, 2, size=(9, 1)).astype(float), rng.uniform(0, 1, size=(9, 1))):  # hard and soft
        assert _gradcheck(binary_cross_entropy, binary_cross_entropy_backward, p, y) < 1e-7


def test_softmax_cross_entropy_backward_matches_central_differences(rng):
    logits = rng.normal(size=(6, 5)) * 3
    y = rng.integers(0, 5, size=6)
    assert _gradcheck(softmax_cross_entropy, softmax_cross_entropy_backward, logits, y) < 1e-7


# --- values (independent formulas) ----------------------------------------------------------


def test_regression_losses_small_worked_values():
    y_pred = np.array([[1.0], [2.0], [5.0]])
    y = np.array([[1.5], [2.0], [2.0]])
    # residuals r = y_pred - y = [-0.5, 0, 3]
    assert mse(y_pred, y) == pytest.approx((0.25 + 0 + 9) / 3, rel=1e-15)
    assert mae(y_pred, y) == pytest.approx((0.5 + 0 + 3) / 3, rel=1e-15)
    assert huber(y_pred, y) == pytest.approx((0.125 + 0 + (3 - 0.5)) / 3, rel=1e-15)
    assert huber(y_pred, y, delta=4.0) == pytest.approx((0.125 + 0 + 4.5) / 3, rel=1e-15)


def test_regression_losses_are_means_over_all_elements(rng):
    y_pred, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    r = y_pred - y
    assert mse(y_pred, y) == pytest.approx(np.sum(r**2) / 15, rel=1e-13)
    assert mae(y_pred, y) == pytest.approx(np.sum(np.abs(r)) / 15, rel=1e-13)
    np.testing.assert_allclose(mse_backward(y_pred, y), 2 * r / 15, rtol=1e-13)
    np.testing.assert_allclose(mae_backward(y_pred, y), np.sign(r) / 15, rtol=1e-13)


def test_mae_backward_is_zero_where_prediction_equals_target():
    y = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(mae_backward(np.array([1.0, 0.0, 4.0]), y), [0.0, -1 / 3, 1 / 3])


def test_huber_is_continuous_at_delta_and_its_gradient_is_clipped():
    y = np.zeros(4)
    y_pred = np.array([-3.0, -1.0, 0.25, 2.0])
    np.testing.assert_allclose(huber_backward(y_pred, y, delta=1.0), [-0.25, -0.25, 0.0625, 0.25])
    below, above = huber(np.array([1.0 - 1e-9]), np.zeros(1)), huber(np.array([1.0 + 1e-9]), np.zeros(1))
    assert abs(below - 0.5) < 1e-8 and abs(above - 0.5) < 1e-8


def test_huber_equals_half_mse_for_small_errors_and_tends_to_delta_mae_for_large(rng):
    y = rng.normal(size=20)
    small = y + rng.uniform(-0.5, 0.5, size=20)
    assert huber(small, y, delta=1.0) == pytest.approx(mse(small, y) / 2, rel=1e-13)
    large = y + rng.choice([-1.0, 1.0], size=20) * rng.uniform(5, 10, size=20)
    assert huber(large, y, delta=1.0) == pytest.approx(mae(large, y) - 0.5, rel=1e-13)


def test_binary_cross_entropy_value(rng):
    p = rng.uniform(0.01, 0.99, size=(10, 1))
    y = rng.integers(0, 2, size=(10, 1)).astype(float)
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert binary_cross_entropy(p, y) == pytest.approx(expected, rel=1e-13)
    assert binary_cross_entropy(np.array([0.5]), np.array([1.0])) == pytest.approx(np.log(2), rel=1e-15)


def test_softmax_cross_entropy_value(rng):
    logits = rng.normal(size=(6, 3))
    y = np.array([0, 1, 2, 2, 1, 0])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(6), y]))
    assert softmax_cross_entropy(logits, y) == pytest.approx(expected, rel=1e-13)
    assert softmax_cross_entropy(np.zeros((2, 4)), np.array([3, 1])) == pytest.approx(np.log(4), rel=1e-15)


def test_softmax_cross_entropy_backward_is_softmax_minus_one_hot_over_m(rng):
    logits = rng.normal(size=(5, 4))
    y = np.array([3, 0, 0, 2, 1])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax_cross_entropy_backward(logits, y), (p - np.eye(4)[y]) / 5, rtol=1e-13)


def test_softmax_cross_entropy_handles_a_label_used_twice_in_one_batch():
    # every row gets its own -1, also when labels repeat
    d = softmax_cross_entropy_backward(np.zeros((3, 2)), np.array([1, 1, 1]))
    np.testing.assert_allclose(d, np.tile([0.5, -0.5], (3, 1)) / 3, rtol=1e-15)


# --- stability ------------------------------------------------------------------------------


def test_softmax_cross_entropy_is_finite_and_correct_for_logits_of_1000(strict_numerics):
    logits = np.array([[1000.0, -1000.0], [1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]])
    y = np.array([0, 1, 0, 1])
    # per example: 0 (confident and right), 2000, 2000 (confident and wrong), log 2
    assert softmax_cross_entropy(logits, y) == pytest.approx((0 + 2000 + 2000 + np.log(2)) / 4, rel=1e-14)
    d = softmax_cross_entropy_backward(logits, y)
    assert np.all(np.isfinite(d))
    np.testing.assert_allclose(d, np.array([[0, 0], [1, -1], [-1, 1], [0.5, -0.5]]) / 4, atol=1e-15)
    assert np.isfinite(softmax_cross_entropy(logits.astype(np.float32), y))


def test_binary_cross_entropy_is_finite_for_p_exactly_0_and_1(strict_numerics):
    p = np.array([0.0, 1.0, 0.0, 1.0])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    # right answers cost ~0, wrong ones -log(eps)
    assert binary_cross_entropy(p, y) == pytest.approx(2 * -np.log(1e-12) / 4, rel=1e-5)
    assert np.all(np.isfinite(binary_cross_entropy_backward(p, y)))
    p32, y32 = p.astype(np.float32), y.astype(np.float32)
    assert np.isfinite(binary_cross_entropy(p32, y32))
    d32 = binary_cross_entropy_backward(p32, y32)
    assert d32.dtype == np.float32 and np.all(np.isfinite(d32))


def test_binary_cross_entropy_clips_with_eps():
    assert binary_cross_entropy(np.array([0.0]), np.array([1.0]), eps=1e-3) == pytest.approx(-np.log(1e-3), rel=1e-12)
    assert binary_cross_entropy(np.array([1.0]), np.array([0.0]), eps=1e-3) == pytest.approx(-np.log(1e-3), rel=1e-9)


# --- types, dtype, inputs untouched ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ALL))
def test_loss_returns_a_python_float(name, rng):
    for dtype in (np.float64, np.float32):
        value = ALL[name][0](*_inputs(name, rng, dtype))
        assert type(value) is float


@pytest.mark.parametrize("name", sorted(ALL))
def test_backward_keeps_float32_and_shape(name, rng):
    y_pred, y = _inputs(name, rng, np.float32)
    d = ALL[name][1](y_pred, y)
    assert d.dtype == np.float32
    assert d.shape == y_pred.shape


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "binary_cross_entropy"])
def test_integer_targets_do_not_upcast_a_float32_prediction(name, rng):
    y_pred, y = _inputs(name, rng, np.float32)
    y_int = np.round(y).astype(np.int64)
    assert ALL[name][1](y_pred, y_int).dtype == np.float32


@pytest.mark.parametrize("name", sorted(ALL))
def test_inputs_are_not_modified(name, rng):
    y_pred, y = _inputs(name, rng)
    if name == "binary_cross_entropy":
        y_pred[0, 0] = 0.0  # a value the clip changes: the clip must not write into p
    before = y_pred.copy(), y.copy()
    loss, backward = ALL[name]
    loss(y_pred, y)
    backward(y_pred, y)
    np.testing.assert_array_equal(y_pred, before[0])
    np.testing.assert_array_equal(y, before[1])


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mse", "mae", "huber", "binary_cross_entropy"])
def test_mismatched_shapes_raise_instead_of_broadcasting(name):
    # (m, 1) against (m,) would broadcast to (m, m) and give a wrong number silently
    loss, backward = ALL[name]
    y_pred, y = np.full((4, 1), 0.5), np.zeros(4)
    with pytest.raises(ValueError, match="shape"):
        loss(y_pred, y)
    with pytest.raises(ValueError, match="shape"):
        backward(y_pred, y)


@pytest.mark.parametrize("fn", [softmax_cross_entropy, softmax_cross_entropy_backward])
def test_softmax_cross_entropy_rejects_bad_labels(fn):
    logits = np.zeros((3, 4))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        fn(logits, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        fn(logits, np.array([0, -1, 1]))
    with pytest.raises(ValueError, match="one-hot"):
        fn(logits, np.eye(4)[[0, 1, 2]])
    with pytest.raises(ValueError, match="shape"):
        fn(logits, np.array([0, 1]))
    with pytest.raises(TypeError, match="integer"):
        fn(logits, np.array([0.0, 1.0, 2.0]))


@pytest.mark.parametrize("fn", [huber, huber_backward])
def test_huber_rejects_a_non_positive_delta(fn):
    with pytest.raises(ValueError, match="delta"):
        fn(np.ones(3), np.zeros(3), delta=0.0)
