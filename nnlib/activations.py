"""Activation functions (chapter 1) and their backward passes (chapter 2), side by side.

Every activation is elementwise except softmax, which works over the last axis. A forward
function takes the pre-activation ``z`` and returns ``a = f(z)``; its backward partner takes
the upstream gradient ``da = dL/da`` and the same ``z``, and returns ``dz = dL/dz = da * f'(z)``.
Both keep the dtype and shape of their inputs (float32 in, float32 out).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "sigmoid",
    "sigmoid_backward",
    "tanh",
    "tanh_backward",
    "relu",
    "relu_backward",
    "leaky_relu",
    "leaky_relu_backward",
    "softmax",
]


def _check_same_shape(da: np.ndarray, z: np.ndarray, name: str) -> None:
    """Raise ValueError unless the upstream gradient has the shape of the pre-activation."""
    if np.shape(da) != np.shape(z):
        raise ValueError(
            f"{name}: da has shape {np.shape(da)} but z has shape {np.shape(z)}; "
            "the upstream gradient must have the shape of the activation"
        )


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``1 / (1 + exp(-z))``, elementwise, without overflow.

    z: array of any shape. Returns a: same shape and dtype, values in [0, 1].

    ``exp(-z)`` overflows for z below about -710 (float64), so we only ever compute
    ``e = exp(-|z|)``, which lies in (0, 1], and use ``1 / (1 + e)`` for z >= 0 and the
    equal ``e / (1 + e)`` for z < 0. sigmoid(1000) is exactly 1.0, sigmoid(-1000) exactly 0.0.
    """
    ### BEGIN SOLUTION 01_feedforward
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION 01_feedforward


def sigmoid_backward(da: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Gradient through the sigmoid: ``dz = da * s * (1 - s)`` with ``s = sigmoid(z)``.

    da: upstream gradient, same shape as z; z: the forward pass's input.
    Returns dz: same shape and dtype as da.
    """
    ### BEGIN SOLUTION 02_backprop
    _check_same_shape(da, z, "sigmoid_backward")
    s = sigmoid(z)
    return da * s * (1 - s)
    ### END SOLUTION 02_backprop


def tanh(z: np.ndarray) -> np.ndarray:
    """Hyperbolic tangent, elementwise: a sigmoid rescaled to (-1, 1) and centred on 0.

    z: array of any shape. Returns a: same shape and dtype, values in [-1, 1].
    """
    ### BEGIN SOLUTION 01_feedforward
    return np.tanh(z)
    ### END SOLUTION 01_feedforward


def tanh_backward(da: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Gradient through tanh: ``dz = da * (1 - tanh(z)**2)``.

    da: upstream gradient, same shape as z; z: the forward pass's input.
    Returns dz: same shape and dtype as da.
    """
    ### BEGIN SOLUTION 02_backprop
    _check_same_shape(da, z, "tanh_backward")
    t = np.tanh(z)
    return da * (1 - t * t)
    ### END SOLUTION 02_backprop


def relu(z: np.ndarray) -> np.ndarray:
    """Rectified linear unit ``max(z, 0)``, elementwise.

    z: array of any shape. Returns a: same shape and dtype.
    """
    ### BEGIN SOLUTION 01_feedforward
    return np.maximum(z, 0)
    ### END SOLUTION 01_feedforward


def relu_backward(da: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Gradient through ReLU: ``da`` where ``z > 0``, 0 elsewhere.

    The derivative at exactly ``z == 0`` does not exist; we use 0, as most libraries do.
    Multiplying by the boolean mask keeps da's dtype and is much faster than assigning
    zeros through a boolean index.

    da: upstream gradient, same shape as z; z: the forward pass's input.
    Returns dz: same shape and dtype as da.
    """
    ### BEGIN SOLUTION 02_backprop
    _check_same_shape(da, z, "relu_backward")
    return da * (z > 0)
    ### END SOLUTION 02_backprop


def leaky_relu(z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Leaky ReLU: ``z`` where ``z > 0``, ``alpha * z`` elsewhere, elementwise.

    The small slope ``alpha`` for negative inputs keeps a gradient flowing through units
    that a plain ReLU would switch off for good.

    z: array of any shape; alpha: slope for z <= 0 (a python float keeps z's dtype).
    Returns a: same shape and dtype as z.
    """
    ### BEGIN SOLUTION 01_feedforward
    z = np.asarray(z)
    alpha = float(alpha)  # a numpy float64 alpha would turn a float32 z into float64
    return np.where(z > 0, z, alpha * z)
    ### END SOLUTION 01_feedforward


def leaky_relu_backward(da: np.ndarray, z: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """Gradient through leaky ReLU: ``da`` where ``z > 0``, ``alpha * da`` elsewhere.

    As for ReLU, the kink at ``z == 0`` takes the left slope, here ``alpha``.

    da: upstream gradient, same shape as z; z: the forward pass's input; alpha: as forward.
    Returns dz: same shape and dtype as da.
    """
    ### BEGIN SOLUTION 02_backprop
    _check_same_shape(da, z, "leaky_relu_backward")
    alpha = float(alpha)
    return np.where(z > 0, da, alpha * da)
    ### END SOLUTION 02_backprop


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis: ``exp(z_i) / sum_j exp(z_j)``, a probability per class.

    z: (..., k) logits, e.g. (m, k) for a batch of m examples and k classes.
    Returns p: same shape and dtype, each row (last axis) positive and summing to 1.

    Subtracting each row's maximum first changes nothing mathematically (the factor
    ``exp(-max)`` cancels) but keeps every exponent <= 0, so exp cannot overflow even for
    logits like 1000.
    """
    ### BEGIN SOLUTION 01_feedforward
    z = np.asarray(z)
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)
    ### END SOLUTION 01_feedforward
