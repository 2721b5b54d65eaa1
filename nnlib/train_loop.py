"""The mini-batch training loop of an L-layer network, with any update rule (chapter 3).

One epoch is one pass over the training data in shuffled mini-batches; for each batch:
forward, loss, backward, update. After each epoch the loop measures the loss on the whole
training set and on the validation set, with the same parameters, so the two curves can be
compared epoch by epoch. ``nnlib.training.fit`` is the same loop for ``Sequential`` models.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnlib.batching import minibatches
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward
from nnlib.mlp import mlp_backward, mlp_forward

__all__ = ["train_loop"]

Params = dict[str, np.ndarray]
"""An L-layer network's parameters (or their gradients): "W1", "b1", ..., "WL", "bL" -> array."""


def train_loop(
    params: Params,
    update: Callable[[Params, Params], Params],
    X: np.ndarray,
    y: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    epochs: int,
    batch_size: int,
    rng: np.random.Generator,
) -> tuple[Params, dict[str, list[float]]]:
    """Train the network ``params`` (see ``mlp_forward``) with mini-batches and ``update``.

    params: W1 (n_in, n_1), b1 (n_1,), ..., WL (n_{L-1}, k), bL (k,); not modified.
    update: ``update(params, grads) -> new params``, one step of an update rule for every
    parameter (it keeps the rule's state, such as a velocity, itself).
    X: (m, n_in) training inputs; y: (m,) integer labels in [0, k); X_val (m_val, n_in) and
    y_val (m_val,) the validation set.
    epochs: passes over the training set; batch_size: examples per step.
    rng: each epoch's batches are ``minibatches(X, y, batch_size, rng=rng)``, so one
    permutation per epoch, drawn from the same generator: new batches every epoch, the same
    run for the same seed.
    Each step: mlp_forward on the batch, softmax_cross_entropy_backward, mlp_backward,
    then ``params = update(params, grads)``.
    Returns (params, history): the trained parameters, and history = {"loss": [...],
    "val_loss": [...]}, one float per epoch each: the mean softmax cross-entropy on the whole
    training set and on the validation set after that epoch's last step.
    """
    ### BEGIN SOLUTION 03_optimizers
    history = {"loss": [], "val_loss": []}
    for epoch in range(epochs):
        for Xb, yb in minibatches(X, y, batch_size, rng=rng):
            logits, caches = mlp_forward(params, Xb)
            grads = mlp_backward(softmax_cross_entropy_backward(logits, yb), caches)
            params = update(params, grads)
        history["loss"].append(float(softmax_cross_entropy(mlp_forward(params, X)[0], y)))
        history["val_loss"].append(float(softmax_cross_entropy(mlp_forward(params, X_val)[0], y_val)))
    return params, history
    ### END SOLUTION 03_optimizers
