"""Loss functions (chapter 1) and their gradients (chapter 2), side by side.

Every loss is the MEAN over its elements and returns a python float. Its ``*_backward``
returns the gradient of that mean with respect to the prediction, so the ``1/m`` lives here
and nowhere else; the gradient has the shape and dtype of the prediction (float32 in,
float32 out; targets are converted to the prediction's dtype).

Regression (``y_pred`` and ``y`` of the same shape, e.g. (m, 1) or (m, n_out)):
``mse``, ``mae``, ``huber``. Binary classification (``p`` a probability, ``y`` in {0, 1}):
``binary_cross_entropy``. Multi-class classification (``logits`` (m, k), ``y`` integer labels
(m,)): ``softmax_cross_entropy``. ``LOSSES`` lists them by name, each with its backward.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnlib.activations import softmax

__all__ = [
    "mse",
    "mse_backward",
    "mae",
    "mae_backward",
    "huber",
    "huber_backward",
    "binary_cross_entropy",
    "binary_cross_entropy_backward",
    "softmax_cross_entropy",
    "softmax_cross_entropy_backward",
    "LOSSES",
]


def _prediction_and_target(y_pred: np.ndarray, y: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Both as arrays of y_pred's float dtype; ValueError unless they have the same shape.

    Equal shapes are required because broadcasting hides a classic bug: y_pred (m, 1)
    minus y (m,) is an (m, m) array, and its mean is a wrong but plausible number.
    """
    y_pred = np.asarray(y_pred)
    if not np.issubdtype(y_pred.dtype, np.floating):
        y_pred = y_pred.astype(np.float64)
    y = np.asarray(y, dtype=y_pred.dtype)
    if y_pred.shape != y.shape:
        raise ValueError(
            f"{name}: prediction has shape {y_pred.shape} but target has shape {y.shape}; they must be equal "
            "(reshape one of them, e.g. y.reshape(-1, 1))"
        )
    if y_pred.size == 0:
        raise ValueError(f"{name}: empty input, the mean of nothing is undefined")
    return y_pred, y


def _logits_and_labels(logits: np.ndarray, y: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Check logits (m, k) and integer labels (m,) in [0, k); ValueError/TypeError otherwise."""
    logits = np.asarray(logits)
    y = np.asarray(y)
    if logits.ndim != 2 or logits.shape[0] == 0:
        raise ValueError(f"{name}: logits must have shape (m, k) with m >= 1, got {logits.shape}")
    m, k = logits.shape
    if y.shape != (m,):
        raise ValueError(
            f"{name}: y must be integer labels of shape ({m},), got shape {y.shape} "
            "(labels, not one-hot rows: use y.argmax(axis=1) to convert)"
        )
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name}: y must hold integer class labels, got dtype {y.dtype} (use y.astype(int))")
    if y.min() < 0 or y.max() >= k:
        raise ValueError(
            f"{name}: labels must lie in [0, {k}) for {k} classes, got min {y.min()}, max {y.max()}"
        )
    return logits, y


# --- mean squared error ---------------------------------------------------------------------


def mse(y_pred: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error ``mean((y_pred - y)**2)`` over all elements.

    y_pred: predictions, any shape, e.g. (m, n_out); y: targets, same shape.
    """
    ### BEGIN SOLUTION 01_feedforward
    y_pred, y = _prediction_and_target(y_pred, y, "mse")
    diff = y_pred - y
    return float(np.mean(diff * diff))
    ### END SOLUTION 01_feedforward


def mse_backward(y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of mse with respect to y_pred: ``2 (y_pred - y) / N``, N = number of elements.

    y_pred, y: same shape. Returns dy_pred: shape and dtype of y_pred.
    """
    ### BEGIN SOLUTION 02_backprop
    y_pred, y = _prediction_and_target(y_pred, y, "mse_backward")
    return 2 * (y_pred - y) / y_pred.size
    ### END SOLUTION 02_backprop


# --- mean absolute error --------------------------------------------------------------------


def mae(y_pred: np.ndarray, y: np.ndarray) -> float:
    """Mean absolute error ``mean(|y_pred - y|)`` over all elements: less swayed by outliers than mse.

    y_pred: predictions, any shape; y: targets, same shape.
    """
    ### BEGIN SOLUTION 01_feedforward
    y_pred, y = _prediction_and_target(y_pred, y, "mae")
    return float(np.mean(np.abs(y_pred - y)))
    ### END SOLUTION 01_feedforward


def mae_backward(y_pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of mae with respect to y_pred: ``sign(y_pred - y) / N``, 0 where they are equal.

    y_pred, y: same shape. Returns dy_pred: shape and dtype of y_pred.
    """
    ### BEGIN SOLUTION 02_backprop
    y_pred, y = _prediction_and_target(y_pred, y, "mae_backward")
    return np.sign(y_pred - y) / y_pred.size
    ### END SOLUTION 02_backprop


# --- Huber ----------------------------------------------------------------------------------


def huber(y_pred: np.ndarray, y: np.ndarray, delta: float = 1.0) -> float:
    """Mean Huber loss: quadratic for small errors, linear for large ones.

    With ``r = y_pred - y``, each element costs ``r**2 / 2`` if ``|r| <= delta`` and
    ``delta * (|r| - delta / 2)`` otherwise; the two pieces meet with the same value and
    slope at ``|r| = delta``. Like mse near the target, like mae (robust) far from it.

    y_pred: predictions, any shape; y: targets, same shape; delta > 0: where the regimes meet.
    """
    ### BEGIN SOLUTION 01_feedforward
    y_pred, y = _prediction_and_target(y_pred, y, "huber")
    delta = float(delta)
    if delta <= 0:
        raise ValueError(f"huber: delta must be positive, got {delta}")
    r = np.abs(y_pred - y)
    per_element = np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))
    return float(np.mean(per_element))
    ### END SOLUTION 01_feedforward


