"""Activation/initialisation explorer (chapter 1): what a signal looks like, layer after layer.

A batch of standard-normal inputs goes through ``depth`` square dense layers (no bias), each
followed by the chosen activation; the weights come from the chosen initialiser. Then a
random gradient goes back through the same layers, as backprop (chapter 2) would send it.
The figure shows one histogram per layer of the values the units took, and its title the
spread of the first and last layers, forward and backward; the status line gives a one-line
diagnosis (symmetry, vanishing or exploding signal, saturated units, vanishing or exploding
gradient, slow drift, or healthy). A forward signal can look fine while the gradient
vanishes (sigmoid with Xavier weights): that is why both are checked.

The functions are arguments, so a notebook can pass the student's own::

    from nnlib.widgets.activation_explorer import ActivationExplorer

    ActivationExplorer(
        activations={"tanh": tanh, "ReLU": relu},            # the student's functions
        initializers={"zeros": zeros, "Xavier": xavier, "He": he},
    )

``activations=None`` or ``initializers=None`` use nnlib's reference functions (in a student's
build of nnlib those of chapter 1 raise NotImplementedError, which the status line shows). A
name mapped to ``None`` is listed but explains, when chosen, which function to pass. Errors
and warnings raised by the functions are shown in the status line, never raised (see
``nnlib.widgets.explorer.Explorer``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from nnlib.widgets.explorer import Explorer, dropdown, int_slider, require

__all__ = ["ActivationExplorer", "Signal", "default_activations", "default_initializers", "propagate",
           "backpropagate", "diagnose_spread"]

Activation = Callable[[np.ndarray], np.ndarray]
Initializer = Callable[..., np.ndarray]

_COLUMNS = 5  # histograms per row of the figure


def _large_random(fan_in: int, fan_out: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """Normal weights with std 1, whatever the layer size: a deliberately bad choice."""
    rng = np.random.default_rng() if rng is None else rng
    return rng.normal(0.0, 1.0, size=(fan_in, fan_out))


def default_activations() -> dict[str, Activation]:
    """nnlib's activations by display name (imported when asked for, not at module import)."""
    from nnlib.activations import leaky_relu, relu, sigmoid, tanh

    return {"tanh": tanh, "sigmoid": sigmoid, "ReLU": relu, "leaky ReLU": leaky_relu}


def default_initializers() -> dict[str, Initializer]:
    """nnlib's initialisers by display name, plus a too-large one (std 1) for comparison."""
    from nnlib.initializers import he, small_random, xavier, zeros

    return {"zeros": zeros, "small (std 0.01)": small_random, "large (std 1)": _large_random,
            "Xavier": xavier, "He": he}


@dataclass(frozen=True)
class Signal:
    """One forward pass through the explorer's stack of layers.

    inputs: (n_samples, width) the batch fed to layer 1; activations, pre_activations,
    weights: one entry per layer, layer 1 first: a and z (n_samples, width) and W
    (width, width), with z = a_previous @ W and a = activation(z).
    """

    inputs: np.ndarray
    activations: list[np.ndarray]
    pre_activations: list[np.ndarray]
    weights: list[np.ndarray]


def propagate(activation: Activation, initializer: Initializer, depth: int, width: int,
              n_samples: int, rng: np.random.Generator) -> Signal:
    """Send a standard-normal batch through ``depth`` layers ``a = activation(a @ W)``.

    W: (width, width) from ``initializer(width, width, rng)``; no bias (it starts at 0).
    Returns the Signal: the input batch (n_samples, width) and, per layer, its activations,
    pre-activations (n_samples, width) and weights (width, width).
    Raises ValueError when a function returns something of the wrong shape.
    """
    inputs = rng.standard_normal((n_samples, width))
    a = inputs
    activations, pre_activations, weights = [], [], []
    for layer in range(1, depth + 1):
        W = np.asarray(initializer(width, width, rng))
        if W.shape != (width, width):
            raise ValueError(f"the initialiser returned shape {W.shape} for fan_in = fan_out = {width}; "
                             f"expected ({width}, {width})")
        z = a @ W
        a = np.asarray(activation(z))
        if a.shape != z.shape:
            raise ValueError(f"the activation returned shape {a.shape} for an input of shape {z.shape} "
                             f"in layer {layer}; it must work elementwise")
        activations.append(a)
        pre_activations.append(z)
        weights.append(W)
    return Signal(inputs, activations, pre_activations, weights)


