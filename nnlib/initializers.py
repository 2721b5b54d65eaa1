"""Weight initialisation (chapter 1).

Every initialiser has the same signature, ``init(fan_in, fan_out, rng=None) -> W``, and
returns a float64 weight matrix of shape (fan_in, fan_out) for a dense layer
``x @ W + b``. Biases start at zero (see ``zeros``).

- ``zeros``: every unit computes the same thing and gets the same gradient, so they stay
  identical forever (the symmetry problem). Fine for biases, useless for weights.
- ``small_random``: breaks the symmetry, but with a fixed scale the signal shrinks (or
  grows) layer after layer in a deep network.
- ``xavier`` and ``he``: scale chosen from the layer's size so the variance of the signal
  stays about the same from layer to layer (xavier for tanh/sigmoid, he for ReLU).
"""

from __future__ import annotations

import numpy as np

__all__ = ["zeros", "small_random", "xavier", "he"]


def _check_fans(fan_in: int, fan_out: int) -> None:
    """Raise ValueError unless both fans are positive integers."""
    for name, value in (("fan_in", fan_in), ("fan_out", fan_out)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def zeros(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """All-zero weights, shape (fan_in, fan_out), float64.

    ``rng`` is accepted (and ignored) so that every initialiser has the same signature.
    """
    _check_fans(fan_in, fan_out)
    return np.zeros((fan_in, fan_out), dtype=np.float64)


def small_random(
    fan_in: int, fan_out: int, rng: np.random.Generator | None = None, scale: float = 0.01
) -> np.ndarray:
    """Normal weights with a fixed small std ``scale`` (default 0.01), shape (fan_in, fan_out), float64."""
    _check_fans(fan_in, fan_out)
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, scale, size=(fan_in, fan_out))


def xavier(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Xavier (Glorot) normal initialisation: std ``sqrt(2 / (fan_in + fan_out))``.

    Glorot & Bengio (2010) balance the variance of the forward signal (which wants
    std sqrt(1/fan_in)) and of the backward gradient (sqrt(1/fan_out)); suited to tanh
    and sigmoid layers.

    fan_in: inputs of the layer (n_in); fan_out: outputs (n_out); rng: source of randomness.
    Returns W: (fan_in, fan_out), float64, drawn from N(0, 2 / (fan_in + fan_out)).
    """
    ### BEGIN SOLUTION 01_feedforward
    _check_fans(fan_in, fan_out)
    rng = np.random.default_rng() if rng is None else rng
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out))
    ### END SOLUTION 01_feedforward


def he(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """He (Kaiming) normal initialisation: std ``sqrt(2 / fan_in)``.

    He et al. (2015): a ReLU zeroes about half of its inputs, halving the variance, so the
    weights get twice the variance ``1 / fan_in`` to keep the signal's scale through ReLU
    layers.

    fan_in: inputs of the layer (n_in); fan_out: outputs (n_out); rng: source of randomness.
    Returns W: (fan_in, fan_out), float64, drawn from N(0, 2 / fan_in).
    """
    ### BEGIN SOLUTION 01_feedforward
    _check_fans(fan_in, fan_out)
    rng = np.random.default_rng() if rng is None else rng
    std = np.sqrt(2.0 / fan_in)
    return rng.normal(0.0, std, size=(fan_in, fan_out))
    ### END SOLUTION 01_feedforward
