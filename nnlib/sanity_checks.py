"""Three checks to run before a long training run, on an L-layer network (chapter 3).

Each catches a whole class of bugs in seconds: the initial loss (a bad initialisation or a
wrong loss), over-fitting a handful of examples (a network or loop that cannot learn), and
the gradient check of every parameter (a wrong backward pass). ``params`` is the dict of
``mlp_forward``: "W1", "b1", ..., "WL", "bL".
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward
from nnlib.mlp import mlp_backward, mlp_depth, mlp_forward

__all__ = ["initial_loss_check", "overfit_small_set", "gradient_check"]


def initial_loss_check(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The softmax cross-entropy of an untrained network, and what it should be: log k.

    A fresh classifier with small output weights gives every one of its k classes about the
    same probability 1/k, so its loss is about ``-log(1/k) = log k``, whatever the data.
    params: an L-layer network; X: (m, n_in); y: (m,) labels in [0, k).
    Returns (loss, log_k): the mean loss on (X, y), and log k with k the number of outputs
    (the length of bL; the labels in y need not include every class).
    """
    ### BEGIN SOLUTION 03_optimizers
    k = params[f"b{mlp_depth(params)}"].shape[0]
    loss = softmax_cross_entropy(mlp_forward(params, X)[0], y)
    return float(loss), float(np.log(k))
    ### END SOLUTION 03_optimizers


def overfit_small_set(
    params: dict[str, np.ndarray],
    update: Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], dict[str, np.ndarray]],
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
) -> tuple[dict[str, np.ndarray], float]:
    """Train on a few examples (say 20), full batch, until the network knows them by heart.

    A network that cannot reach 100% training accuracy on 20 examples has a bug (or far too
    small a learning rate): with more parameters than examples, it only has to memorise.
    params: an L-layer network; update(params, grads) -> new params; X: (m, n_in) and
    y: (m,) the few examples; epochs: full-batch steps, each mlp_forward on all of X,
    softmax_cross_entropy_backward, mlp_backward, then ``params = update(params, grads)``.
    Returns (params, accuracy): the trained parameters and the fraction of the m examples
    they classify correctly (argmax of the logits), a float in [0, 1].
    """
    ### BEGIN SOLUTION 03_optimizers
    for epoch in range(epochs):
        logits, caches = mlp_forward(params, X)
        params = update(params, mlp_backward(softmax_cross_entropy_backward(logits, y), caches))
    accuracy = float(np.mean(mlp_forward(params, X)[0].argmax(axis=1) == y))
    return params, accuracy
    ### END SOLUTION 03_optimizers


def gradient_check(
    params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray, eps: float = 1e-6
) -> dict[str, float]:
    """The relative error between backprop's and the numerical gradient, for every parameter.

    params: an L-layer network, float64 (its arrays are nudged in place and restored);
    X: (m, n_in) a few examples; y: (m,) their labels; eps: numerical_gradient's step.
    The loss is the mean softmax cross-entropy of mlp_forward's logits; backprop's gradient
    is mlp_backward's. Returns {name: relative_error} for every key of params; correct
    gradients give about 1e-7 or less.
    """
    ### BEGIN SOLUTION 03_optimizers
    logits, caches = mlp_forward(params, X)
    grads = mlp_backward(softmax_cross_entropy_backward(logits, y), caches)
    loss = lambda: softmax_cross_entropy(mlp_forward(params, X)[0], y)
    return {name: relative_error(grads[name], numerical_gradient(loss, value, eps))
            for name, value in params.items()}
    ### END SOLUTION 03_optimizers
