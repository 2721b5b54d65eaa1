"""One Playground run: seeded data, the network, and its training epoch by epoch.

Everything random comes from one ``np.random.default_rng(seed)``, drawn in this order: the
data, the train/test split, the initial weights (layer by layer), then per epoch the batch
order and the dropout masks. The code view (``playground_code``) writes the same steps, so
its code gets the very same numbers.

The network and the optimizer are described as constructor calls (``Call``), which the run
builds and the code view prints: one description, two uses. Settings that change during a
run (``Live``: learning rate, batch size, optimizer, penalty) are recorded as ``Segment``s,
each starting at the epoch where it first trained, so the code view can replay them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnlib.activations import softmax
from nnlib.batching import minibatches
from nnlib.layers import BatchNorm, Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from nnlib.losses import mse, mse_backward, softmax_cross_entropy, softmax_cross_entropy_backward
from nnlib.optimizers import SGD, Adam, Momentum, RMSprop
from nnlib.preprocessing import train_test_split
from nnlib.regularization import add_penalty_grad, l1_grad, l2_grad
from nnlib.sequential import Sequential
from nnlib.widgets.playground_problems import input_features, is_regression, make_data

__all__ = [
    "RNG",
    "CLASSES",
    "ACTIVATION_CLASSES",
    "PENALTY_GRADS",
    "DIVERGENCE_FACTOR",
    "Call",
    "Live",
    "Segment",
    "Run",
    "split_test_size",
    "layer_calls",
    "optimizer_call",
    "live_settings",
    "optimizer_change",
    "describe_change",
]

# The classes a Call may name, by name.
CLASSES = {cls.__name__: cls for cls in (Dense, BatchNorm, Dropout, LeakyReLU, ReLU, Sigmoid,
                                         Tanh, SGD, Momentum, RMSprop, Adam)}
ACTIVATION_CLASSES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                      "leaky_relu": "LeakyReLU"}
PENALTY_GRADS = {"L1": l1_grad, "L2": l2_grad}
# A run has diverged when its training loss is not finite, or above this many times its
# loss at epoch 0 (at learning rate 10 the loss of the default network jumps to 5-50 times
# its start and stays finite).
DIVERGENCE_FACTOR = 5.0


class _Rng:
    """Stands for the run's random generator in a Call's arguments; printed as ``rng``."""

    def __repr__(self) -> str:
        return "rng"


RNG = _Rng()


@dataclass(frozen=True)
class Call:
    """A constructor call ``name(*args, **kwargs)`` of one of ``CLASSES``.

    kwargs: (keyword, value) pairs, in order. ``RNG`` among the values stands for the run's
    generator. ``str(call)`` is the call as Python code: ``Dense(2, 8, init='xavier', rng=rng)``.
    """

    name: str
    args: tuple = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        parts = [repr(arg) for arg in self.args] + [f"{key}={value!r}" for key, value in self.kwargs]
        return f"{self.name}({', '.join(parts)})"

    def build(self, rng: np.random.Generator) -> Any:
        """The object the call makes, with ``rng`` wherever the call says RNG."""
        resolve = lambda value: rng if value is RNG else value  # noqa: E731
        return CLASSES[self.name](*map(resolve, self.args),
                                  **{key: resolve(value) for key, value in self.kwargs})

    def get(self, key: str) -> Any:
        """The value of keyword ``key``."""
        return dict(self.kwargs)[key]

    def without(self, key: str) -> Call:
        """The same call without keyword ``key`` (to compare two calls but for one argument)."""
        return dataclasses.replace(self, kwargs=tuple(kv for kv in self.kwargs if kv[0] != key))


@dataclass(frozen=True)
class Live:
    """The settings that may change during a run; ``lam`` is 0 when ``reg`` is "none"."""

    batch_size: int
    reg: str
    lam: float
    optimizer: Call


@dataclass(frozen=True)
class Segment:
    """Training with the settings ``live`` from epoch ``start`` on (until the next segment)."""

    start: int
    live: Live


def split_test_size(setup: Mapping[str, Any]) -> float:
    """The test share, rounded so the code shows 0.3 and not 0.30000000000000004."""
    return round(1.0 - setup["train_ratio"], 6)


def _init_for(activation: str) -> str:
    """He initialisation for the ReLU family, Xavier (Glorot) for tanh and sigmoid."""
    return "he" if activation in ("relu", "leaky_relu") else "xavier"


def layer_calls(setup: Mapping[str, Any]) -> list[list[Call]]:
    """The network as blocks of calls: per hidden layer Dense [, BatchNorm], activation
    [, Dropout]; last, the output Dense (2 logits for classification, 1 value for regression)."""
    blocks: list[list[Call]] = []
    n_in = len(setup["features"])
    activation = ACTIVATION_CLASSES[setup["activation"]]
    for width in setup["hidden"]:
        block = [Call("Dense", (n_in, width), (("init", _init_for(setup["activation"])),
                                               ("rng", RNG)))]
        if setup["batchnorm"]:
            block.append(Call("BatchNorm", (width,)))
        block.append(Call(activation))
        if setup["dropout"] > 0:
            block.append(Call("Dropout", (setup["dropout"],), (("rng", RNG),)))
        blocks.append(block)
        n_in = width
    n_out = 1 if is_regression(setup["dataset"]) else 2
    blocks.append([Call("Dense", (n_in, n_out), (("init", "xavier"), ("rng", RNG)))])
    return blocks


def optimizer_call(settings: Mapping[str, Any]) -> Call:
    """The optimizer with the arguments it uses (the betas only where they apply)."""
    name, lr = settings["optimizer"], ("lr", settings["lr"])
    if name == "SGD":
        return Call(name, (), (lr,))
    if name == "Momentum":
        return Call(name, (), (lr, ("beta", settings["beta1"])))
    if name == "RMSprop":
        return Call(name, (), (lr, ("beta", settings["beta2"])))
    return Call(name, (), (lr, ("beta1", settings["beta1"]), ("beta2", settings["beta2"])))


def live_settings(settings: Mapping[str, Any]) -> Live:
    """The live part of a Playground's settings (see Live)."""
    lam = settings["lam"] if settings["reg"] != "none" else 0.0
    return Live(settings["batch_size"], settings["reg"], lam, optimizer_call(settings))


