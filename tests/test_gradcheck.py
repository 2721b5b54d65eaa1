"""Tests of nnlib.gradcheck: the tool every other gradient test relies on."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, relative_error

# --- numerical_gradient ---------------------------------------------------------------------


def test_numerical_gradient_matches_a_known_gradient(rng):
    x = rng.normal(size=(3, 4))
    grad = numerical_gradient(lambda: float(np.sum(np.sin(x) * x)), x)
    exact = np.cos(x) * x + np.sin(x)
    assert relative_error(grad, exact) < 1e-9


def test_numerical_gradient_restores_x_exactly(rng):
    x = rng.normal(size=(5, 2))
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_is_central_hence_exact_for_quadratics(rng):
    # (f(x+h) - f(x-h)) / 2h is exact for a quadratic whatever h; a one-sided difference
    # would be off by about h * A_ii, i.e. 0.1 here
    n = 4
    A = rng.normal(size=(n, n))
    b = rng.normal(size=n)
    x = rng.normal(size=n)
    grad = numerical_gradient(lambda: float(x @ A @ x + b @ x), x, eps=0.1)
    np.testing.assert_allclose(grad, (A + A.T) @ x + b, rtol=1e-11, atol=1e-12)


def test_numerical_gradient_error_shrinks_like_eps_squared():
    # for f = sum(x^3), the central difference is 3x^2 + eps^2 exactly, entry by entry
    x = np.array([0.5, -1.0, 2.0])
    for eps in (1e-1, 1e-2):
        grad = numerical_gradient(lambda: float(np.sum(x**3)), x, eps=eps)
        np.testing.assert_allclose(grad - 3 * x**2, eps**2, rtol=1e-6)


def test_numerical_gradient_has_the_shape_of_x_and_is_float64(rng):
    x = rng.normal(size=(2, 3, 4))
    grad = numerical_gradient(lambda: float(np.sum(x**2)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)


def test_numerical_gradient_sees_each_entry_once(rng):
    # a function of one entry only: the other entries' gradients are exactly 0
    x = rng.normal(size=(3, 3))
    grad = numerical_gradient(lambda: float(x[1, 2] ** 2), x)
    expected = np.zeros((3, 3))
    expected[1, 2] = 2 * x[1, 2]
    np.testing.assert_allclose(grad, expected, rtol=1e-8, atol=0)


# --- relative_error -------------------------------------------------------------------------


def test_relative_error_is_zero_when_both_are_zero():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_relative_error_is_zero_for_equal_arrays(rng):
    a = rng.normal(size=(4, 2))
    assert relative_error(a, a.copy()) == 0.0


def test_relative_error_known_values():
    assert relative_error(np.array([3.0, 4.0]), np.zeros(2)) == pytest.approx(1.0)
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2) / 2)
    assert relative_error(np.array([1.0]), np.array([-1.0])) == pytest.approx(1.0)
    assert relative_error(np.array([2.0]), np.array([1.0])) == pytest.approx(1 / 3)


def test_relative_error_is_symmetric_and_scale_free(rng):
    a, b = rng.normal(size=10), rng.normal(size=10)
    assert relative_error(a, b) == pytest.approx(relative_error(b, a), rel=1e-15)
    assert relative_error(1e-6 * a, 1e-6 * b) == pytest.approx(relative_error(a, b), rel=1e-12)


def test_relative_error_returns_a_python_float(rng):
    assert type(relative_error(rng.normal(size=3), rng.normal(size=3))) is float
    assert type(relative_error(np.zeros(2, np.float32), np.zeros(2, np.float32))) is float


def test_numerical_gradient_works_on_a_non_contiguous_view():
    base = np.arange(6.0).reshape(2, 3)
    x = base.T  # a view whose reshape(-1) would be a copy
    grad = numerical_gradient(lambda: float(np.sum(x**2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-6)
    np.testing.assert_array_equal(base, np.arange(6.0).reshape(2, 3))
