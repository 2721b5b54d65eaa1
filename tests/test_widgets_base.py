"""The shared widget building blocks (nnlib.widgets.explorer), in-process (no kernel, no browser).

Setting a control's value from Python fires its observers synchronously, so these tests drive
an Explorer exactly as a slider would. The figure is read back from ``out.outputs`` (the
Explorer writes it there itself) and from ``png``.
"""

from __future__ import annotations

import warnings

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from traitlets import TraitError

from fixtures import support
from nnlib.widgets.explorer import (
    WARNING_CHARS,
    Controlled,
    Explorer,
    button,
    check_functions,
    dropdown,
    figure_png,
    float_slider,
    format_settings,
    int_slider,
    log_slider,
    message_panel,
    require,
    show_error,
    show_png,
    tag,
    toggle,
)


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


def test_explorer_draws_once_when_created_and_states_settings():
    explorer = _explorer()
    assert explorer.renders == 1
    assert explorer.status.value == "lr=0.01, epochs=50 — final loss 0.6065"
    assert support.png_in(explorer.out) == explorer.png
    assert explorer.png.startswith(support.PNG_SIGNATURE)
    assert explorer.error is None


def test_moving_a_slider_redraws_with_the_new_value():
    explorer = _explorer()
    before = explorer.png
    explorer.controls["lr"].value = 0.1
    assert explorer.renders == 2
    assert explorer.status.value == "lr=0.1, epochs=50 — final loss 0.0067"
    assert support.png_in(explorer.out) != before


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
    assert support.png_in(explorer.out).startswith(support.PNG_SIGNATURE)


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
    assert png.startswith(support.PNG_SIGNATURE)
    out = widgets.Output()
    show_png(out, png, "note\n")
    assert out.outputs[0]["text"] == "note\n"
    assert support.png_in(out) == png
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


# --- Warnings raised while draw runs ---------------------------------------------------------

def _overflowing_draw(values: dict, fig: Figure) -> str:
    """A student's sigmoid that overflows for large inputs, twice (the warning shows once)."""
    z = np.array([-1000.0, 0.0, values["x"]])
    fig.add_subplot().plot(z, 1 / (1 + np.exp(-z)))
    fig.add_subplot().plot(z, 1 / (1 + np.exp(-z)))
    return "plotted"


def test_warnings_of_draw_go_to_the_status_line_not_to_stderr():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escaped would fail here
        explorer = Explorer({"x": float_slider("x", 0.5, 0.0, 1.0, 0.1)}, _overflowing_draw)
    assert explorer.error is None and explorer.result == "plotted"
    assert explorer.warnings == ["overflow encountered in exp"]
    assert explorer.status.value == "x=0.5 — plotted; warning: overflow encountered in exp"
    assert support.png_in(explorer.out).startswith(support.PNG_SIGNATURE)


def test_warnings_without_a_result_are_sorted_and_the_next_draw_forgets_them():
    def draw(values, fig):
        if values["n"] == 1:
            warnings.warn("b: second")
            warnings.warn("a: first")

    explorer = Explorer({"n": int_slider("n", 1, 1, 2)}, draw)
    assert explorer.status.value == "n=1 — warning: a: first; b: second"
    explorer.controls["n"].value = 2
    assert explorer.warnings == [] and explorer.status.value == "n=2"


def test_a_long_warning_is_cut_to_the_stated_length():
    explorer = Explorer({"n": int_slider("n", 1, 1, 2)},
                        lambda values, fig: warnings.warn("overflow " * 100))
    shown = explorer.status.value.split(" — warning: ")[1]
    assert len(shown) == WARNING_CHARS == 200
    assert shown == ("overflow " * 100)[:WARNING_CHARS - 1] + "…"
    assert explorer.warnings == ["overflow " * 100], "the attribute keeps the whole message"


# --- The functions a student passes in --------------------------------------------------------

