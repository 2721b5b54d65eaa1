"""Optimizers: the update rules of ``nnlib.updates`` applied to a whole network, in place.

Each optimizer has ``step(params, grads)``, where ``params`` and ``grads`` are dicts with the
same keys (``model.parameters()`` and ``model.gradients()``). A step overwrites the arrays of
``params`` in place, so the model sees the new weights at once; nothing else is modified.

The state of a rule (momentum's velocity, Adam's two moments) is kept per key in
``optimizer.state[key]``, allocated at the first step in the parameter's dtype and then
updated in place. SGD, Momentum and RMSprop call their rule in ``nnlib.updates`` and copy
the new arrays into the old ones (``w[...] = new_w``): the rule is written once.

Adam is the one exception: its step is ``adam_update`` rewritten with ``out=`` arguments into
one scratch array per key, so that it allocates nothing. ``adam_update`` makes about a dozen
fresh temporaries per array, and those cost page faults: measured on the 784-256-128-10 MLP
in float32 (``bench/train_step.py``'s model), calling ``adam_update`` made a batch-128 step
2.1 times as long. The comments beside each line give the formula it implements, and
``tests/test_optimizers.py`` checks that Adam's steps equal ``adam_update``'s to 1e-12.

The learning rate ``lr`` can be changed between steps (learning-rate schedules do that).
Hyper-parameters are stored as python floats: a numpy float64 would upcast float32 weights.
"""

from __future__ import annotations

import math

import numpy as np

from nnlib.updates import momentum_update, rmsprop_update, sgd_update

__all__ = ["Optimizer", "SGD", "Momentum", "RMSprop", "Adam"]


def _check_fraction(value: float, name: str) -> float:
    """``value`` as a python float in [0, 1); ValueError otherwise."""
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_positive(value: float, name: str) -> float:
    """``value`` as a python float > 0; ValueError otherwise."""
    value = float(value)
    if not value > 0.0 or not math.isfinite(value):
        raise ValueError(f"{name} must be a positive number, got {value}")
    return value


