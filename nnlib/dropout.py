"""Inverted dropout (chapter 4, regularization).

During training, every activation is dropped (set to 0) with probability ``p`` and the
survivors are multiplied by ``1 / (1 - p)``. The scaling keeps the expected value of every
activation unchanged, so at test time the layer simply does nothing: no rescaling needed.

``p`` is the probability to DROP a unit (PyTorch's convention); some texts use
``keep_prob = 1 - p`` instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["dropout_forward", "dropout_backward"]


def _check_drop_probability(p: float) -> None:
    """Raise ValueError unless 0 <= p < 1 (a p of 1 would drop every unit and scale by 1/0)."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"p is the drop probability and must be in [0, 1), got {p}")


def dropout_forward(
    x: np.ndarray,
    p: float,
    training: bool = True,
    rng: np.random.Generator | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Inverted dropout: drop each entry of ``x`` with probability ``p``, scale the rest.

    x: array of any shape, e.g. (m, n) activations of a hidden layer.
    p: drop probability, in [0, 1).
    training: when False (or when p == 0) the layer is the identity and returns ``x`` itself,
        not a copy (x is never modified either way).
    rng: source of the random mask; the same seed gives the same mask.

    Returns (out, cache):
    out: same shape and dtype as x (float64 for integer x), ``x * mask``.
    cache: dict with ``"mask"``, the scaled keep-mask (same shape and dtype as out, entries
        0 or ``1 / (1 - p)``), or None when the layer was the identity; and ``"p"``.
        ``dropout_backward`` multiplies by this mask, so a gradient check can reuse it.
    The mask is drawn in x's dtype (float32 for float32 x), so a float32 network stays
    float32.
    """
    ### BEGIN SOLUTION 04_regularization
    _check_drop_probability(p)
    x = np.asarray(x)
    if not training or p == 0.0:
        return x, {"mask": None, "p": p}
    rng = np.random.default_rng() if rng is None else rng
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    # Draw float32 numbers for float32 x (half the memory), and build the mask in x's dtype:
    # a float64 mask would silently upcast a float32 network.
    draw_dtype = np.float32 if dtype == np.float32 else np.float64
    keep = rng.random(x.shape, dtype=draw_dtype) >= p  # True with probability 1 - p
    scale = 1.0 / (1.0 - float(p))  # a python float keeps the dtype
    mask = keep.astype(dtype) * scale
    out = x * mask
    return out, {"mask": mask, "p": p}
    ### END SOLUTION 04_regularization


def dropout_backward(dout: np.ndarray, cache: dict[str, Any]) -> np.ndarray:
    """Gradient of dropout: the upstream gradient through the same scaled mask as forward.

    dout: upstream gradient, same shape as the forward's x.
    cache: the dict returned by ``dropout_forward``.
    Returns dx: ``dout * mask`` (same shape as dout), or ``dout`` itself when the forward
    was the identity (not training, or p == 0).
    """
    ### BEGIN SOLUTION 04_regularization
    mask = cache["mask"]
    if mask is None:
        return dout
    return dout * mask
    ### END SOLUTION 04_regularization
