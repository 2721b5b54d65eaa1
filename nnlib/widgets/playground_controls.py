"""The Playground's controls: one ipywidgets control per setting, all of one width.

``make_controls(settings)`` returns key -> control for every key of ``DEFAULTS``. Sliders over
fixed choices (learning rate, λ, batch size, speed) step through round values (0.001, 0.003,
0.01, ...) and show the value itself. Two controls are built here from smaller widgets, each
with a ``value`` trait as any control has: ``LayerWidths`` (the hidden layers, a tuple of
widths, with buttons to add and remove a layer) and ``FeatureChoice`` (the input features,
toggle buttons).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from nnlib.widgets.explorer import dropdown, float_slider, toggle
from nnlib.widgets.playground_problems import CLASSIFICATION, FEATURE_LABELS, FEATURES, REGRESSION
from nnlib.widgets.playground_settings import (
    ACTIVATIONS,
    BATCH_SIZES,
    LEARNING_RATES,
    MAX_LAYERS,
    MAX_WIDTH,
    OPTIMIZERS,
    PENALTIES,
    PENALTY_STRENGTHS,
    SPEEDS,
)

__all__ = ["CONTROL_WIDTH", "LayerWidths", "FeatureChoice", "make_controls", "number_label"]

CONTROL_WIDTH = "275px"
_DESCRIPTION_WIDTH = "95px"  # the same for every control, so the sliders line up


def number_label(value: float) -> str:
    """A number as a person writes it: 0.0001, 0.03, 10 (no 1e-05, no 10.0)."""
    return f"{value:.10f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _uniform(control: widgets.DOMWidget) -> widgets.DOMWidget:
    """Give ``control`` the common width and description width; return it."""
    control.layout.width = CONTROL_WIDTH
    control.style.description_width = _DESCRIPTION_WIDTH
    return control


def _choice_slider(description: str, choices: Sequence[Any], value: Any) -> widgets.SelectionSlider:
    """A slider that steps through ``choices``, showing each as ``number_label`` writes it."""
    return _uniform(widgets.SelectionSlider(
        options=[(number_label(choice), choice) for choice in choices], value=value,
        description=description, continuous_update=False))


class LayerWidths(widgets.VBox):
    """The hidden layers: ``value`` is a tuple of widths (1 .. MAX_WIDTH), at most MAX_LAYERS.

    "+ layer" adds a layer as wide as the last one (or 4), "− layer" removes the last one,
    and each layer's width is a number box.
    """

    value = traitlets.Tuple()

    def __init__(self, value: Sequence[int], description: str = "hidden layers") -> None:
        self._label = widgets.Label(description, layout={"width": _DESCRIPTION_WIDTH})
        self.add_button = widgets.Button(description="+ layer", layout={"width": "70px"})
        self.remove_button = widgets.Button(description="− layer", layout={"width": "70px"})
        self.add_button.on_click(lambda _: self._resize(+1))
        self.remove_button.on_click(lambda _: self._resize(-1))
        self._boxes = widgets.HBox(layout={"flex_flow": "row wrap"})
        super().__init__([widgets.HBox([self._label, self.remove_button, self.add_button]),
                          self._boxes], layout={"width": CONTROL_WIDTH})
        self.observe(self._show, names="value")
        self.value = tuple(value)
        self._show()

    def _resize(self, change: int) -> None:
        if change > 0 and len(self.value) < MAX_LAYERS:
            self.value = self.value + (self.value[-1] if self.value else 4,)
        elif change < 0 and self.value:
            self.value = self.value[:-1]

    def _show(self, _: Any = None) -> None:
        """One number box per layer, showing ``value``."""
        boxes = []
        for i, width in enumerate(self.value):
            box = widgets.BoundedIntText(value=width, min=1, max=MAX_WIDTH,
                                         layout={"width": "52px"})
            box.observe(lambda change, i=i: self._set_width(i, change["new"]), names="value")
            boxes.append(box)
        self._boxes.children = boxes
        self.add_button.disabled = len(self.value) >= MAX_LAYERS
        self.remove_button.disabled = not self.value

    def _set_width(self, index: int, width: int) -> None:
        if self.value[index] != width:
            self.value = self.value[:index] + (width,) + self.value[index + 1:]


class FeatureChoice(widgets.VBox):
    """The input features: ``value`` is a tuple of names of ``FEATURES``, never empty (the
    last one on cannot be switched off)."""

    value = traitlets.Tuple()

    def __init__(self, value: Sequence[str], description: str = "input features") -> None:
        self.buttons = {name: widgets.ToggleButton(description=FEATURE_LABELS[name],
                                                   layout={"width": "60px"})
                        for name in FEATURES}
        for name, button in self.buttons.items():
            button.observe(lambda change, name=name: self._toggled(name, change["new"]),
                           names="value")
        super().__init__([widgets.Label(description),
                          widgets.HBox(list(self.buttons.values()),
                                       layout={"flex_flow": "row wrap"})],
                         layout={"width": CONTROL_WIDTH})
        self._showing = False  # True while _show sets the buttons
        self.observe(self._show, names="value")
        self.value = tuple(value)
        self._show()

    def _toggled(self, name: str, on: bool) -> None:
        if self._showing:
            return
        chosen = [each for each in FEATURES if self.buttons[each].value]
        if not chosen:  # the last feature: keep it
            self.buttons[name].value = True
            return
        if tuple(chosen) != self.value:
            self.value = tuple(chosen)

    def _show(self, _: Any = None) -> None:
        self._showing = True
        try:
            for name, button in self.buttons.items():
                button.value = name in self.value
        finally:
            self._showing = False


def make_controls(s: dict[str, Any]) -> dict[str, widgets.DOMWidget]:
    """One control per setting, showing the settings ``s`` (key -> control)."""
    datasets = [(name, name) for name in CLASSIFICATION] + [
        (f"{name} (regression)", name) for name in REGRESSION]
    return {
        "dataset": _uniform(dropdown("data", datasets, s["dataset"])),
        "noise": _uniform(float_slider("noise", s["noise"], 0.0, 0.5, 0.05)),
        "train_ratio": _uniform(float_slider("training share", s["train_ratio"], 0.1, 0.9, 0.1)),
        "points": _uniform(widgets.IntSlider(s["points"], min=100, max=1000, step=50,
                                             description="points", continuous_update=False)),
        "seed": _uniform(widgets.BoundedIntText(value=s["seed"], min=0, max=2**31 - 1,
                                                description="seed")),
        "features": FeatureChoice(s["features"]),
        "hidden": LayerWidths(s["hidden"]),
        "activation": _uniform(dropdown("activation", ACTIVATIONS, s["activation"])),
        "batchnorm": toggle("batch norm", s["batchnorm"]),
        "dropout": _uniform(float_slider("dropout rate", s["dropout"], 0.0, 0.8, 0.05)),
        "lr": _choice_slider("learning rate", LEARNING_RATES, s["lr"]),
        "batch_size": _choice_slider("batch size", BATCH_SIZES, s["batch_size"]),
        "optimizer": _uniform(dropdown("optimizer", OPTIMIZERS, s["optimizer"])),
        "beta1": _uniform(float_slider("β1", s["beta1"], 0.0, 0.999, 0.001)),
        "beta2": _uniform(float_slider("β2", s["beta2"], 0.9, 0.9999, 0.0001)),
        "reg": _uniform(dropdown("penalty", PENALTIES, s["reg"])),
        "lam": _choice_slider("λ", PENALTY_STRENGTHS, s["lam"]),
        "speed": _choice_slider("epochs/frame", SPEEDS, s["speed"]),
        "show_test": toggle("show test data", s["show_test"]),
        "discretize": toggle("discretize output", s["discretize"]),
        "log_loss": toggle("log scale for the loss", s["log_loss"]),
    }