def _slope(activation: Activation, z: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """The activation's slope at z (any shape), by central differences with step h.

    Chapter 1 has no backward functions yet; at a kink (ReLU's 0) this gives the mean of the
    two one-sided slopes.
    """
    return (np.asarray(activation(z + h)) - np.asarray(activation(z - h))) / (2 * h)


def backpropagate(activation: Activation, signal: Signal, rng: np.random.Generator) -> list[np.ndarray]:
    """The gradient of a random loss with respect to each layer's pre-activation z, by backprop.

    The loss is L = sum(g * a_last) with g standard normal, so dL/da of the last layer is g
    (n_samples, width). Going back through layer l: dz_l = da_l * slope(z_l), then
    da_(l-1) = dz_l @ W_l.T, with the slope estimated by ``_slope``.
    Returns dz of every layer, layer 1 first, each (n_samples, width).
    """
    da = rng.standard_normal(signal.activations[-1].shape)
    gradients = []
    for z, W in zip(reversed(signal.pre_activations), reversed(signal.weights)):
        dz = da * _slope(activation, z)
        gradients.append(dz)
        da = dz @ W.T
    return gradients[::-1]


def _per_layer(first: float, last: float, steps: int) -> float:
    """The factor per layer that turns ``first`` into ``last`` in ``steps`` layers."""
    return (last / first) ** (1 / max(steps, 1))


def diagnose_spread(inputs: np.ndarray, layers: list[np.ndarray], slope: np.ndarray | None = None,
                    gradients: list[np.ndarray] | None = None) -> str:
    """One-line diagnosis of how the spread (std) of the signal evolves through the layers.

    inputs: (n_samples, width) the batch fed to layer 1; layers: activations of each layer,
    (n_samples, width) each; slope: optional local slope of the activation at the last
    layer's pre-activations, same shape as layers[-1]; gradients: optional dL/dz of each
    layer, layer 1 first, as ``backpropagate`` returns them. Checked in this order: overflow,
    identical units (symmetry), vanishing or exploding signal (std per layer below x0.5 or
    above x2 from layer 1 on; a single layer: below x0.15 or above x4 of the input's),
    saturation (slope < 0.05 for over 60% of the units), vanishing or exploding gradient
    (with two layers or more: its std per layer, going back, below x0.5 or above x2), slow
    drift of the signal, then of the gradient (from the first layer to the last, a change
    outside x0.5..x2), healthy.
    """
    last = layers[-1]
    if not np.all(np.isfinite(last)):
        return "overflow: the last layer holds inf or nan"
    if last.ndim == 2 and last.shape[1] > 1 and np.all(np.ptp(last, axis=1) == 0):
        return "all units of a layer are identical: the symmetry problem"
    last_std = float(last.std())
    if last_std < 1e-6:
        return "the signal has vanished"
    # With several layers, judge the change from layer to layer (what the initialiser
    # controls); a single layer can only be compared with its input, loosely, since an
    # activation like the sigmoid squeezes its output whatever the weights.
    if len(layers) > 1:
        first, low, high = layers[0], 0.5, 2.0
    else:
        first, low, high = inputs, 0.15, 4.0
    per_layer = _per_layer(float(first.std()), last_std, len(layers) - 1)
    if per_layer < low:
        return f"the signal vanishes (std × {per_layer:.2g} per layer)"
    if per_layer > high:
        return f"the signal explodes (std × {per_layer:.2g} per layer)"
    if slope is not None and np.mean(np.abs(slope) < 0.05) > 0.6:
        return f"{np.mean(np.abs(slope) < 0.05):.0%} of the units are saturated or off (slope near 0)"
    steps = len(layers) - 1
    back = None
    if gradients is not None and len(gradients) > 1:
        first_std, last_std = float(gradients[-1].std()), float(gradients[0].std())
        if not (np.isfinite(first_std) and np.isfinite(last_std)) or first_std == 0:
            return "the gradient does not flow back: it is 0 or not finite"
        back = _per_layer(first_std, last_std, len(gradients) - 1)
        if back < 0.5:
            return f"the gradient vanishes going back (× {back:.2g} per layer)"
        if back > 2:
            return f"the gradient explodes going back (× {back:.2g} per layer)"
    for name, factor, direction in (("spread", per_layer, ""), ("gradient", back, " going back")):
        if steps and factor is not None and not 0.5 <= factor**steps <= 2:
            trend = "shrinks" if factor < 1 else "grows"
            return f"the {name} {trend}{direction} (× {factor:.2g} per layer, × {factor**steps:.2g} in all)"
    return "healthy: the spread holds, forward and backward"


def _histograms(fig: Figure, layers: list[np.ndarray], bins: int = 40) -> None:
    """One histogram per layer on a shared x range, _COLUMNS per row, titled with mean and std.

    Drawn with ``stairs`` (one artist per panel) and a fixed layout rather than the
    constrained one: about twice as fast, so the widget answers within a second.
    """
    depth = len(layers)
    columns = min(depth, _COLUMNS)
    rows = math.ceil(depth / columns)
    fig.set_layout_engine(None)
    height = fig.get_figheight()  # margins in inches: room for the suptitle and the x labels
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.6 / height, top=1 - 0.9 / height,
                        wspace=0.3, hspace=0.65)
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for unused in axes[depth:]:
        unused.set_visible(False)
    finite = [a[np.isfinite(a)] for a in layers]
    everything = np.concatenate([a.ravel() for a in finite])
    low, high = (float(everything.min()), float(everything.max())) if everything.size else (-1.0, 1.0)
    if low == high:  # e.g. every unit at 0: widen so the bar is visible
        low, high = low - 0.5, high + 0.5
    for number, (values, ax) in enumerate(zip(finite, axes), start=1):
        counts, edges = np.histogram(values, bins=bins, range=(low, high))
        ax.stairs(counts, edges, fill=True, color="tab:blue", alpha=0.8)
        ax.set_xlim(low, high)
        ax.locator_params(nbins=4)
        ax.tick_params(labelsize="small")
        stats = f"mean {values.mean():.2g}, std {values.std():.2g}" if values.size else "no finite values"
        ax.set_title(f"layer {number}\n{stats}", fontsize="small")
        if (number - 1) % columns == 0:
            ax.set_ylabel("count", fontsize="small")
        if number > depth - columns:
            ax.set_xlabel("activation value", fontsize="small")


