"""Layers: the exercise functions wrapped as objects that remember their forward pass.

Every layer has the same small interface:

- ``forward(x, training=True) -> out``: computes the output and keeps what the backward pass
  needs (the "cache") on the layer;
- ``backward(dout, input_grad=True) -> dx``: takes ``dout = dL/dout`` (same shape as
  ``out``), stores the gradients of the layer's parameters in ``grads`` and returns
  ``dx = dL/dx``; ``input_grad=False`` says nobody needs dx (the first layer of a network
  in training), so a layer may skip it and return None (Dense does);
- ``params`` and ``grads``: dicts keyed by name ("W", "b", "gamma", "beta"), empty for layers
  without parameters. ``grads[name]`` has the shape and dtype of ``params[name]``;
- ``weight_names``: the names in ``params`` of the weight matrices, the parameters a weight
  penalty (L2, L1) acts on: ("W",) for Dense, () for the others.

The arithmetic is done by the exercise functions (``dense_forward``, ``relu_backward``,
``batchnorm_forward``, ...): a layer only stores their caches and their results. Activation,
Dropout and BatchNorm take those functions as arguments (nnlib's own by default), so a
notebook can build the layer on the functions a student wrote.

The arrays in ``params`` and ``grads`` are allocated once, when the layer is built, and are
always updated in place (``backward`` copies the new gradients into them), so an optimizer or
a plot may hold on to them. Layers with a ``dtype`` (Dense, BatchNorm) convert their input to
it, so a float32 network stays float32 end to end even when it is fed float64 data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nnlib import activations
from nnlib.batchnorm import _check_momentum_and_eps, batchnorm_backward, batchnorm_forward
from nnlib.dense import dense_backward, dense_forward, dense_parameter_gradients
from nnlib.dropout import _check_drop_probability, dropout_backward, dropout_forward
from nnlib.initializers import he, small_random, xavier, zeros

__all__ = ["Layer", "Dense", "Activation", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Dropout", "BatchNorm"]

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
    and ``grads`` in their ``__init__``, and name their weight matrices in ``weight_names``.
    """

    weight_names: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: (m, n) batch. Returns out: (m, n_out)."""
        return x

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray | None:
        """dout: gradient of the loss w.r.t. the last forward's output. Returns dx.

        input_grad: False when nobody needs dx; only Dense uses it (to skip dx and return
        None), every other layer returns dx anyway.
        """
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

    W is the layer's weight matrix (``weight_names``): L2 and L1 penalties act on it, not on b.
    ``backward(dout, input_grad=False)`` skips ``dx = dout @ W.T`` and returns None: the first
    layer of a network has no use for the gradient of the data, and that product costs as
    much as ``dW``. ``Sequential.backward(..., input_grad=False)`` uses it.
    """

    weight_names = ("W",)

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
        if input_grad:
            dx, dW, db = dense_backward(dout, self._cache)
        else:
            dx, (dW, db) = None, dense_parameter_gradients(dout, self._cache[0])
        np.copyto(self.grads["W"], dW)
        np.copyto(self.grads["b"], db)
        return dx

    def __repr__(self) -> str:
        return f"Dense({self.n_in} -> {self.n_out}, init={self.init!r}, dtype={self.params['W'].dtype})"


class Activation(Layer):
    """An elementwise activation as a layer, computed by the two functions it is given.

    forward: ``forward(z, **options) -> a``, e.g. ``relu``; backward: ``backward(da, z,
    **options) -> dz``, e.g. ``relu_backward`` (chapters 1 and 2's signatures: a student's
    own functions work too). options: keyword arguments passed to both, e.g. ``alpha=0.1``
    for leaky ReLU. No parameters. ``ReLU()``, ``LeakyReLU(alpha)``, ``Sigmoid()`` and
    ``Tanh()`` are this layer on nnlib's functions.
    """

    def __init__(self, forward: Callable[..., np.ndarray], backward: Callable[..., np.ndarray], **options: Any) -> None:
        super().__init__()
        self.forward_function, self.backward_function = forward, backward
        self.options = options
        self._z: np.ndarray | None = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: any shape. Returns out: same shape and dtype."""
        self._z = x
        return self.forward_function(x, **self.options)

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray:
        """dout: shape of the forward's x. Returns dx: same shape."""
        self._check_forward_done(self._z)
        return self.backward_function(dout, self._z, **self.options)

    def __repr__(self) -> str:
        arguments = [f"{name}={value!r}" for name, value in self.options.items()]
        if type(self) is Activation:  # the named subclasses stand for their functions
            names = [getattr(f, "__name__", repr(f)) for f in (self.forward_function, self.backward_function)]
            arguments = names + arguments
        return f"{type(self).__name__}({', '.join(arguments)})"


class ReLU(Activation):
    """``max(z, 0)``, elementwise; no parameters."""

    def __init__(self) -> None:
        super().__init__(activations.relu, activations.relu_backward)


