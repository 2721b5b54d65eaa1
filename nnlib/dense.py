"""The dense (fully connected) layer: forward (chapter 1) and backward (chapter 2).

A dense layer maps a batch ``x`` of shape (m, n_in) to ``out = x @ W + b`` of shape
(m, n_out): every output unit is a weighted sum of every input, plus a bias.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dense_forward", "dense_backward", "dense_parameter_gradients"]


def _check_dense_shapes(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> None:
    """Raise ValueError naming the mismatch unless x: (m, n_in), W: (n_in, n_out), b: (n_out,)."""
    if np.ndim(x) != 2:
        raise ValueError(f"dense_forward: x must be a batch of shape (m, n_in), got shape {np.shape(x)}")
    if np.ndim(W) != 2:
        raise ValueError(f"dense_forward: W must have shape (n_in, n_out), got shape {np.shape(W)}")
    if x.shape[1] != W.shape[0]:
        raise ValueError(
            f"dense_forward: x has {x.shape[1]} features but W has shape {W.shape}; "
            f"W must be (n_in, n_out) = ({x.shape[1]}, n_out)"
        )
    if np.shape(b) != (W.shape[1],):
        raise ValueError(
            f"dense_forward: b must have shape ({W.shape[1]},) to match W {W.shape}, got {np.shape(b)}"
        )


def dense_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Affine map of a batch: ``out = x @ W + b``.

    x: (m, n_in) batch of inputs; W: (n_in, n_out) weights; b: (n_out,) biases.
    Returns (out, cache): out (m, n_out), in the common dtype of x, W and b;
    cache = (x, W), what dense_backward needs.
    """
    ### BEGIN SOLUTION 01_feedforward
    _check_dense_shapes(x, W, b)
    out = x @ W + b
    cache = (x, W)
    return out, cache
    ### END SOLUTION 01_feedforward


def dense_backward(
    dout: np.ndarray, cache: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a dense layer by the chain rule, given ``dout = dL/dout``.

    dout: (m, n_out) upstream gradient; cache: (x, W) from dense_forward, x (m, n_in),
    W (n_in, n_out).
    Returns (dx, dW, db): dx (m, n_in) = dout @ W.T; dW (n_in, n_out) = x.T @ dout;
    db (n_out,) = dout summed over the batch. No 1/m here: it lives in the loss's backward.
    """
    ### BEGIN SOLUTION 02_backprop
    x, W = cache
    if np.shape(dout) != (x.shape[0], W.shape[1]):
        raise ValueError(
            f"dense_backward: dout has shape {np.shape(dout)}, "
            f"expected (m, n_out) = {(x.shape[0], W.shape[1])}"
        )
    dx = dout @ W.T
    dW, db = dense_parameter_gradients(dout, x)
    return dx, dW, db
    ### END SOLUTION 02_backprop


def dense_parameter_gradients(dout: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The part of ``dense_backward`` a network's first layer needs: dW and db, without dx.

    dout: (m, n_out) upstream gradient; x: (m, n_in) the forward's input.
    Returns (dW, db): dW (n_in, n_out) = x.T @ dout; db (n_out,) = dout summed over the batch.
    Nobody needs the gradient of the data, and skipping ``dx = dout @ W.T`` saves as much
    work as computing dW (``Dense.backward(dout, input_grad=False)`` does).
    """
    ### BEGIN SOLUTION 02_backprop
    dW = x.T @ dout
    db = dout.sum(axis=0)
    return dW, db
    ### END SOLUTION 02_backprop
