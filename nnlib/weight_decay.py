"""Decoupled weight decay (chapter 4): AdamW's update rule.

Adding the L2 penalty's gradient ``lam / m * W`` to ``dw`` before an Adam step (chapter 4,
section 2) lets Adam rescale the penalty with everything else: a weight whose gradients are
large has a large ``sqrt(v_hat)`` and is barely pulled towards zero, a weight whose
gradients are small is pulled hard. AdamW (Loshchilov and Hutter, "Decoupled Weight Decay
Regularization", 2019) takes the decay out of the gradient and applies it to the weights
directly, so every weight shrinks by the same factor ``1 - lr * weight_decay`` per step:

    w <- w - lr * weight_decay * w - lr * m_hat / (sqrt(v_hat) + eps)

with ``m_hat`` and ``v_hat`` Adam's bias-corrected moments of the DATA gradient alone.

The convention of the course for λ and m: ``weight_decay = lam / m``, with lam the chapter's
penalty strength and m the number of examples in the training set, as in the L2 penalty's
gradient; this is also the meaning of PyTorch's ``weight_decay`` in ``torch.optim.AdamW``,
which this rule matches step for step.
"""

from __future__ import annotations

import numpy as np

from nnlib.updates import adam_update

__all__ = ["adamw_update"]


def adamw_update(
    w: np.ndarray,
    dw: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float = 0.001,
    weight_decay: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AdamW: an Adam step on the data gradient, and the weights decayed outside it.

    ``w <- (1 - lr * weight_decay) * w``, then Adam's step with ``dw`` (``adam_update``);
    the moments m and v see the data gradient only, never the decay.

    w, dw, m, v: same shape, any shape; m and v are Adam's moments from the previous step
    (zeros at first; here ``m`` is Adam's first moment, not the training set's size);
    t: the number of this step, counted from 1; weight_decay: ``lam / m_train`` (>= 0), the
    same number as PyTorch's ``weight_decay``. float32 in, float32 out.
    Returns (w, m, v): the new weights and moments (new arrays; nothing is modified in place).
    """
    ### BEGIN SOLUTION 04_regularization
    if not weight_decay >= 0:
        raise ValueError(f"adamw_update: weight_decay is lam / m and must be >= 0, got {weight_decay}")
    decayed = w * (1.0 - float(lr) * float(weight_decay))
    return adam_update(decayed, dw, m, v, t, lr, beta1, beta2, eps)
    ### END SOLUTION 04_regularization
