"""Numerical gradient checking (chapter 2, backprop).

Backprop is easy to get subtly wrong; central differences are slow but hard to get wrong,
so we compare the two on small inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_gradient", "relative_error"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``f`` takes no arguments and reads ``x`` (e.g. through a closure); each entry of ``x`` is
    nudged in place by ``±eps``, and restored afterwards, so ``x`` ends exactly as it began.

    x: array of any shape (float64 recommended: float32 has too few digits for eps=1e-6).
    Returns grad: same shape as x, float64, ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``.
    """
    ### BEGIN SOLUTION 02_backprop
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):  # works for views too: we write into x itself
        original = x[index]
        x[index] = original + eps
        f_plus = f()
        x[index] = original - eps
        f_minus = f()
        x[index] = original
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
    ### END SOLUTION 02_backprop


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """Relative error ``‖a − b‖₂ / (‖a‖₂ + ‖b‖₂)`` between two arrays of the same shape.

    Scale-free, so one threshold (about 1e-7 in float64) works for large and small
    gradients alike; 0.0 when both arrays are zero.
    """
    ### BEGIN SOLUTION 02_backprop
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)
    ### END SOLUTION 02_backprop
