"""Layers: the exercise functions wrapped as objects that remember their forward pass.

Every layer has the same small interface:

- ``forward(x, training=True) -> out``: computes the output and keeps what the backward pass
  needs (the "cache") on the layer;
- ``backward(dout) -> dx``: takes ``dout = dL/dout`` (same shape as ``out``), stores the
  gradients of the layer's parameters in ``grads`` and returns ``dx = dL/dx``;
- ``params`` and ``grads``: dicts keyed by name ("W", "b", "gamma", "beta"), empty for layers
  without parameters. ``grads[name]`` has the shape and dtype of ``params[name]``.

The arithmetic is done by the exercise functions (``dense_forward``, ``relu_backward``,
``batchnorm_forward``, ...): a layer only stores their caches and their results.

The arrays in ``params`` and ``grads`` are allocated once, when the layer is built, and are
always updated in place (``backward`` copies the new gradients into them), so an optimizer or
a plot may hold on to them. Layers with a ``dtype`` (Dense, BatchNorm) convert their input to
it, so a float32 network stays float32 end to end even when it is fed float64 data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnlib.activations import (
    leaky_relu,
    leaky_relu_backward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)
from nnlib.batchnorm import batchnorm_backward, batchnorm_forward
from nnlib.dense import dense_backward, dense_forward
from nnlib.dropout import dropout_backward, dropout_forward
from nnlib.initializers import he, small_random, xavier, zeros

__all__ = ["Layer", "Dense", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "BatchNorm"]

_INITIALIZERS = {"he": he, "xavier": xavier, "zeros": zeros, "small": small_random}


def _float_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a numpy float dtype; TypeError for anything else (ints, strings...)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"dtype must be a numpy float type such as np.float32, got {dtype!r}") from error
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a float type such as np.float32 or np.float64, got {dtype}")
    return dtype


def _positive_int(value: Any, name: str) -> int:
    """``value`` as an int >= 1; ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class Layer:
    """Base class: a layer without parameters that passes its input through unchanged.

    Subclasses override ``forward`` and ``backward``; layers with parameters fill ``params``
    and ``grads`` in their ``__init__``.
    """

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: (m, n) batch. Returns out: (m, n_out)."""
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: gradient of the loss w.r.t. the last forward's output. Returns dx."""
        return dout

    def _check_forward_done(self, cache: Any) -> None:
        """RuntimeError when backward is called before any forward."""
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward: run forward first")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Dense(Layer):
    """Fully connected layer ``out = x @ W + b`` with W: (n_in, n_out), b: (n_out,).

    n_in, n_out: numbers of inputs and outputs.
    init: how W starts: "he" (std sqrt(2 / n_in), for ReLU networks), "xavier"
        (std sqrt(2 / (n_in + n_out)), for tanh/sigmoid), "small" (std 0.01) or "zeros"
        (all units stay identical: shows the symmetry problem). b starts at zero.
    rng: source of randomness for W (same seed, same weights).
    dtype: of W, b, their gradients and the layer's output; the input is converted to it.

    ``backward(dout, input_grad=False)`` skips ``dx = dout @ W.T`` and returns None: the first
    layer of a network has no use for the gradient of the data, and that product costs as
    much as ``dW``. ``Sequential.backward(..., input_grad=False)`` uses it.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        init: str = "he",
        rng: np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        n_in = _positive_int(n_in, "n_in")
        n_out = _positive_int(n_out, "n_out")
        if init not in _INITIALIZERS:
            raise ValueError(f"init must be one of {sorted(_INITIALIZERS)}, got {init!r}")
        dtype = _float_dtype(dtype)
        rng = np.random.default_rng() if rng is None else rng
        self.init = init
        W = _INITIALIZERS[init](n_in, n_out, rng=rng).astype(dtype, copy=False)
        self.params = {"W": W, "b": np.zeros(n_out, dtype=dtype)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros(n_out, dtype=dtype)}
        self._cache: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def n_in(self) -> int:
        return self.params["W"].shape[0]

    @property
    def n_out(self) -> int:
        return self.params["W"].shape[1]

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: (m, n_in) batch. Returns out: (m, n_out) in the layer's dtype."""
        W, b = self.params["W"], self.params["b"]
        x = np.asarray(x, dtype=W.dtype)  # no copy when x already has the layer's dtype
        out, self._cache = dense_forward(x, W, b)
        return out

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """dout: (m, n_out). Fills grads["W"] (n_in, n_out) and grads["b"] (n_out,).

        Returns dx: (m, n_in), or None when ``input_grad`` is False (dx is not computed).
        """
        self._check_forward_done(self._cache)
        if not input_grad:
            self._parameter_gradients(dout)
            return None
        dx, dW, db = dense_backward(dout, self._cache)
        np.copyto(self.grads["W"], dW)
        np.copyto(self.grads["b"], db)
        return dx

    def _parameter_gradients(self, dout: np.ndarray) -> None:
        """dW = x.T @ dout and db = dout summed over the batch, written into ``grads``."""
        ### BEGIN SOLUTION 02_backprop
        x = self._cache[0]
        np.matmul(x.T, dout, out=self.grads["W"])
        dout.sum(axis=0, out=self.grads["b"])
        ### END SOLUTION 02_backprop

    def __repr__(self) -> str:
        return f"Dense({self.n_in} -> {self.n_out}, init={self.init!r}, dtype={self.params['W'].dtype})"