class Optimizer:
    """Shared parts: the settable learning rate and the per-key state."""

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self._made_for: dict[str, tuple[tuple[int, ...], np.dtype]] = {}  # key -> w's (shape, dtype)

    @property
    def lr(self) -> float:
        """Learning rate, a python float >= 0; may be changed between steps."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        value = float(value)
        if not value >= 0.0 or not math.isfinite(value):
            raise ValueError(f"lr must be a finite number >= 0, got {value}")
        self._lr = value

    def _state(self, key: str, w: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
        """The state arrays ``names`` of ``key``: zeros like w, made at its first step (and
        again if w's shape or dtype changes), then the same arrays at every step."""
        if key not in self.state or self._made_for.get(key) != (w.shape, w.dtype):
            self.state[key] = {name: np.zeros_like(w) for name in names}
            self._made_for[key] = (w.shape, w.dtype)
        return self.state[key]

    def _check_keys(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """KeyError unless params and grads have the same keys."""
        if params.keys() != grads.keys():
            raise KeyError(
                f"{type(self).__name__}.step: params and grads must have the same keys; "
                f"only in params: {sorted(params.keys() - grads.keys())}, "
                f"only in grads: {sorted(grads.keys() - params.keys())}"
            )

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every ``params[key]`` in place using ``grads[key]``."""
        raise NotImplementedError(f"{type(self).__name__} does not define step")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr})"


class SGD(Optimizer):
    """Plain gradient descent: ``w -= lr * dw``."""

    def __init__(self, lr: float = 0.01) -> None:
        super().__init__(lr)

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """params, grads: dicts of arrays with the same keys and shapes; params updated in place."""
        ### BEGIN SOLUTION 03_optimizers
        self._check_keys(params, grads)
        for key, w in params.items():
            self._state(key, w, ())  # an empty entry: plain gradient descent keeps no state
            w[...] = sgd_update(w, grads[key], self.lr)
        ### END SOLUTION 03_optimizers


class Momentum(Optimizer):
    """Gradient descent with momentum: ``v = beta v + (1 - beta) dw``, ``w -= lr v``.

    beta: weight of the old velocity, in [0, 1); 0.9 averages about the last 10 gradients.
    """

    def __init__(self, lr: float = 0.01, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = _check_fraction(beta, "beta")

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """params, grads: dicts of arrays with the same keys and shapes; params updated in place."""
        ### BEGIN SOLUTION 03_optimizers
        self._check_keys(params, grads)
        for key, w in params.items():
            v = self._state(key, w, ("v",))["v"]
            w[...], v[...] = momentum_update(w, grads[key], v, self.lr, self.beta)
        ### END SOLUTION 03_optimizers

    def __repr__(self) -> str:
        return f"Momentum(lr={self.lr}, beta={self.beta})"


class RMSprop(Optimizer):
    """RMSprop: ``s = beta s + (1 - beta) dw²``, ``w -= lr dw / (sqrt(s) + eps)``.

    Each weight's step is divided by the root of its recent squared gradients, so steep
    directions get small steps and flat ones large steps.
    beta: weight of the old average, in [0, 1); eps: keeps the division finite.
    """

    def __init__(self, lr: float = 0.001, beta: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta = _check_fraction(beta, "beta")
        self.eps = _check_positive(eps, "eps")

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """params, grads: dicts of arrays with the same keys and shapes; params updated in place."""
        ### BEGIN SOLUTION 03_optimizers
        self._check_keys(params, grads)
        for key, w in params.items():
            s = self._state(key, w, ("s",))["s"]
            w[...], s[...] = rmsprop_update(w, grads[key], s, self.lr, self.beta, self.eps)
        ### END SOLUTION 03_optimizers

    def __repr__(self) -> str:
        return f"RMSprop(lr={self.lr}, beta={self.beta}, eps={self.eps})"


class Adam(Optimizer):
    """Adam: momentum and RMSprop together, with bias correction.

    ``m = beta1 m + (1 - beta1) dw``, ``v = beta2 v + (1 - beta2) dw²``,
    ``w -= lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - beta1**t)``,
    ``v_hat = v / (1 - beta2**t)``; ``t`` counts the steps from 1 (``optimizer.t`` is the
    number of steps taken so far).

    IN-PLACE EXCEPTION (see the module docstring): ``step`` does not call ``adam_update``
    but computes the same ``w, m, v = adam_update(w, dw, m, v, t, lr, beta1, beta2, eps)``
    with ``out=`` arguments, through one scratch array per key.
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1 = _check_fraction(beta1, "beta1")
        self.beta2 = _check_fraction(beta2, "beta2")
        self.eps = _check_positive(eps, "eps")
        self.t = 0

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """params, grads: dicts of arrays with the same keys and shapes; params updated in place.

        For every key: ``w, m, v = adam_update(w, grads[key], m, v, t, lr, beta1, beta2, eps)``,
        written in place; each line's comment says which part of that formula it computes.
        """
        ### BEGIN SOLUTION 03_optimizers
        self._check_keys(params, grads)
        self.t += 1
        beta1, beta2 = self.beta1, self.beta2
        correction1 = 1 - beta1**self.t  # python floats: float32 stays float32
        correction2 = 1 - beta2**self.t
        for key, w in params.items():
            dw = grads[key]
            state = self._state(key, w, ("m", "v", "scratch"))
            m, v, scratch = state["m"], state["v"], state["scratch"]
            m *= beta1
            np.multiply(dw, 1 - beta1, out=scratch)
            m += scratch  # m = beta1 * m + (1 - beta1) * dw
            v *= beta2
            np.multiply(dw, dw, out=scratch)
            scratch *= 1 - beta2
            v += scratch  # v = beta2 * v + (1 - beta2) * dw * dw
            np.divide(v, correction2, out=scratch)  # v_hat = v / (1 - beta2**t)
            np.sqrt(scratch, out=scratch)
            scratch += self.eps  # sqrt(v_hat) + eps
            np.divide(m, scratch, out=scratch)
            scratch *= self.lr / correction1  # lr * m_hat / (sqrt(v_hat) + eps), m_hat = m / (1 - beta1**t)
            w -= scratch  # w = w - lr * m_hat / (sqrt(v_hat) + eps)
        ### END SOLUTION 03_optimizers

    def __repr__(self) -> str:
        return f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps})"