def test_require_returns_a_given_function_and_explains_a_missing_one():
    assert require(np.tanh, "tanh", "the tanh activation") is np.tanh
    with pytest.raises(ValueError) as missing:
        require(None, "l2_grad", "the L2 penalty")
    assert str(missing.value) == "the L2 penalty needs your l2_grad: create the explorer with l2_grad=l2_grad"
    with pytest.raises(ValueError) as missing:
        require(None, "grid_search", "grid search", owner="dashboard")
    assert str(missing.value) == ("grid search needs your grid_search: "
                                  "create the dashboard with grid_search=grid_search")
    with pytest.raises(ValueError) as missing:
        require(None, "function", "the initializer 'He'", argument="initializers={'He': your_function}")
    assert str(missing.value) == ("the initializer 'He' needs your function: "
                                  "create the explorer with initializers={'He': your_function}")


def test_a_missing_function_shows_in_the_status_line_of_the_setting_that_needs_it():
    functions = {"sgd_update": None}

    def draw(values, fig):
        if values["optimizer"] == "SGD":
            require(functions["sgd_update"], "sgd_update", "SGD")
        fig.add_subplot()

    explorer = Explorer({"optimizer": dropdown("optimizer", ["SGD", "Adam"])}, draw)
    assert explorer.status.value == ("optimizer=SGD — error: ValueError: SGD needs your sgd_update: "
                                     "create the explorer with sgd_update=sgd_update")
    assert explorer.set(optimizer="Adam") == "optimizer=Adam"


def test_check_functions_accepts_functions_and_none_and_names_anything_else():
    check_functions(relu=np.maximum, tanh=None)
    with pytest.raises(TypeError, match="^sgd_update must be a function or None, got float$"):
        check_functions(relu=np.maximum, sgd_update=0.1)


# --- Figures and errors --------------------------------------------------------------------

def test_message_panel_says_why_there_is_nothing_to_draw():
    def draw(values, fig):
        ax_loss, ax_boundary = fig.subplots(1, 2)
        ax_loss.plot([1.0, 2.0, np.inf])
        assert message_panel(ax_boundary, "diverged:\nno boundary to draw") is ax_boundary
        return "diverged"

    explorer = Explorer({"lr": log_slider("lr", 10.0, 1e-3, 10.0)}, draw)
    panel = explorer.figure.axes[1]
    assert [text.get_text() for text in panel.texts] == ["diverged:\nno boundary to draw"]
    assert list(panel.get_xticks()) == [] and list(panel.get_yticks()) == []
    assert explorer.png.startswith(support.PNG_SIGNATURE)


def test_show_error_replaces_the_figure_and_returns_the_status_text():
    out = widgets.Output()
    show_png(out, figure_png(Figure(figsize=(1, 1), dpi=20)))
    line = show_error(out, NotImplementedError("write relu first"), "printed before\n")
    assert line == "error: NotImplementedError: write relu first"
    assert out.outputs == ({"output_type": "stream", "name": "stdout",
                            "text": "printed before\nNotImplementedError: write relu first\n"},)


# --- Controls wired to a widget ---------------------------------------------------------------

class _Panel(Controlled):
    """The smallest Controlled: records each callback."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.wire_controls({"lr": log_slider("lr", 0.1, 1e-3, 1.0), "n": int_slider("n", 5, 1, 10)},
                           self.calls.append)


def test_controlled_calls_back_once_per_change_with_the_key():
    panel = _Panel()
    assert panel.calls == [] and panel.values == {"lr": 0.1, "n": 5}
    panel.controls["n"].value = 7
    panel.controls["lr"].value = 0.01
    assert panel.calls == ["n", "lr"]
    assert "nn-lr" in panel.controls["lr"]._dom_classes


def test_set_controls_holds_the_callback_and_returns_what_changed():
    panel = _Panel()
    assert panel.set_controls({"lr": 0.5, "n": 5}) == {"lr"}
    assert panel.calls == [] and panel.values == {"lr": 0.5, "n": 5}
    panel.controls["n"].value = 2  # holding ended with set_controls
    assert panel.calls == ["n"]


def test_set_controls_rejects_an_unknown_key_before_setting_anything():
    panel = _Panel()
    with pytest.raises(KeyError, match="momentum"):
        panel.set_controls({"lr": 0.5, "momentum": 0.9})
    assert panel.values == {"lr": 0.1, "n": 5}


def test_holding_ends_even_when_a_value_is_refused():
    panel = _Panel()
    with pytest.raises(TraitError):
        panel.set_controls({"n": "seven"})
    panel.controls["n"].value = 3
    assert panel.calls == ["n"]