class LeakyReLU(Activation):
    """``z`` for z > 0, ``alpha * z`` otherwise, elementwise; no parameters."""

    def __init__(self, alpha: float = 0.01) -> None:
        # a python float keeps float32 activations float32
        super().__init__(activations.leaky_relu, activations.leaky_relu_backward, alpha=float(alpha))

    @property
    def alpha(self) -> float:
        """The slope for z <= 0."""
        return self.options["alpha"]


class Sigmoid(Activation):
    """``1 / (1 + exp(-z))``, elementwise, in [0, 1]; no parameters."""

    def __init__(self) -> None:
        super().__init__(activations.sigmoid, activations.sigmoid_backward)


class Tanh(Activation):
    """``tanh(z)``, elementwise, in [-1, 1]; no parameters."""

    def __init__(self) -> None:
        super().__init__(activations.tanh, activations.tanh_backward)


class Dropout(Layer):
    """Inverted dropout: in training, each unit is dropped with probability ``p`` and the
    survivors scaled by ``1 / (1 - p)``; at test time (``training=False``) the identity.

    p: DROP probability in [0, 1). rng: source of the masks; every training forward draws a
    new mask from it, so set ``layer.rng`` to a fresh seeded generator to repeat a mask.
    forward, backward: the functions that do it, with the signatures of ``dropout_forward``
    (called as ``forward(x, p, training=training, rng=rng)``) and ``dropout_backward``.
    """

    def __init__(
        self,
        p: float,
        rng: np.random.Generator | None = None,
        *,
        forward: Callable[..., tuple[np.ndarray, Any]] = dropout_forward,
        backward: Callable[[np.ndarray, Any], np.ndarray] = dropout_backward,
    ) -> None:
        super().__init__()
        self.p = float(p)
        _check_drop_probability(self.p)  # now, rather than at the first forward
        self.rng = np.random.default_rng() if rng is None else rng
        self.forward_function, self.backward_function = forward, backward
        self._cache: Any = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: any shape. Returns out: same shape and dtype (x itself when not training)."""
        out, self._cache = self.forward_function(x, self.p, training=training, rng=self.rng)
        return out

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray:
        """dout: shape of the forward's x. Returns dx: dout through the forward's mask."""
        self._check_forward_done(self._cache)
        return self.backward_function(dout, self._cache)

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
    forward, backward: the functions that do it, with the signatures of
        ``batchnorm_forward`` and ``batchnorm_backward`` (e.g. a student's own).

    ``forward(x, training=True)`` normalises with the batch statistics and the forward
    function updates ``running_mean`` and ``running_var`` in place; ``training=False`` uses
    them instead.
    """

    def __init__(
        self,
        n_features: int,
        momentum: float = 0.9,
        eps: float = 1e-5,
        dtype: Any = np.float64,
        *,
        forward: Callable[..., tuple[np.ndarray, Any]] = batchnorm_forward,
        backward: Callable[[np.ndarray, Any], tuple[np.ndarray, np.ndarray, np.ndarray]] = batchnorm_backward,
    ) -> None:
        super().__init__()
        d = _positive_int(n_features, "n_features")
        dtype = _float_dtype(dtype)
        _check_momentum_and_eps(momentum, eps)  # now, rather than at the first forward
        self.momentum = float(momentum)
        self.eps = float(eps)
        self.forward_function, self.backward_function = forward, backward
        self.params = {"gamma": np.ones(d, dtype=dtype), "beta": np.zeros(d, dtype=dtype)}
        self.grads = {"gamma": np.zeros(d, dtype=dtype), "beta": np.zeros(d, dtype=dtype)}
        self.running_mean = np.zeros(d, dtype=dtype)
        self.running_var = np.ones(d, dtype=dtype)
        self._cache: Any = None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """x: (m, n_features). Returns out: (m, n_features) in the layer's dtype."""
        gamma, beta = self.params["gamma"], self.params["beta"]
        x = np.asarray(x, dtype=gamma.dtype)
        out, self._cache = self.forward_function(
            x, gamma, beta, self.running_mean, self.running_var,
            training=training, momentum=self.momentum, eps=self.eps,
        )
        return out

    def backward(self, dout: np.ndarray, input_grad: bool = True) -> np.ndarray:
        """dout: (m, n_features). Fills grads["gamma"], grads["beta"]. Returns dx: (m, n_features)."""
        self._check_forward_done(self._cache)
        dx, dgamma, dbeta = self.backward_function(dout, self._cache)
        np.copyto(self.grads["gamma"], dgamma)
        np.copyto(self.grads["beta"], dbeta)
        return dx

    def __repr__(self) -> str:
        d = self.params["gamma"].shape[0]
        return f"BatchNorm({d}, momentum={self.momentum}, eps={self.eps}, dtype={self.params['gamma'].dtype})"