class ReLU(Layer):
    """``max(z, 0)``, elementwise; no parameters."""

    def __init__(self) -> None:
        super().__init__()
        self._z: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: any shape. Returns out: same shape and dtype."""
        self._z = x
        return relu(x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: shape of the forward's x. Returns dx: same shape."""
        self._check_forward_done(self._z)
        return relu_backward(dout, self._z)


class LeakyReLU(Layer):
    """``z`` for z > 0, ``alpha * z`` otherwise, elementwise; no parameters."""

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = float(alpha)  # a python float keeps float32 activations float32
        self._z: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: any shape. Returns out: same shape and dtype."""
        self._z = x
        return leaky_relu(x, self.alpha)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: shape of the forward's x. Returns dx: same shape."""
        self._check_forward_done(self._z)
        return leaky_relu_backward(dout, self._z, self.alpha)

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Sigmoid(Layer):
    """``1 / (1 + exp(-z))``, elementwise; no parameters."""

    def __init__(self) -> None:
        super().__init__()
        self._z: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: any shape. Returns out: same shape and dtype, in [0, 1]."""
        self._z = x
        return sigmoid(x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: shape of the forward's x. Returns dx: same shape."""
        self._check_forward_done(self._z)
        return sigmoid_backward(dout, self._z)


class Tanh(Layer):
    """``tanh(z)``, elementwise; no parameters."""

    def __init__(self) -> None:
        super().__init__()
        self._z: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: any shape. Returns out: same shape and dtype, in [-1, 1]."""
        self._z = x
        return tanh(x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: shape of the forward's x. Returns dx: same shape."""
        self._check_forward_done(self._z)
        return tanh_backward(dout, self._z)


class Dropout(Layer):
    """Inverted dropout: in training, each unit is dropped with probability ``p`` and the
    survivors scaled by ``1 / (1 - p)``; at test time (``training=False``) the identity.

    p: DROP probability in [0, 1). rng: source of the masks; every training forward draws a
    new mask from it, so set ``layer.rng`` to a fresh seeded generator to repeat a mask.
    """

    def __init__(self, p: float, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p is the drop probability and must be in [0, 1), got {p}")
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng
        self._cache: dict[str, Any] | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: any shape. Returns out: same shape and dtype (x itself when not training)."""
        out, self._cache = dropout_forward(x, self.p, training=training, rng=self.rng)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: shape of the forward's x. Returns dx: dout through the forward's mask."""
        self._check_forward_done(self._cache)
        return dropout_backward(dout, self._cache)

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm(Layer):
    """Batch normalization of each of ``n_features`` features, then ``gamma * x_hat + beta``.

    n_features: d, the width of the layer's input (m, d).
    momentum: weight of the old value in the running statistics, ``r = momentum r +
        (1 - momentum) batch_stat`` (PyTorch's momentum=0.1 is our 0.9).
    eps: added to the variance under the square root.
    dtype: of gamma (ones), beta (zeros), their gradients, the running statistics
        (``running_mean`` zeros, ``running_var`` ones) and the output.

    ``forward(x, training=True)`` normalises with the batch statistics and updates
    ``running_mean`` and ``running_var`` in place; ``training=False`` uses them instead.
    """

    def __init__(
        self, n_features: int, momentum: float = 0.9, eps: float = 1e-5, dtype: Any = np.float64
    ) -> None:
        super().__init__()
        d = _positive_int(n_features, "n_features")
        dtype = _float_dtype(dtype)
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"BatchNorm: momentum must be in [0, 1], got {momentum}")
        if not eps > 0.0:
            raise ValueError(f"BatchNorm: eps must be > 0, got {eps}")
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.params = {"gamma": np.ones(d, dtype=dtype), "beta": np.zeros(d, dtype=dtype)}
        self.grads = {"gamma": np.zeros(d, dtype=dtype), "beta": np.zeros(d, dtype=dtype)}
        self.running_mean = np.zeros(d, dtype=dtype)
        self.running_var = np.ones(d, dtype=dtype)
        self._cache: dict[str, Any] | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: (m, n_features). Returns out: (m, n_features) in the layer's dtype."""
        gamma, beta = self.params["gamma"], self.params["beta"]
        x = np.asarray(x, dtype=gamma.dtype)
        out, self._cache = batchnorm_forward(
            x, gamma, beta, self.running_mean, self.running_var,
            training=training, momentum=self.momentum, eps=self.eps,
        )
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout: (m, n_features). Fills grads["gamma"], grads["beta"]. Returns dx: (m, n_features)."""
        self._check_forward_done(self._cache)
        dx, dgamma, dbeta = batchnorm_backward(dout, self._cache)
        np.copyto(self.grads["gamma"], dgamma)
        np.copyto(self.grads["beta"], dbeta)
        return dx

    def __repr__(self) -> str:
        d = self.params["gamma"].shape[0]
        return f"BatchNorm({d}, momentum={self.momentum}, eps={self.eps}, dtype={self.params['gamma'].dtype})"
