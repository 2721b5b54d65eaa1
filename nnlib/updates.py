"""Parameter update rules (chapter 3), all with the same shape of signature.

Each rule takes the weights ``w``, their gradient ``dw`` and the rule's state (velocity,
squared-gradient average, ...), and returns NEW arrays: the updated weights and the updated
state. Nothing is modified in place (the optimizers in ``nnlib.optimizers`` do that).
All arrays share one shape, any shape; float32 in, float32 out.

Hyper-parameters are turned into python floats first: a numpy float64 learning rate (as
random search draws) would otherwise turn float32 weights into float64.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sgd_update", "momentum_update", "nesterov_update", "rmsprop_update", "adam_update"]


def _check_same_shapes(name: str, **arrays: np.ndarray) -> None:
    """Raise ValueError naming the arrays unless they all have the same shape."""
    shapes = {key: np.shape(value) for key, value in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{key} {shape}" for key, shape in shapes.items())
        raise ValueError(f"{name}: arrays must have the same shape, got {listed}")


def sgd_update(w: np.ndarray, dw: np.ndarray, lr: float) -> np.ndarray:
    """Plain gradient descent step: ``w - lr * dw``.

    w: weights, any shape; dw: gradient of the loss w.r.t. w, same shape; lr: learning rate.
    Returns the new w (a new array).
    """
    ### BEGIN SOLUTION 03_optimizers
    _check_same_shapes("sgd_update", w=w, dw=dw)
    lr = float(lr)
    return w - lr * dw
    ### END SOLUTION 03_optimizers


def momentum_update(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, lr: float, beta: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient descent with momentum: step along an average of recent gradients.

    ``v = beta * v + (1 - beta) * dw`` then ``w = w - lr * v``. The average cancels
    gradient components that flip sign from step to step (oscillations) and keeps those
    that agree (the way downhill).

    w, dw, v: same shape; v is the velocity from the previous step (zeros at first).
    Returns (w, v): the new weights and the new velocity.
    """
    ### BEGIN SOLUTION 03_optimizers
    _check_same_shapes("momentum_update", w=w, dw=dw, v=v)
    lr, beta = float(lr), float(beta)
    v = beta * v + (1 - beta) * dw
    w = w - lr * v
    return w, v
    ### END SOLUTION 03_optimizers


def nesterov_update(
    w: np.ndarray, dw: np.ndarray, v: np.ndarray, lr: float, beta: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    """Nesterov momentum: momentum that steps from where the velocity is about to take it.

    ``v = beta * v + (1 - beta) * dw`` (the velocity of ``momentum_update``), then
    ``w = w - lr * (beta * v + (1 - beta) * dw)``: the step takes the new velocity one
    more averaging step ahead with the current gradient (Sutskever et al. 2013's look-ahead
    gradient, rewritten, as PyTorch does, to need only the gradient at ``w``).
    PyTorch's ``SGD(lr=lr * (1 - beta), momentum=beta, nesterov=True)`` takes the same
    steps: its buffer is ``v / (1 - beta)``.

    w, dw, v: same shape; v is the velocity from the previous step (zeros at first).
    Returns (w, v): the new weights and the new velocity.
    """
    ### BEGIN SOLUTION 03_optimizers
    _check_same_shapes("nesterov_update", w=w, dw=dw, v=v)
    lr, beta = float(lr), float(beta)
    v = beta * v + (1 - beta) * dw
    w = w - lr * (beta * v + (1 - beta) * dw)
    return w, v
    ### END SOLUTION 03_optimizers


def rmsprop_update(
    w: np.ndarray, dw: np.ndarray, s: np.ndarray, lr: float, beta: float = 0.999, eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    """RMSprop: divide each step by a running root-mean-square of that weight's gradients.

    ``s = beta * s + (1 - beta) * dw**2`` then ``w = w - lr * dw / (sqrt(s) + eps)``.
    Directions with large gradients get smaller steps, flat directions larger ones.

    w, dw, s: same shape; s is the squared-gradient average from the previous step (zeros
    at first); eps keeps the division finite.
    Returns (w, s): the new weights and the new average.
    """
    ### BEGIN SOLUTION 03_optimizers
    _check_same_shapes("rmsprop_update", w=w, dw=dw, s=s)
    lr, beta, eps = float(lr), float(beta), float(eps)
    s = beta * s + (1 - beta) * dw * dw
    w = w - lr * dw / (np.sqrt(s) + eps)
    return w, s
    ### END SOLUTION 03_optimizers


def adam_update(
    w: np.ndarray,
    dw: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam: momentum and RMSprop together, with bias correction.

    ``m = beta1 m + (1 - beta1) dw`` (first moment), ``v = beta2 v + (1 - beta2) dw**2``
    (second moment), corrected ``m_hat = m / (1 - beta1**t)``, ``v_hat = v / (1 - beta2**t)``
    because both start at 0, then ``w = w - lr * m_hat / (sqrt(v_hat) + eps)`` (eps outside
    the square root). For a steady gradient every weight moves by about lr per step.

    w, dw, m, v: same shape; m and v come from the previous step (zeros at first);
    t: the number of this step, counted from 1.
    Returns (w, m, v): the new weights and moments (m and v uncorrected, ready for step t + 1).
    """
    ### BEGIN SOLUTION 03_optimizers
    _check_same_shapes("adam_update", w=w, dw=dw, m=m, v=v)
    t = int(t)
    if t < 1:
        raise ValueError(f"adam_update: t is the step number counted from 1, got {t}")
    lr, beta1, beta2, eps = float(lr), float(beta1), float(beta2), float(eps)
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, m, v
    ### END SOLUTION 03_optimizers
