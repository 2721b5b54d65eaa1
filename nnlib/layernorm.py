"""Layer normalization (chapter 5).

Batch norm standardises every feature over the examples of a batch; layer norm (Ba, Kiros and
Hinton, 2016) standardises every example over its own features:

    μ_i = mean_j x_ij,   σ²_i = mean_j (x_ij - μ_i)²,
    x_hat = (x - μ) / sqrt(σ² + eps),    out = gamma * x_hat + beta

with one μ and σ² per ROW, and gamma, beta one per feature (a column), as in batch norm.
No statistic crosses from one example to another, so an example's output is the same in
any batch, of any size (one included), and training and test time compute the same thing:
there are no running statistics. This is ``torch.nn.LayerNorm(d)`` (biased variance,
eps inside the square root, ``elementwise_affine=True``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["layernorm_forward", "layernorm_backward"]


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, dict[str, Any]]:
    """Layer normalization of a batch, example by example.

    x: (m, d) batch, d >= 1; gamma, beta: (d,) learned scale and shift, one per feature;
    eps: added to each row's biased variance inside the square root (> 0).
    Returns (out, cache): out: (m, d), ``gamma * x_hat + beta`` with x_hat standardised
    along each row (axis 1), in x's dtype when all the arrays share it; cache: the tuple
    ``(x_hat, inv_std, gamma)`` with x_hat: (m, d) and inv_std = 1 / sqrt(σ² + eps): (m, 1),
    what ``layernorm_backward`` needs. The same computation in training and at test time.
    """
    ### BEGIN SOLUTION 05_batchnorm
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"x must be a (m, d) batch with d >= 1 features, got shape {x.shape}")
    for name, array in (("gamma", gamma), ("beta", beta)):
        if np.shape(array) != (x.shape[1],):
            raise ValueError(f"{name} must have shape ({x.shape[1]},) to match x of shape {x.shape}, got {np.shape(array)}")
    if not eps > 0.0:
        raise ValueError(f"eps must be > 0 (it keeps the division finite), got {eps}")
    mean = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)  # biased: divides by d
    inv_std = 1.0 / np.sqrt(var + float(eps))
    x_hat = (x - mean) * inv_std
    out = gamma * x_hat + beta
    return out, (x_hat, inv_std, gamma)
    ### END SOLUTION 05_batchnorm


def layernorm_backward(
    dout: np.ndarray, cache: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of layer normalization.

    dout: (m, d) upstream gradient; cache: ``(x_hat, inv_std, gamma)`` from ``layernorm_forward``,
    with x_hat: (m, d), inv_std: (m, 1), gamma: (d,).
    Returns (dx, dgamma, dbeta): dx: (m, d); dgamma, dbeta: (d,), summed over the batch.

    It is batch norm's backward pass with the roles of the axes swapped: each row's μ and σ²
    depend on every entry of that row, so with dx_hat = dout * gamma, inv_std of shape (m, 1)
    and the sums along the row (axis 1, over the d features):

        dx = inv_std / d * (d * dx_hat - Σ dx_hat - x_hat * Σ(dx_hat * x_hat))

    while gamma and beta, one per feature, collect their gradients over the batch (axis 0).
    """
    ### BEGIN SOLUTION 05_batchnorm
    x_hat, inv_std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    d = dout.shape[1]
    row_sum = dx_hat.sum(axis=1, keepdims=True)
    row_dot = (dx_hat * x_hat).sum(axis=1, keepdims=True)
    dx = (inv_std / d) * (d * dx_hat - row_sum - x_hat * row_dot)
    return dx, dgamma, dbeta
    ### END SOLUTION 05_batchnorm
