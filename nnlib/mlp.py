"""A whole multi-layer perceptron from the layer functions: forward and backward (chapter 2).

An L-layer network has L dense layers, a ReLU after each of the first L - 1 and none after
the last, whose outputs are the logits (a softmax cross-entropy, or any loss, comes after).
Its parameters live in one dict, ``params = {"W1": ..., "b1": ..., ..., "WL": ..., "bL": ...}``
with ``Wl`` of shape (n_{l-1}, n_l) and ``bl`` of shape (n_l,); the gradients come back in a
dict with the same keys.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.activations import relu, relu_backward
from nnlib.dense import dense_backward, dense_forward

__all__ = ["mlp_depth", "mlp_forward", "mlp_backward"]


def mlp_depth(params: dict[str, np.ndarray]) -> int:
    """The number L of dense layers in ``params``, whose keys must be exactly W1, b1, ..., WL, bL.

    Raises ValueError naming the missing or unexpected keys otherwise.
    """
    depth = sum(1 for key in params if key.startswith("W"))
    expected = {f"{kind}{layer}" for layer in range(1, depth + 1) for kind in "Wb"}
    if depth == 0 or set(params) != expected:
        missing = sorted(expected - set(params))
        unexpected = sorted(set(params) - expected)
        raise ValueError(
            f"params must hold W1, b1, ..., WL, bL for some L >= 1; "
            f"missing {missing or 'nothing'}, unexpected {unexpected or 'nothing'}"
        )
    return depth


def mlp_forward(params: dict[str, np.ndarray], x: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """The forward pass of an L-layer network: ReLU hidden layers, a linear output layer.

    params: W1 (n_in, n_1), b1 (n_1,), ..., WL (n_{L-1}, k), bL (k,); x: (m, n_in) batch.
    Returns (logits, caches): logits (m, k); caches a list of L pairs, one per layer in
    order: ``caches[l - 1] = (cache_l, z_l)``, dense_forward's cache (a_{l-1}, Wl) of layer
    l and its output z_l = a_{l-1} @ Wl + bl (m, n_l), before the ReLU (z_L is the logits).
    """
    ### BEGIN SOLUTION 02_backprop
    depth = mlp_depth(params)
    a, caches = x, []
    for layer in range(1, depth + 1):
        z, cache = dense_forward(a, params[f"W{layer}"], params[f"b{layer}"])
        caches.append((cache, z))
        if layer < depth:  # the output layer has no ReLU: its z is the logits
            a = relu(z)
    return z, caches
    ### END SOLUTION 02_backprop


def mlp_backward(dlogits: np.ndarray, caches: list[Any]) -> dict[str, np.ndarray]:
    """The backward pass of ``mlp_forward``: the gradient of every parameter.

    dlogits: (m, k) gradient of the loss w.r.t. the logits (the loss's backward, 1/m
    included); caches: the list of (cache_l, z_l) pairs mlp_forward returned.
    Returns grads: dW1 ... dWL and db1 ... dbL under the keys "W1", "b1", ..., "WL", "bL",
    each of the shape of its parameter. The layers are visited from the last to the first:
    dense_backward turns the gradient of a layer's output into its dW, db and the gradient
    of its input, which relu_backward turns into the gradient of the layer below's output.
    """
    ### BEGIN SOLUTION 02_backprop
    grads = {}
    dout = dlogits
    depth = len(caches)
    for layer in range(depth, 0, -1):
        cache, z = caches[layer - 1]
        if layer < depth:  # the output layer has no ReLU
            dout = relu_backward(dout, z)
        dout, grads[f"W{layer}"], grads[f"b{layer}"] = dense_backward(dout, cache)
    return grads
    ### END SOLUTION 02_backprop