class ActivationExplorer(Explorer):
    """Pick an activation, an initialiser and a depth; see the activations of every layer.

    activations: display name -> activation function ``f(z) -> a`` (elementwise), or None
    for nnlib's; initializers: display name -> ``init(fan_in, fan_out, rng) -> W``, or None
    for nnlib's; a name may map to None (it then explains what to pass).
    depth: initial number of layers (1..max_depth); width: units per layer; n_samples: rows
    of the input batch; seed: the same seed gives the same figure for the same settings.

    Controls (keys): ``activation``, ``init``, ``depth``. See ``nnlib.widgets.explorer.Explorer``
    for ``set``, ``status``, ``png``, ``result``, ``error``.
    """

    def __init__(self, activations: Mapping[str, Activation | None] | None = None,
                 initializers: Mapping[str, Initializer | None] | None = None, *,
                 activation: str | None = None, init: str | None = None, depth: int = 6,
                 max_depth: int = 10, width: int = 100, n_samples: int = 500, seed: int = 0) -> None:
        self.activations = dict(default_activations() if activations is None else activations)
        self.initializers = dict(default_initializers() if initializers is None else initializers)
        if not self.activations or not self.initializers:
            raise ValueError("give at least one activation and one initialiser")
        if not 1 <= depth <= max_depth:
            raise ValueError(f"depth must lie in [1, max_depth={max_depth}], got {depth}")
        if width < 1 or n_samples < 1:
            raise ValueError(f"width and n_samples must be positive, got {width} and {n_samples}")
        self.width, self.n_samples, self.seed = width, n_samples, seed
        controls = {
            "activation": dropdown("activation", list(self.activations), activation),
            "init": dropdown("initialisation", list(self.initializers), init),
            "depth": int_slider("layers", depth, 1, max_depth),
        }
        rows = math.ceil(max_depth / _COLUMNS)
        super().__init__(controls, self._draw, figsize=(11, 2.6 * rows), name="activation-explorer")

    @staticmethod
    def _chosen(kind: str, table: Mapping[str, Any], name: str) -> Any:
        """The function chosen under ``name``, or the error that says how to pass it."""
        return require(table[name], "function", f"the {kind} {name!r}",
                       argument=f"{kind}s={{{name!r}: your_function}}")

    def _draw(self, values: dict[str, Any], fig: Figure) -> str:
        activation = self._chosen("activation", self.activations, values["activation"])
        initializer = self._chosen("initializer", self.initializers, values["init"])
        depth = values["depth"]
        rng = np.random.default_rng(self.seed)
        signal = propagate(activation, initializer, depth, self.width, self.n_samples, rng)
        layers = signal.activations
        gradients = backpropagate(activation, signal, rng)
        slope = _slope(activation, signal.pre_activations[-1])
        _histograms(fig, layers)
        fig.suptitle(f"{values['activation']} activations, {values['init']} weights: "
                     f"{self.n_samples} inputs through {depth} layers of {self.width} units\n"
                     f"std of the signal: input {signal.inputs.std():.3g}, layer 1 {layers[0].std():.3g}, "
                     f"layer {depth} {layers[-1].std():.3g};  of the gradient going back: "
                     f"layer {depth} {gradients[-1].std():.3g}, layer 1 {gradients[0].std():.3g}")
        # The status line holds the diagnosis alone, short enough to be read whole.
        return diagnose_spread(signal.inputs, layers, slope, gradients)
