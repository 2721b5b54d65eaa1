"""The Playground's settings: their defaults and choices, their checks, and the page's URL.

A setup is a dict of every key of ``DEFAULTS``. The keys fall in three kinds:

- ``SETUP_KEYS`` change the data or the network, so a new run starts;
- ``LIVE_KEYS`` change how training goes on (learning rate, batch size, optimizer, penalty):
  they apply from the next epoch, and the code view writes the change at that epoch;
- ``VIEW_KEYS`` change only what is shown, or how fast.

``to_query`` writes the settings that differ from the defaults as a URL query string
(``dataset=moons&hidden=4,2&lr=0.1``), and ``from_query`` reads one back, so a link
reproduces a setup; Voilà hands the page's query string to the kernel as ``QUERY_STRING``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from nnlib.widgets.playground_problems import CLASSIFICATION, FEATURES, REGRESSION

__all__ = [
    "DEFAULTS",
    "SETUP_KEYS",
    "LIVE_KEYS",
    "VIEW_KEYS",
    "ACTIVATIONS",
    "OPTIMIZERS",
    "PENALTIES",
    "LEARNING_RATES",
    "PENALTY_STRENGTHS",
    "BATCH_SIZES",
    "SPEEDS",
    "MAX_LAYERS",
    "MAX_WIDTH",
    "check_settings",
    "epochs_per_frame",
    "to_query",
    "from_query",
]

DEFAULTS: dict[str, Any] = {
    # the data
    "dataset": "circles", "noise": 0.1, "train_ratio": 0.5, "points": 400, "seed": 0,
    # the network
    "features": ("x1", "x2"), "hidden": (8, 8), "activation": "tanh", "batchnorm": False,
    "dropout": 0.0,
    # training
    "lr": 0.03, "batch_size": 16, "optimizer": "Adam", "beta1": 0.9, "beta2": 0.999,
    "reg": "none", "lam": 0.01,
    # the view
    "speed": "auto", "show_test": False, "discretize": False, "log_loss": False,
}
SETUP_KEYS = ("dataset", "noise", "train_ratio", "points", "seed", "features", "hidden",
              "activation", "batchnorm", "dropout")
LIVE_KEYS = ("lr", "batch_size", "optimizer", "beta1", "beta2", "reg", "lam")
VIEW_KEYS = ("speed", "show_test", "discretize", "log_loss")

ACTIVATIONS = ("tanh", "relu", "leaky_relu", "sigmoid")
OPTIMIZERS = ("SGD", "Momentum", "RMSprop", "Adam")
PENALTIES = ("none", "L1", "L2")
# Round steps, as on a calculator's log scale: 1, 3, 10, 30, ...
LEARNING_RATES = (0.00001, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
PENALTY_STRENGTHS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256)
# Epochs trained per frame while playing; "auto" is slow at the start, where the network
# changes most, and faster later (see epochs_per_frame).
SPEEDS = ("auto", 1, 2, 5, 10, 20, 50)
# "auto": (from this epoch on, this many epochs per frame)
_AUTO_SPEED = ((0, 1), (100, 2), (200, 5), (500, 10))
MAX_LAYERS = 6
MAX_WIDTH = 8

# key -> (low, high) for the numbers that are not a choice from a list
_RANGES = {"noise": (0.0, 0.5), "train_ratio": (0.1, 0.9), "points": (100, 1000),
           "seed": (0, 2**31 - 1), "dropout": (0.0, 0.8), "beta1": (0.0, 0.999),
           "beta2": (0.9, 0.9999)}
_CHOICES = {"dataset": CLASSIFICATION + REGRESSION, "activation": ACTIVATIONS,
            "optimizer": OPTIMIZERS, "reg": PENALTIES, "lr": LEARNING_RATES,
            "lam": PENALTY_STRENGTHS, "batch_size": BATCH_SIZES, "speed": SPEEDS}


def _check_one(key: str, value: Any) -> Any:
    """The value of setting ``key`` in its canonical type, or ValueError saying what is allowed."""
    default = DEFAULTS[key]
    if key == "features":
        value = tuple(value)
        if not value or len(set(value)) != len(value) or not set(value) <= set(FEATURES):
            raise ValueError(f"features must be a non-empty choice, without repeats, of "
                             f"{', '.join(FEATURES)}; got {value}")
        return tuple(name for name in FEATURES if name in value)  # the network view's order
    if key == "hidden":
        value = tuple(int(width) for width in value)
        if len(value) > MAX_LAYERS or any(not 1 <= width <= MAX_WIDTH for width in value):
            raise ValueError(f"hidden must list at most {MAX_LAYERS} layer widths, each from 1 "
                             f"to {MAX_WIDTH}; got {value}")
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be True or False, got {value!r}")
        return value
    if key in _CHOICES:
        matches = [choice for choice in _CHOICES[key] if choice == value]
        if not matches:
            raise ValueError(f"{key} must be one of {', '.join(map(str, _CHOICES[key]))}; "
                             f"got {value!r}")
        return matches[0]
    low, high = _RANGES[key]
    if isinstance(default, int) and (isinstance(value, bool) or value != int(value)):
        raise ValueError(f"{key} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{key} must be from {low} to {high}, got {value!r}")
    return type(default)(value)


def check_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``settings`` over the defaults, each checked and in its canonical type.

    TypeError names unknown keys; ValueError names a value outside its choices or range.
    """
    unknown = sorted(set(settings) - set(DEFAULTS))
    if unknown:
        raise TypeError(f"unknown Playground settings {unknown}; known: {sorted(DEFAULTS)}")
    return {key: _check_one(key, settings.get(key, DEFAULTS[key])) for key in DEFAULTS}


