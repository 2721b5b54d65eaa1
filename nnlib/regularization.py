"""Weight penalties (chapter 4, regularization).

A penalty added to the loss pulls the weights towards zero, so the network cannot lean hard
on any single feature and over-fits less:

- L2 ("weight decay"): ``lam / (2m) * Σ ‖W‖²``; its gradient ``lam / m * W`` shrinks every
  weight in proportion to its size.
- L1: ``lam / m * Σ |W|``; its gradient ``lam / m * sign(W)`` pushes every weight towards zero
  by the same amount, so many weights end exactly at zero (sparse weights).

``m`` is the number of training examples in the batch, as in the mean of the data loss.
Penalties apply to weight matrices only: biases are left out, they do not make the model
more flexible the way large weights do.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["l2_penalty", "l2_grad", "l1_penalty", "l1_grad"]


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
    lam: penalty strength (>= 0); m: number of examples in the batch (>= 1).
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
    m: number of examples in the batch (>= 1). Returns a python float.
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