def optimizer_change(old: Call | None, new: Call) -> str | None:
    """How the optimizer goes from ``old`` to ``new``: None (no change), "lr" (the same
    optimizer, its state kept, with a new learning rate) or "new" (a fresh optimizer)."""
    if old == new:
        return None
    if old is not None and old.without("lr") == new.without("lr"):
        return "lr"
    return "new"


def describe_change(old: Live, new: Live) -> str:
    """A short text of what changed, e.g. ``"lr 0.03→0.1, batch 16→32"``."""
    parts = []
    change = optimizer_change(old.optimizer, new.optimizer)
    if change == "lr":
        parts.append(f"lr {old.optimizer.get('lr')}→{new.optimizer.get('lr')}")
    elif change == "new":
        parts.append(str(new.optimizer).replace("beta", "β"))
    if old.batch_size != new.batch_size:
        parts.append(f"batch {old.batch_size}→{new.batch_size}")
    if (old.reg, old.lam) != (new.reg, new.lam):
        parts.append("no penalty" if new.reg == "none" else f"{new.reg} λ={new.lam}")
    return ", ".join(parts)


class Run:
    """One seeded run (see the module docstring).

    setup: the Playground's settings (only ``SETUP_KEYS`` are read).
    Attributes: ``X_train`` (m_train, 2) and ``X_test`` (m_test, 2) the points; ``F_train``,
    ``F_test`` (m, n_features) what the network sees (the input features of the points);
    ``y_train``, ``y_test`` labels (m,) or regression targets (m, 1); ``blocks`` the layers
    by block (as ``layer_calls``); ``model``; ``optimizer`` (None before the first epoch);
    ``segments``; ``train_losses`` and ``test_losses``, one per epoch from epoch 0.
    """

    def __init__(self, setup: Mapping[str, Any]) -> None:
        self.setup = dict(setup)
        self.regression = is_regression(setup["dataset"])
        self.rng = np.random.default_rng(setup["seed"])
        X, y = make_data(setup["dataset"], setup["points"], setup["noise"], self.rng)
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, test_size=split_test_size(setup), rng=self.rng)
        self.F_train = input_features(self.X_train, setup["features"])
        self.F_test = input_features(self.X_test, setup["features"])
        self.blocks = [[call.build(self.rng) for call in block] for block in layer_calls(setup)]
        self.model = Sequential(*[layer for block in self.blocks for layer in block])
        self.optimizer: Any = None
        self.segments: list[Segment] = []
        self.train_losses = [self.loss(self.F_train, self.y_train)]
        self.test_losses = [self.loss(self.F_test, self.y_test)]

    @property
    def epoch(self) -> int:
        """Epochs trained so far."""
        return len(self.train_losses) - 1

    @property
    def diverged(self) -> bool:
        """True when the training loss is not finite or above DIVERGENCE_FACTOR times its start."""
        last = self.train_losses[-1]
        return not np.isfinite(last) or last > DIVERGENCE_FACTOR * self.train_losses[0]

    def loss(self, F: np.ndarray, y: np.ndarray) -> float:
        """The mean loss on features F: (m, n_features) and targets y, in test mode (no dropout,
        batch norm's running statistics): cross-entropy, or mean squared error in regression."""
        out = self.model.forward(F, training=False)
        return mse(out, y) if self.regression else softmax_cross_entropy(out, y)

    def train_epoch(self, live: Live) -> None:
        """One pass over the training set in mini-batches with the settings ``live``, then the
        losses of both sets. A change of settings starts a new segment here."""
        if not self.segments or live != self.segments[-1].live:
            old = self.segments[-1].live.optimizer if self.segments else None
            change = optimizer_change(old, live.optimizer)
            if change == "lr":
                self.optimizer.lr = live.optimizer.get("lr")
            elif change == "new":
                self.optimizer = live.optimizer.build(self.rng)
            self.segments.append(Segment(self.epoch, live))
        output_grad = mse_backward if self.regression else softmax_cross_entropy_backward
        for Fb, yb in minibatches(self.F_train, self.y_train, live.batch_size, rng=self.rng):
            out = self.model.forward(Fb, training=True)
            self.model.backward(output_grad(out, yb), input_grad=False)
            if live.reg != "none":
                add_penalty_grad(self.model.weights(), self.model.gradients(), live.lam,
                                 len(self.F_train), grad=PENALTY_GRADS[live.reg])
            self.optimizer.step(self.model.parameters(), self.model.gradients())
        self.train_losses.append(self.loss(self.F_train, self.y_train))
        self.test_losses.append(self.loss(self.F_test, self.y_test))

    def neuron_outputs(self, points: np.ndarray) -> list[np.ndarray]:
        """What every neuron outputs at ``points``: (k, 2), layer by layer.

        Returns a list of arrays (k, width): the input features, the output of each hidden
        block (after its activation), and the network's output, P(class 1) in classification
        (k, 1) or the predicted value in regression (k, 1).
        """
        x = input_features(points, self.setup["features"])
        outputs = [x]
        for block in self.blocks:
            for layer in block:
                x = layer.forward(x, training=False)
            outputs.append(x)
        if not self.regression:
            outputs[-1] = softmax(x)[:, 1:]
        return outputs

    def weights(self) -> list[np.ndarray]:
        """The weight matrix of each block's Dense layer: (n_in, n_out), from input to output."""
        return [block[0].params["W"] for block in self.blocks]