def huber_backward(y_pred: np.ndarray, y: np.ndarray, delta: float = 1.0) -> np.ndarray:
    """Gradient of huber with respect to y_pred: ``clip(y_pred - y, -delta, delta) / N``.

    The derivative is r inside the quadratic zone and ``±delta`` outside, which is exactly r
    clipped to [-delta, delta].

    y_pred, y: same shape; delta > 0. Returns dy_pred: shape and dtype of y_pred.
    """
    ### BEGIN SOLUTION 02_backprop
    y_pred, y = _prediction_and_target(y_pred, y, "huber_backward")
    delta = float(delta)
    if delta <= 0:
        raise ValueError(f"huber_backward: delta must be positive, got {delta}")
    return np.clip(y_pred - y, -delta, delta) / y_pred.size
    ### END SOLUTION 02_backprop


# --- binary cross-entropy -------------------------------------------------------------------


def binary_cross_entropy(p: np.ndarray, y: np.ndarray, eps: float = 1e-12) -> float:
    """Mean binary cross-entropy ``-mean(y log p + (1 - y) log(1 - p))``.

    p: predicted probabilities of class 1 (e.g. sigmoid outputs), any shape such as (m, 1);
    y: targets in [0, 1] (usually 0 or 1), same shape.

    p is clipped to [eps, 1 - eps] so that log never sees 0 and a confident wrong answer
    costs about -log(eps) instead of infinity. In float32, 1 - 1e-12 rounds to 1, so eps is
    raised to the dtype's resolution (about 6e-8) when it is smaller.
    """
    ### BEGIN SOLUTION 01_feedforward
    p, y = _prediction_and_target(p, y, "binary_cross_entropy")
    eps = max(float(eps), float(np.finfo(p.dtype).epsneg))
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    ### END SOLUTION 01_feedforward


def binary_cross_entropy_backward(p: np.ndarray, y: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Gradient of binary_cross_entropy with respect to p: ``(-y / p + (1 - y) / (1 - p)) / N``.

    p is clipped as in the forward pass (same eps rule), so the divisions stay finite for p
    equal to 0 or 1; for p inside [eps, 1 - eps] this is the exact gradient.

    p, y: same shape. Returns dp: shape and dtype of p.
    """
    ### BEGIN SOLUTION 02_backprop
    p, y = _prediction_and_target(p, y, "binary_cross_entropy_backward")
    eps = max(float(eps), float(np.finfo(p.dtype).epsneg))
    p = np.clip(p, eps, 1 - eps)
    return (-y / p + (1 - y) / (1 - p)) / p.size
    ### END SOLUTION 02_backprop


# --- softmax cross-entropy ------------------------------------------------------------------


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy of softmax(logits) against integer labels, computed stably.

    The loss of one example is ``-log softmax(z)[y] = logsumexp(z) - z[y]``; with
    ``logsumexp(z) = max(z) + log(sum(exp(z - max(z))))`` nothing overflows, and we never take
    the log of a probability that rounded to 0.

    logits: (m, k) unnormalised scores; y: (m,) integer labels in [0, k).
    """
    ### BEGIN SOLUTION 01_feedforward
    logits, y = _logits_and_labels(logits, y, "softmax_cross_entropy")
    m = logits.shape[0]
    row_max = logits.max(axis=1, keepdims=True)
    log_sum_exp = row_max[:, 0] + np.log(np.exp(logits - row_max).sum(axis=1))
    correct = logits[np.arange(m), y]
    return float((log_sum_exp - correct).sum() / m)
    ### END SOLUTION 01_feedforward


def softmax_cross_entropy_backward(logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of softmax_cross_entropy with respect to the logits: ``(softmax(logits) - one_hot(y)) / m``.

    logits: (m, k); y: (m,) integer labels in [0, k).
    Returns dlogits: (m, k), dtype of logits.
    """
    ### BEGIN SOLUTION 02_backprop
    logits, y = _logits_and_labels(logits, y, "softmax_cross_entropy_backward")
    m = logits.shape[0]
    dlogits = softmax(logits)  # a new array, safe to modify
    dlogits[np.arange(m), y] -= 1  # minus one_hot(y), without building it
    dlogits /= m
    return dlogits
    ### END SOLUTION 02_backprop


LOSSES: dict[str, tuple[Callable[..., float], Callable[..., np.ndarray]]] = {
    "softmax_cross_entropy": (softmax_cross_entropy, softmax_cross_entropy_backward),
    "binary_cross_entropy": (binary_cross_entropy, binary_cross_entropy_backward),
    "mse": (mse, mse_backward),
    "mae": (mae, mae_backward),
    "huber": (huber, huber_backward),
}
"""Every loss by name: name -> (loss(outputs, y), loss_backward(outputs, y)); ``fit`` takes these names."""
