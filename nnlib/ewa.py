"""Exponentially weighted averages (chapter 3), the idea behind momentum, RMSprop and Adam.

``v_t = beta * v_{t-1} + (1 - beta) * x_t`` with ``v_0 = 0`` averages roughly the last
``1 / (1 - beta)`` values, weighting recent ones most. Starting from 0 biases the first
values towards 0; dividing by ``1 - beta**t`` (bias correction) removes that bias.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ewa"]


def ewa(values: np.ndarray, beta: float, bias_correction: bool = True) -> np.ndarray:
    """Exponentially weighted average of a series, one value per step.

    values: (T,) the series x_1 .. x_T; beta: in [0, 1), the weight of the past;
    bias_correction: if True, return ``v_t / (1 - beta**t)`` (t counted from 1), else ``v_t``.
    Returns (T,) array, float dtype of values (float32 in, float32 out; integers give float64).
    """
    ### BEGIN SOLUTION 03_optimizers
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"ewa: values must be a 1-D series, got shape {values.shape}")
    beta = float(beta)
    if not 0 <= beta < 1:
        raise ValueError(f"ewa: beta must lie in [0, 1), got {beta}")
    dtype = values.dtype if np.issubdtype(values.dtype, np.floating) else np.float64
    averages = np.empty(values.shape[0], dtype=dtype)
    v = 0.0
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * float(x)
        averages[t - 1] = v / (1 - beta**t) if bias_correction else v
    return averages
    ### END SOLUTION 03_optimizers
