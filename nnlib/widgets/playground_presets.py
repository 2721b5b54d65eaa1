"""The Playground's presets: setups that each teach one thing, with what to watch for.

Each preset is settings over ``DEFAULTS`` and a lesson. Presets come in pairs or triples: the
second changes one thing of the first, and since loading a preset starts a new run, the first
run stays on the loss chart as a ghost to compare against. tests/test_playground_presets.py
checks that each lesson says what the numbers do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Preset", "PRESETS"]


@dataclass(frozen=True)
class Preset:
    """Settings over the defaults, and the lesson: what to do and what to watch."""

    settings: dict[str, Any]
    lesson: str


_OVERFIT = {"dataset": "xor", "noise": 0.4, "points": 100, "hidden": (8, 8, 8),
            "activation": "relu", "lr": 0.01, "batch_size": 8, "show_test": True}
_DEEP_SIGMOID = {"dataset": "circles", "hidden": (8, 8, 8, 8, 8, 8), "activation": "sigmoid",
                 "optimizer": "SGD", "lr": 0.1, "batch_size": 16}
_RAVINE = {"dataset": "circles", "noise": 0.05, "features": ("x1^2", "x2^2"), "hidden": (),
           "optimizer": "SGD", "lr": 0.03, "log_loss": True}

PRESETS: dict[str, Preset] = {
    "over-fitting": Preset(
        _OVERFIT,
        "A large network on 50 noisy training points. Play for 300 epochs: the training loss "
        "keeps falling, but the test loss turns up after a few dozen epochs and ends more than "
        "twice its lowest. The network learns the noise. Next: two cures."),
    "over-fitting cured by L2": Preset(
        {**_OVERFIT, "reg": "L2", "lam": 0.3},
        "The same network and data with an L2 penalty (λ = 0.3). Play for 300 epochs: the test "
        "loss ends at about half of what it reached without it (the ghost)."),
    "over-fitting cured by dropout": Preset(
        {**_OVERFIT, "dropout": 0.3},
        "The same network and data with dropout 0.3. Play for 300 epochs: the test loss ends "
        "at about half of what it reached without it (the ghost), and the training loss stays "
        "higher: the network can no longer lean on single neurons."),
    "vanishing gradients": Preset(
        _DEEP_SIGMOID,
        "Six sigmoid layers trained with SGD. Play for 200 epochs: the loss hardly moves from "
        "0.69, a coin toss. Each sigmoid scales the gradient by at most 1/4 on its way back, so "
        "the first layers barely learn: their weights hardly change (hover over their neurons)."),
    "batch norm rescues it": Preset(
        {**_DEEP_SIGMOID, "batchnorm": True},
        "The same deep sigmoid network with batch norm after each layer. Play for 200 epochs: "
        "the loss falls well below 0.2, while the ghost (without batch norm) stayed near 0.69."),
    "a ravine: SGD": Preset(
        _RAVINE,
        "No hidden layer, the inputs x1² and x2²: the loss surface is a long narrow valley (the "
        "two features and the bias move together). SGD zigzags across it and creeps along. "
        "Play 100 epochs, then load the next lesson."),
    "a ravine: Adam": Preset(
        {**_RAVINE, "optimizer": "Adam"},
        "The same valley with Adam at the same learning rate: after 100 epochs its loss is "
        "more than ten times lower than SGD's (the ghost; the loss axis is logarithmic)."),
}
