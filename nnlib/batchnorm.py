"""Batch normalization (chapter 5).

Inside a network, batch norm standardises every feature over the batch, then lets the
network choose the scale and shift it wants back (``gamma`` and ``beta`` are learned):

    x_hat = (x - μ) / sqrt(σ² + eps),    out = gamma * x_hat + beta

Training uses the mean μ and the biased variance σ² of the current batch, and keeps
exponentially weighted averages of them (the running statistics). At test time there may be
a single example, so the running statistics replace the batch ones: the output of one
example no longer depends on the others in its batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["batchnorm_forward", "batchnorm_backward"]


def _check_momentum_and_eps(momentum: float, eps: float) -> None:
    """Raise ValueError unless momentum is in [0, 1] and eps > 0."""
    if not 0.0 <= momentum <= 1.0:
        raise ValueError(f"momentum must be in [0, 1], got {momentum}")
    if not eps > 0.0:
        raise ValueError(f"eps must be > 0 (it keeps the division finite), got {eps}")


def _check_per_feature(name: str, array: Any, x: np.ndarray) -> None:
    """Raise ValueError unless ``array`` has shape (d,): one value per feature of x (m, d)."""
    if np.shape(array) != (x.shape[1],):
        raise ValueError(f"{name} must have shape ({x.shape[1]},) to match x of shape {x.shape}, got {np.shape(array)}")


def _check_running_statistic(name: str, array: Any, x: np.ndarray) -> None:
    """Raise ValueError/TypeError unless ``array`` is a float numpy array of shape (d,) (updated in place)."""
    _check_per_feature(name, array, x)
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        raise TypeError(f"{name} must be a float numpy array (it is updated in place), got {type(array).__name__}")


def batchnorm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool = True,
    momentum: float = 0.9,
    eps: float = 1e-5,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Batch normalization of a batch of activations, feature by feature.

    x: (m, d) batch; gamma, beta: (d,) learned scale and shift;
    running_mean, running_var: (d,) float arrays, the running statistics.
    training: True uses the batch's mean and biased variance (``np.var(x, axis=0)``, ddof=0)
        and updates the running statistics IN PLACE:
        ``r = momentum * r + (1 - momentum) * batch_stat`` (so with momentum 0.9 one step
        moves r 10% of the way to the batch value). False uses the running statistics and
        leaves them untouched.
    momentum: weight of the old running value, in [0, 1]. PyTorch's ``momentum=0.1`` is the
        weight of the NEW value, i.e. our 0.9; PyTorch also feeds the unbiased (ddof=1)
        batch variance into ``running_var``, where we use the biased one (as Keras does).
    eps: added to the variance inside the square root (> 0).

    Returns (out, cache): out: (m, d), ``gamma * x_hat + beta``, in x's dtype when all the
    arrays share it; cache: what ``batchnorm_backward`` needs.

    A feature with zero variance in the batch gives x_hat = 0 (no division by zero: eps).
    With m == 1 in training every feature has zero variance, so out is ``beta`` and no
    gradient reaches x; the running variance then takes a step towards 0. PyTorch refuses
    such batches; we allow them because a last partial batch of one example can happen.
    """
    ### BEGIN SOLUTION 05_batchnorm
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"x must be a (m, d) batch with m >= 1, got shape {x.shape}")
    _check_per_feature("gamma", gamma, x)
    _check_per_feature("beta", beta, x)
    _check_running_statistic("running_mean", running_mean, x)
    _check_running_statistic("running_var", running_var, x)
    _check_momentum_and_eps(momentum, eps)
    momentum, eps = float(momentum), float(eps)  # python floats keep float32 float32
    if training:
        mean = x.mean(axis=0)
        var = x.var(axis=0)  # biased: divides by m
        running_mean *= momentum
        running_mean += (1.0 - momentum) * mean
        running_var *= momentum
        running_var += (1.0 - momentum) * var
    else:
        mean = running_mean
        var = running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    out = gamma * x_hat + beta
    cache = {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma, "training": training}
    return out, cache
    ### END SOLUTION 05_batchnorm


def batchnorm_backward(
    dout: np.ndarray, cache: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of batch normalization.

    dout: (m, d) upstream gradient; cache: from ``batchnorm_forward``.
    Returns (dx, dgamma, dbeta): dx: (m, d); dgamma, dbeta: (d,).

    In training, μ and σ² depend on every row of x, so dx goes through them too:

        dx = inv_std / m * (m * dx_hat - Σ dx_hat - x_hat * Σ(dx_hat * x_hat))

    with dx_hat = dout * gamma, inv_std = 1 / sqrt(σ² + eps) and sums over the batch
    (axis 0). At test time the statistics are constants and dx = dx_hat * inv_std.
    """
    ### BEGIN SOLUTION 05_batchnorm
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    if not cache["training"]:
        return dx_hat * inv_std, dgamma, dbeta
    m = dout.shape[0]
    dx = (inv_std / m) * (m * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
    ### END SOLUTION 05_batchnorm
