"""The shared widget building blocks (nnlib.widgets.explorer), in-process (no kernel, no browser).

Setting a control's value from Python fires its observers synchronously, so these tests drive
an Explorer exactly as a slider would. The figure is read back from ``out.outputs`` (the
Explorer writes it there itself) and from ``png``.
"""

from __future__ import annotations

import base64

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from nnlib.widgets.explorer import (
    Explorer,
    button,
    dropdown,
    figure_png,
    float_slider,
    format_settings,
    int_slider,
    log_slider,
    show_png,
    tag,
    toggle,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _decay_draw(values: dict, fig: Figure) -> str:
    """A cheap stand-in for a chapter's training curve: exp(-lr * epoch)."""
    epochs = np.arange(values["epochs"] + 1)
    losses = np.exp(-values["lr"] * epochs)
    ax = fig.add_subplot()
    ax.plot(epochs, losses)
    ax.set(xlabel="epoch", ylabel="loss")
    return f"final loss {losses[-1]:.4f}"


def _explorer() -> Explorer:
    return Explorer({"lr": log_slider("learning rate", 0.01, 1e-3, 10.0),
                     "epochs": int_slider("epochs", 50, 5, 200, step=5)}, _decay_draw)


def _png_in(out: widgets.Output) -> bytes:
    images = [o for o in out.outputs if o["output_type"] == "display_data"]
    assert len(images) == 1, f"expected one image in the Output widget, got {out.outputs}"
    return base64.b64decode(images[0]["data"]["image/png"])


def test_explorer_draws_once_when_created_and_states_settings():
    explorer = _explorer()
    assert explorer.renders == 1
    assert explorer.status.value == "lr=0.01, epochs=50 — final loss 0.6065"
    assert _png_in(explorer.out) == explorer.png
    assert explorer.png.startswith(PNG_SIGNATURE)
    assert explorer.error is None


def test_moving_a_slider_redraws_with_the_new_value():
    explorer = _explorer()
    before = explorer.png
    explorer.controls["lr"].value = 0.1
    assert explorer.renders == 2
    assert explorer.status.value == "lr=0.1, epochs=50 — final loss 0.0067"
    assert _png_in(explorer.out) != before


def test_set_changes_several_controls_and_redraws_once():
    explorer = _explorer()
    status = explorer.set(lr=0.1, epochs=100)
    assert status == "lr=0.1, epochs=100 — final loss 0.0000"
    assert explorer.values == {"lr": 0.1, "epochs": 100}
    assert explorer.renders == 2  # one draw at creation, one for both changes


def test_set_rejects_an_unknown_control():
    with pytest.raises(KeyError, match="momentum"):
        _explorer().set(momentum=0.9)


def test_a_students_unfinished_function_is_shown_not_raised():
    def draw(values, fig):
        raise NotImplementedError("02_backprop: write relu_backward first")

    explorer = Explorer({"x": float_slider("x", 0.5, 0.0, 1.0, 0.1)}, draw)
    assert isinstance(explorer.error, NotImplementedError)
    assert explorer.status.value == (
        "x=0.5 — error: NotImplementedError: 02_backprop: write relu_backward first")
    assert explorer.out.outputs[0]["output_type"] == "stream"
    assert "relu_backward" in explorer.out.outputs[0]["text"]
    assert explorer.png is None


def test_explorer_recovers_after_the_error_is_fixed():
    calls = []

    def draw(values, fig):
        calls.append(values["x"])
        if len(calls) == 1:
            raise ValueError("shapes (3,4) and (3,4) not aligned")
        fig.add_subplot().plot([0, values["x"]])

    explorer = Explorer({"x": float_slider("x", 0.5, 0.0, 1.0, 0.1)}, draw)
    assert explorer.error is not None
    explorer.controls["x"].value = 0.7
    assert explorer.error is None
    assert explorer.status.value == "x=0.7"
    assert _png_in(explorer.out).startswith(PNG_SIGNATURE)


def test_text_printed_by_draw_is_shown_above_the_figure():
    def draw(values, fig):
        print("training with lr", values["lr"])
        fig.add_subplot()

    explorer = Explorer({"lr": log_slider("lr", 0.1, 1e-3, 1.0)}, draw)
    assert explorer.out.outputs[0] == {"output_type": "stream", "name": "stdout",
                                       "text": "training with lr 0.1\n"}
    assert explorer.out.outputs[1]["output_type"] == "display_data"


def test_controls_and_views_carry_stable_css_classes():
    explorer = Explorer({"lr": log_slider("learning rate", 0.01, 1e-3, 10.0)},
                        lambda values, fig: None, name="lr-explorer")
    assert "nn-lr" in explorer.controls["lr"]._dom_classes
    assert "nn-status" in explorer.status._dom_classes
    assert "nn-plot" in explorer.out._dom_classes
    assert {"nn-explorer", "nn-lr-explorer"} <= set(explorer._dom_classes)


def test_extra_widgets_sit_with_the_controls():
    resample = button("new sample")
    explorer = Explorer({"n": int_slider("n", 10, 1, 100)}, lambda v, f: None, extra=[resample])
    resample.on_click(lambda _: explorer.redraw())
    resample.click()
    assert explorer.renders == 2
    assert resample in explorer.children[0].children


def test_log_slider_spans_the_given_values_and_updates_on_release():
    slider = log_slider("learning rate", 0.01, 1e-4, 10.0)
    assert (slider.base, slider.min, slider.max) == (10, -4, 1)
    assert slider.value == pytest.approx(0.01)
    assert slider.continuous_update is False
    assert slider.style.description_width == "initial"


@pytest.mark.parametrize("low, high, value", [(0.0, 1.0, 0.5), (1.0, 0.1, 0.5), (0.1, 1.0, 5.0)])
def test_log_slider_rejects_a_bad_range(low, high, value):
    with pytest.raises(ValueError):
        log_slider("lr", value, low, high)


@pytest.mark.parametrize("step, shown", [(0.1, ".1f"), (0.05, ".2f"), (0.001, ".3f"),
                                         (0.0001, ".4f"), (1.0, ".0f")])
def test_float_slider_readout_shows_the_steps_decimals(step, shown):
    assert float_slider("beta", 0.0, 0.0, 1.0, step).readout_format == shown


def test_factories_make_the_expected_controls():
    assert dropdown("optimizer", ["SGD", "Adam"]).value == "SGD"
    assert dropdown("init", [("He", "he"), ("Xavier", "xavier")]).value == "he"
    assert dropdown("init", ["he", "xavier"], "xavier").value == "xavier"
    assert toggle("batch norm").value is False
    assert int_slider("units", 4, 1, 16).continuous_update is False
    assert tag(widgets.Label(), "loss")._dom_classes == ("nn-loss",)
    with pytest.raises(ValueError):
        dropdown("empty", [])


def test_format_settings_is_short_and_readable():
    assert format_settings({"lr": 0.1, "epochs": 50, "bn": True, "opt": "Adam",
                            "lam": 0.000123456}) == "lr=0.1, epochs=50, bn=on, opt=Adam, lam=0.0001235"


def test_figure_png_and_show_png_round_trip():
    fig = Figure(figsize=(2, 1), dpi=50)
    fig.add_subplot().plot([0, 1])
    png = figure_png(fig)
    assert png.startswith(PNG_SIGNATURE)
    out = widgets.Output()
    show_png(out, png, "note\n")
    assert out.outputs[0]["text"] == "note\n"
    assert _png_in(out) == png
    show_png(out, None)
    assert out.outputs == ()


def test_an_explorer_without_auto_redraws_only_when_run_is_pressed():
    explorer = Explorer({"n": int_slider("trials", 10, 1, 100)},
                        lambda values, fig: f"best of {values['n']}", auto=False)
    assert explorer.status.value == "n=10 — best of 10"  # drawn once at creation
    explorer.controls["n"].value = 20
    assert explorer.renders == 1
    assert explorer.status.value == "n=20 — press run"
    explorer.run_button.click()
    assert explorer.renders == 2
    assert explorer.status.value == "n=20 — best of 20"
    assert "nn-run" in explorer.run_button._dom_classes
