"""Weight penalties (chapter 4, regularization).

A penalty added to the loss pulls the weights towards zero, so the network cannot lean hard
on any single feature and over-fits less:

- L2 ("weight decay"): ``lam / (2m) * Σ ‖W‖²``; its gradient ``lam / m * W`` shrinks every
  weight in proportion to its size.
- L1: ``lam / m * Σ |W|``; its gradient ``lam / m * sign(W)`` pushes every weight towards zero
  by the same amount, so many weights end at zero, or within one step of it (sparse weights).

``m`` is the number of examples in the training set (the Deep Learning Specialization's
convention), not the size of a mini-batch: the cost is ``J = mean data loss + penalty``, a
mini-batch's mean loss estimates the same mean whatever its size, and the penalty's gradient
``lam / m * W`` is then the same at every step for any batch size, so ``lam`` means the same
thing with batches of 32 or the full set. (PyTorch's ``weight_decay`` is ``lam / m``.)
Penalties apply to weight matrices only: biases are left out, they do not make the model
more flexible the way large weights do. ``add_penalty_grad`` adds a penalty's gradient to
the gradient of every weight matrix of a model (``model.weights()``), as a training step does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

__all__ = ["l2_penalty", "l2_grad", "l1_penalty", "l1_grad", "add_penalty_grad"]


def _coefficient(lam: float, m: int) -> float:
    """``lam / m`` as a python float (so float32 weights stay float32), after checking both."""
    if not lam >= 0:
        raise ValueError(f"lam is the penalty strength and must be >= 0, got {lam}")
    if not m >= 1:
        raise ValueError(f"m is the number of examples and must be >= 1, got {m}")
    return float(lam) / float(m)


def l2_penalty(weights: Iterable[np.ndarray], lam: float, m: int) -> float:
    """L2 penalty ``lam / (2m) * Σ ‖W‖²`` summed over a list of weight matrices.

    weights: list of weight arrays, e.g. ``[W1, W2]`` with W1: (n_in, n_hidden); no biases.
    lam: penalty strength (>= 0); m: number of examples in the training set (>= 1).
    Returns a python float (the sums are accumulated in float64).
    """
    ### BEGIN SOLUTION 04_regularization
    coefficient = _coefficient(lam, m)
    total = 0.0
    for W in weights:
        total += float(np.sum(np.square(W), dtype=np.float64))
    return coefficient / 2 * total
    ### END SOLUTION 04_regularization


def l2_grad(W: np.ndarray, lam: float, m: int) -> np.ndarray:
    """Gradient of ``l2_penalty`` with respect to one weight matrix: ``lam / m * W``.

    W: weight array of any shape, e.g. (n_in, n_out). Returns dW: same shape and dtype as W.
    """
    ### BEGIN SOLUTION 04_regularization
    coefficient = _coefficient(lam, m)
    return coefficient * W
    ### END SOLUTION 04_regularization


def l1_penalty(weights: Iterable[np.ndarray], lam: float, m: int) -> float:
    """L1 penalty ``lam / m * Σ |W|`` summed over a list of weight matrices.

    weights: list of weight arrays (no biases); lam: penalty strength (>= 0);
    m: number of examples in the training set (>= 1). Returns a python float.
    """
    ### BEGIN SOLUTION 04_regularization
    coefficient = _coefficient(lam, m)
    total = 0.0
    for W in weights:
        total += float(np.sum(np.abs(W), dtype=np.float64))
    return coefficient * total
    ### END SOLUTION 04_regularization


def l1_grad(W: np.ndarray, lam: float, m: int) -> np.ndarray:
    """Gradient of ``l1_penalty`` with respect to one weight matrix: ``lam / m * sign(W)``.

    |w| has no derivative at w = 0; we use 0 there (``np.sign(0) == 0``), a valid subgradient.
    W: weight array of any shape. Returns dW: same shape and dtype as W.
    """
    ### BEGIN SOLUTION 04_regularization
    coefficient = _coefficient(lam, m)
    return coefficient * np.sign(W)
    ### END SOLUTION 04_regularization


def add_penalty_grad(
    weights: dict[str, np.ndarray],
    grads: dict[str, np.ndarray],
    lam: float,
    m: int,
    grad: Callable[[np.ndarray, float, int], np.ndarray] = l2_grad,
) -> None:
    """Add a penalty's gradient to the gradient of every weight matrix, in place:
    ``grads[key] += grad(W, lam, m)`` for each ``key, W`` of ``weights``.

    weights: key -> weight matrix W, e.g. ``model.weights()`` (no biases);
    grads: key -> dL/dW of the same shape, with (at least) the keys of weights, e.g.
        ``model.gradients()`` after ``model.backward``;
    lam: penalty strength; m: number of examples in the training set;
    grad: the penalty's gradient, ``l2_grad`` (default) or ``l1_grad``, or your own.
    Call it between ``backward`` and the optimizer's ``step``.
    """
    for key, W in weights.items():
        grads[key] += grad(W, lam, m)
