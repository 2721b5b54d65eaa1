"""Tests of nnlib.dense: forward values, gradients of x, W and b, shapes, dtype."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.dense import dense_backward, dense_forward, dense_parameter_gradients
from nnlib.gradcheck import numerical_gradient, relative_error


def _layer(rng: np.random.Generator, m: int = 5, n_in: int = 4, n_out: int = 3, dtype=np.float64):
    x = rng.normal(size=(m, n_in)).astype(dtype)
    W = rng.normal(size=(n_in, n_out)).astype(dtype)
    b = rng.normal(size=n_out).astype(dtype)
    return x, W, b


def test_forward_computes_x_at_W_plus_b(rng):
    x, W, b = _layer(rng)
    out, _ = dense_forward(x, W, b)
    expected = np.array([[sum(x[i, k] * W[k, j] for k in range(4)) + b[j] for j in range(3)] for i in range(5)])
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_forward_small_worked_example():
    x = np.array([[1.0, 2.0]])
    W = np.array([[1.0, 0.0, -1.0], [0.5, 2.0, 1.0]])
    b = np.array([0.0, 1.0, -1.0])
    out, _ = dense_forward(x, W, b)
    np.testing.assert_array_equal(out, [[2.0, 5.0, 0.0]])


@pytest.mark.parametrize("which", ["dx", "dW", "db"])
def test_backward_matches_central_differences(which, rng):
    # non-square everywhere, so a transposed product cannot pass by accident
    x, W, b = _layer(rng, m=5, n_in=4, n_out=3)
    dout = rng.normal(size=(5, 3))
    target = {"dx": x, "dW": W, "db": b}[which]

    def f() -> float:
        return float(np.sum(dout * dense_forward(x, W, b)[0]))

    numeric = numerical_gradient(f, target)
    _, cache = dense_forward(x, W, b)
    dx, dW, db = dense_backward(dout, cache)
    analytic = {"dx": dx, "dW": dW, "db": db}[which]
    assert analytic.shape == target.shape
    assert relative_error(analytic, numeric) < 1e-7


def test_backward_values_are_the_chain_rule(rng):
    x, W, b = _layer(rng, m=6, n_in=2, n_out=4)
    dout = rng.normal(size=(6, 4))
    dx, dW, db = dense_backward(dout, dense_forward(x, W, b)[1])
    np.testing.assert_allclose(dx, dout @ W.T, rtol=1e-13)
    np.testing.assert_allclose(dW, x.T @ dout, rtol=1e-13)
    # summed over the batch, not averaged: the 1/m belongs to the loss
    np.testing.assert_allclose(db, dout.sum(axis=0), rtol=1e-13)


def test_backward_shapes(rng):
    x, W, b = _layer(rng, m=7, n_in=3, n_out=2)
    dx, dW, db = dense_backward(np.ones((7, 2)), dense_forward(x, W, b)[1])
    assert dx.shape == (7, 3) and dW.shape == (3, 2) and db.shape == (2,)


def test_float32_stays_float32(rng):
    x, W, b = _layer(rng, dtype=np.float32)
    out, cache = dense_forward(x, W, b)
    assert out.dtype == np.float32
    grads = dense_backward(np.ones_like(out), cache)
    assert all(g.dtype == np.float32 for g in grads)


def test_inputs_are_not_modified(rng):
    x, W, b = _layer(rng)
    dout = rng.normal(size=(5, 3))
    copies = [a.copy() for a in (x, W, b, dout)]
    out, cache = dense_forward(x, W, b)
    out += 1  # modifying the output must not reach the inputs either
    dense_backward(dout, cache)
    for original, copy in zip((x, W, b, dout), copies):
        np.testing.assert_array_equal(original, copy)


@pytest.mark.parametrize(
    "x_shape, W_shape, b_shape",
    [
        ((5, 4), (3, 4), (4,)),  # W transposed
        ((5, 4), (4, 3), (4,)),  # b of the wrong length
        ((5, 4), (4, 3), (1, 3)),  # b as a row: would broadcast silently
        ((4,), (4, 3), (3,)),  # a single example without its batch axis
    ],
)
def test_forward_rejects_mismatched_shapes(x_shape, W_shape, b_shape):
    with pytest.raises(ValueError, match="shape"):
        dense_forward(np.ones(x_shape), np.ones(W_shape), np.ones(b_shape))


def test_backward_rejects_a_dout_of_the_wrong_shape(rng):
    x, W, b = _layer(rng, m=5, n_in=4, n_out=3)
    _, cache = dense_forward(x, W, b)
    with pytest.raises(ValueError, match="dout"):
        dense_backward(np.ones((3, 5)), cache)


def test_parameter_gradients_are_those_of_the_full_backward(rng):
    x, W, b = _layer(rng)
    dout = rng.normal(size=(5, 3))
    _, dW, db = dense_backward(dout, dense_forward(x, W, b)[1])
    got_dW, got_db = dense_parameter_gradients(dout, x)
    np.testing.assert_array_equal(got_dW, dW)
    np.testing.assert_array_equal(got_db, db)