def epochs_per_frame(speed: int | str, epoch: int) -> int:
    """How many epochs a frame trains at ``speed`` (one of SPEEDS) when the run is at
    ``epoch``: the speed itself, or for "auto" 1 until epoch 100, 2 until 200, 5 until 500,
    then 10."""
    if speed != "auto":
        return int(speed)
    return [epochs for start, epochs in _AUTO_SPEED if epoch >= start][-1]


def _text(value: Any) -> str:
    """A setting's value as written in a URL: tuples comma-separated, booleans as 1/0."""
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _parse(key: str, text: str) -> Any:
    """The value a URL's ``text`` stands for, for setting ``key`` (checked by _check_one)."""
    default = DEFAULTS[key]
    if key == "features":
        return tuple(part for part in text.split(",") if part)
    if key == "hidden":
        return tuple(int(part) for part in text.split(",") if part)
    if isinstance(default, bool):
        if text.lower() not in ("1", "0", "true", "false", "on", "off"):
            raise ValueError(f"{key} must be 1 or 0, got {text!r}")
        return text.lower() in ("1", "true", "on")
    if key in _CHOICES:  # the choice written so, or equal as a number ("1e-05" is 0.00001)
        for choice in _CHOICES[key]:
            if text == _text(choice) or (not isinstance(choice, str) and _number(text) == choice):
                return choice
        return text  # not a choice: _check_one says which are
    if isinstance(default, (int, float)):
        number = float(text)
        return int(number) if isinstance(default, int) and number == int(number) else number
    return text


def _number(text: str) -> float | None:
    """``text`` as a number, or None if it is not one."""
    try:
        return float(text)
    except ValueError:
        return None


def to_query(settings: Mapping[str, Any]) -> str:
    """The settings that differ from ``DEFAULTS``, as a URL query string (without the "?")."""
    changed = {key: _text(value) for key, value in settings.items() if value != DEFAULTS[key]}
    return urllib.parse.urlencode(changed, safe=",^")


def from_query(query: str) -> tuple[dict[str, Any], list[str]]:
    """The settings a URL query string gives, and a list of what in it was ignored, and why.

    ``"dataset=moons&lr=0.1"`` -> ``({"dataset": "moons", "lr": 0.1}, [])``. A leading "?" is
    allowed. An unknown key or a bad value is left out and named in the list, so a mistyped
    link still opens the Playground.
    """
    settings: dict[str, Any] = {}
    ignored: list[str] = []
    for key, text in urllib.parse.parse_qsl(query.lstrip("?"), keep_blank_values=True):
        if key not in DEFAULTS:
            ignored.append(f"unknown setting {key!r}")
            continue
        try:
            settings[key] = _check_one(key, _parse(key, text))
        except ValueError as error:
            ignored.append(f"{key}={text}: {error}")
    return settings, ignored
