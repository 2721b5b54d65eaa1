"""Building blocks shared by every nnlib widget (the Playground and the chapter explorers).

An explorer is a few labelled controls, a figure redrawn when a control changes, and a status
line that states the current settings and a result. Write one in three steps:

    from nnlib.widgets.explorer import Explorer, log_slider, int_slider

    def draw(values, fig):                      # values: {"lr": 0.1, "epochs": 50}
        losses = train(values["lr"], values["epochs"])
        ax = fig.add_subplot()
        ax.plot(losses)
        ax.set(xlabel="epoch", ylabel="training loss")
        return f"final loss {losses[-1]:.4f}"   # optional: appended to the status line

    explorer = Explorer({"lr": log_slider("learning rate", 0.01, 1e-3, 10),
                         "epochs": int_slider("epochs", 50, 5, 200, step=5)}, draw)
    explorer                                    # last line of a cell: shows it

The status line then reads ``lr=0.01, epochs=50 — final loss 0.4647``.

Control factories (each returns an ipywidgets control with ``continuous_update=False`` where
that applies, so the figure is redrawn when a slider is released, and
``style={"description_width": "initial"}``, so the description is never cut):

- ``log_slider(description, value, low, high, steps_per_decade=10)``: FloatLogSlider from
  ``low`` to ``high`` (the values themselves, not their exponents).
- ``float_slider(description, value, low, high, step)``, ``int_slider(description, value,
  low, high, step=1)``.
- ``dropdown(description, options, value=None)``: options are strings or (label, value) pairs.
- ``toggle(description, value=False)``: a checkbox.
- ``button(description, icon="")``: a Button (not a value control; wire it with
  ``.on_click``).
- ``tag(widget, name)``: adds the CSS class ``nn-<name>`` and returns the widget.

Stable CSS classes, for browser tests: an Explorer tags each control ``nn-<key>`` (its key in
``controls``), its status line ``nn-status``, its figure ``nn-plot``, itself ``nn-explorer``.

``Explorer(controls, draw, *, figsize=(8, 3.5), dpi=90, extra=(), name=None, auto=True)`` is an
ipywidgets VBox (``extra``: more widgets, e.g. buttons, placed after the controls; ``name``:
adds the CSS class ``nn-<name>``; ``auto=False``, for a ``draw`` that takes seconds: a change
only updates the status line, and a "run" button, ``run_button``, CSS class ``nn-run``,
redraws):

- ``controls``: dict key -> value widget; ``draw(values, fig)`` gets a dict key -> current
  value and an empty ``matplotlib.figure.Figure`` (not pyplot: add axes with
  ``fig.add_subplot()`` / ``fig.subplots(1, 2)``), draws, and may return a short result string.
- It draws once when created (so a notebook executed headless shows a figure) and again after
  every change of a control. Keep ``draw`` well under a second: it runs on every change, and
  in a graded notebook the cell that creates the Explorer runs it once, headless.
- An exception in ``draw`` (for example a student's ``NotImplementedError``) never propagates:
  the status line says ``error: NotImplementedError: ...`` and the figure area shows the
  message. Text that ``draw`` prints is shown above the figure.
- Python warnings raised while ``draw`` runs (a student's sigmoid that overflows) are caught,
  never printed: the status line ends with ``warning: `` and their distinct messages, sorted,
  joined by "; " and cut to ``WARNING_CHARS`` (200) characters, the cut marked "…".
- ``explorer.set(lr=0.1, epochs=100)`` sets several controls and redraws once, synchronously;
  it returns the new status text. ``explorer.redraw()`` redraws with the current values.
- For tests: ``values`` (dict), ``status`` (Label), ``out`` (Output; ``out.outputs`` holds the
  figure as a base64 PNG), ``png`` (bytes of the last figure), ``figure`` (the last Figure),
  ``result`` (the last string returned by ``draw``), ``warnings`` (the distinct messages of the
  warnings it raised), ``error`` (the last exception or None), ``renders`` (number of draws
  so far).

``Controlled`` is the part an Explorer shares with the Playground: a mixin that keeps the
controls (``controls``, key -> value widget), tags each ``nn-<key>``, gives ``values``, calls
back once per change, and ``set_controls(values)`` sets several at once with a single
reaction from its caller.

The functions a student passes to an explorer:

- ``check_functions(name=function, ...)``: TypeError for anything neither a function nor None
  ("sgd_update must be a function or None, got float").
- ``require(function, name, setting)``: the function, or, when it is None, the ValueError that
  tells the student what to pass: "<setting> needs your <name>: create the explorer with
  <name>=<name>" (``owner="dashboard"`` says dashboard; ``argument`` replaces
  ``<name>=<name>``). An explorer calls it for the functions the current setting needs; the
  message then shows in the status line, as any error of ``draw`` does.

Helpers used by the Playground too: ``figure_png(fig)``, ``canvas_png(canvas)`` (PNG of an Agg
canvas as it stands, for blitted animations), ``show_png(out, png, text="")``,
``show_error(out, error)``, ``format_settings(values)``, ``format_value(value)``; and for the
explorers' figures, ``message_panel(ax, text)`` (a panel that says why there is nothing to
draw, e.g. "diverged").

Testing an explorer (see tests/test_widgets_base.py and tests/test_playground_kernel.py):
in-process, ``explorer.set(...)`` or ``control.value = ...`` redraws synchronously, and
``status.value``, ``png`` and ``out.outputs`` can be asserted at once (the figure is put into
``out.outputs`` directly, not captured with ``with out: display(...)``, which needs a kernel and
a front end). In a real kernel run by nbclient, ``client.widget_state`` holds what a browser
would show. In a browser, wait for the exact status text (``.nn-status``).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import io
import math
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "STYLE",
    "WARNING_CHARS",
    "Controlled",
    "Explorer",
    "button",
    "canvas_png",
    "check_functions",
    "dropdown",
    "figure_png",
    "float_slider",
    "format_settings",
    "format_value",
    "int_slider",
    "log_slider",
    "message_panel",
    "require",
    "show_error",
    "show_png",
    "tag",
    "toggle",
]

# Show the whole description ("learning rate", not "learning r...").
STYLE = {"description_width": "initial"}
_LAYOUT = {"width": "300px"}
# The longest text of warnings the status line shows: a line, not a page.
WARNING_CHARS = 200


# ---------------------------------------------------------------------------------------------
# Controls
# ---------------------------------------------------------------------------------------------

def tag(widget: widgets.DOMWidget, name: str) -> widgets.DOMWidget:
    """Add the CSS class ``nn-<name>`` to ``widget`` (a stable selector for tests) and return it."""
    widget.add_class(f"nn-{name}")
    return widget


def log_slider(description: str, value: float, low: float, high: float,
               steps_per_decade: int = 10) -> widgets.FloatLogSlider:
    """A slider on a log10 scale from ``low`` to ``high`` (e.g. learning rates 1e-4 .. 1)."""
    if not 0 < low < high:
        raise ValueError(f"log_slider needs 0 < low < high, got low={low}, high={high}")
    if not low <= value <= high:
        raise ValueError(f"log_slider value {value} is outside [{low}, {high}]")
    return widgets.FloatLogSlider(
        value=value, base=10, min=math.log10(low), max=math.log10(high),
        step=1 / steps_per_decade, readout_format=".3g", description=description,
        continuous_update=False, style=STYLE, layout=_LAYOUT)


def float_slider(description: str, value: float, low: float, high: float,
                 step: float) -> widgets.FloatSlider:
    """A linear float slider from ``low`` to ``high`` in steps of ``step``.

    The readout shows as many decimals as ``step`` has (step 0.001: "0.999", not "1.00").
    """
    if not step > 0:
        raise ValueError(f"float_slider step must be > 0, got {step}")
    decimals = len(f"{step:.10f}".rstrip("0").split(".")[1])
    return widgets.FloatSlider(
        value=value, min=low, max=high, step=step, description=description,
        readout_format=f".{decimals}f", continuous_update=False, style=STYLE, layout=_LAYOUT)


def int_slider(description: str, value: int, low: int, high: int,
               step: int = 1) -> widgets.IntSlider:
    """An integer slider from ``low`` to ``high`` in steps of ``step``."""
    return widgets.IntSlider(
        value=value, min=low, max=high, step=step, description=description,
        continuous_update=False, style=STYLE, layout=_LAYOUT)


def dropdown(description: str, options: Sequence[Any], value: Any = None) -> widgets.Dropdown:
    """A drop-down list; ``options`` are strings or (label, value) pairs; default: the first."""
    options = list(options)
    if not options:
        raise ValueError("dropdown needs at least one option")
    if value is None:
        first = options[0]
        value = first[1] if isinstance(first, tuple) else first
    return widgets.Dropdown(options=options, value=value, description=description,
                            style=STYLE, layout=_LAYOUT)


def toggle(description: str, value: bool = False) -> widgets.Checkbox:
    """An on/off checkbox."""
    return widgets.Checkbox(value=value, description=description, indent=False, style=STYLE)


def button(description: str, icon: str = "") -> widgets.Button:
    """A push button (wire it with ``.on_click(callback)``; the callback gets the button)."""
    return widgets.Button(description=description, icon=icon,
                          layout=widgets.Layout(width="auto"))


# ---------------------------------------------------------------------------------------------
# Figures and status text
# ---------------------------------------------------------------------------------------------

def figure_png(fig: Figure, dpi: float | None = None) -> bytes:
    """Render ``fig`` to PNG bytes at ``dpi`` (default: the figure's own); no pyplot needed."""
    if dpi is not None:
        fig.set_dpi(dpi)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    return canvas_png(canvas)


def canvas_png(canvas: FigureCanvasAgg) -> bytes:
    """PNG bytes of what ``canvas`` holds now, without drawing it again (for animations that
    draw only what changed). A fast compression level: this runs for every frame."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png",
                                                                compress_level=1)
    return buffer.getvalue()


def show_png(out: widgets.Output, png: bytes | None, text: str = "") -> None:
    """Replace what ``out`` shows with ``text`` (if any) and the image ``png`` (if any).

    The ``outputs`` trait is replaced in one assignment, so the view never flickers empty, it
    works from a callback or a background task alike (the ``with out:`` capture can send output
    to the wrong cell there), and tests can read the image back from ``out.outputs``.
    """
    outputs: list[dict[str, Any]] = []
    if text:
        outputs.append({"output_type": "stream", "name": "stdout", "text": text})
    if png is not None:
        data = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": "<figure>"}
        outputs.append({"output_type": "display_data", "data": data, "metadata": {}})
    out.outputs = tuple(outputs)


def show_error(out: widgets.Output, error: Exception, printed: str = "") -> str:
    """Show ``error`` in ``out`` instead of a figure, after ``printed`` (text printed before it).

    Returns the line for a status label: ``"error: NotImplementedError: write relu first"``.
    """
    message = f"{type(error).__name__}: {error}"
    show_png(out, None, printed + message + "\n")
    return f"error: {message}"


def message_panel(ax: Axes, text: str) -> Axes:
    """Make ``ax`` a panel that says ``text`` in its middle, wrapped, without ticks: for when
    there is nothing to draw (a run that diverged has no boundary). Returns ax."""
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def format_value(value: Any) -> str:
    """Short text for one setting: floats with 4 significant digits, booleans as on/off."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def format_settings(values: Mapping[str, Any]) -> str:
    """``{"lr": 0.1, "epochs": 50}`` -> ``"lr=0.1, epochs=50"``."""
    return ", ".join(f"{key}={format_value(value)}" for key, value in values.items())


# ---------------------------------------------------------------------------------------------
# The functions a student passes in
# ---------------------------------------------------------------------------------------------

def check_functions(**functions: Any) -> None:
    """TypeError naming the first of ``functions`` (name -> value) that is neither callable nor None."""
    for name, function in functions.items():
        if function is not None and not callable(function):
            raise TypeError(f"{name} must be a function or None, got {type(function).__name__}")


def require(function: Callable | None, name: str, setting: str, *, owner: str = "explorer",
            argument: str | None = None) -> Callable:
    """``function`` itself, or, when it is None, a ValueError that says what to pass.

    name: the function's name in the chapter ("l2_grad"); setting: what needs it ("the L2
    penalty"); owner: what the student creates ("explorer", "dashboard"); argument: what to
    pass when creating it (default ``<name>=<name>``). The message reads
    "<setting> needs your <name>: create the <owner> with <argument>".
    """
    if function is None:
        argument = f"{name}={name}" if argument is None else argument
        raise ValueError(f"{setting} needs your {name}: create the {owner} with {argument}")
    return function


# ---------------------------------------------------------------------------------------------
# Controls wired to a widget
# ---------------------------------------------------------------------------------------------

class Controlled:
    """Mixin for a widget driven by value controls: their wiring, ``values``, ``set_controls``.

    Call ``wire_controls(controls, on_change)`` once, in ``__init__``. The widget then has
    ``controls`` (key -> value widget, each tagged ``nn-<key>``) and ``on_change(key)`` is
    called after a control's value changes, except while ``set_controls`` sets several: its
    caller reacts once, to all of them.
    """

    controls: dict[str, widgets.ValueWidget]

    def wire_controls(self, controls: Mapping[str, widgets.ValueWidget],
                      on_change: Callable[[str], None]) -> None:
        """Keep ``controls``, tag each with its key and call ``on_change(key)`` on a change."""
        self.controls = dict(controls)
        self._react = on_change
        self._holding = False  # True while set_controls sets several controls
        for key, control in self.controls.items():
            tag(control, key)
            control.observe(functools.partial(self._changed, key), names="value")

    def _changed(self, key: str, change: dict[str, Any]) -> None:
        if not self._holding:
            self._react(key)

    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control, by key."""
        return {key: control.value for key, control in self.controls.items()}

    def set_controls(self, values: Mapping[str, Any]) -> set[str]:
        """Set several controls without calling ``on_change``; return the keys whose value changed.

        KeyError names an unknown control (and then nothing is set).
        """
        unknown = sorted(set(values) - set(self.controls))
        if unknown:
            raise KeyError(f"no control named {unknown}; controls: {sorted(self.controls)}")
        before = self.values
        self._holding = True
        try:
            for key, value in values.items():
                self.controls[key].value = value
        finally:
            self._holding = False
        return {key for key in values if self.controls[key].value != before[key]}


# ---------------------------------------------------------------------------------------------
# Explorer
# ---------------------------------------------------------------------------------------------

DrawFunction = Callable[[dict[str, Any], Figure], "str | None"]


def _warning_text(messages: Iterable[str]) -> str:
    """``messages`` joined by "; ", cut to WARNING_CHARS characters (the cut marked "…")."""
    text = "; ".join(messages)
    return text if len(text) <= WARNING_CHARS else text[:WARNING_CHARS - 1] + "…"


class Explorer(Controlled, widgets.VBox):
    """Controls + a figure redrawn on every change + a status line (see the module docstring)."""

    def __init__(self, controls: Mapping[str, widgets.ValueWidget], draw: DrawFunction, *,
                 figsize: tuple[float, float] = (8, 3.5), dpi: float = 90,
                 extra: Iterable[widgets.Widget] = (), name: str | None = None,
                 auto: bool = True) -> None:
        if not controls:
            raise ValueError("an Explorer needs at least one control")
        self.wire_controls(controls, self._on_change)
        self.draw_function = draw
        self.figsize = figsize
        self.dpi = dpi
        self.status = tag(widgets.Label(value="drawing..."), "status")
        self.out = tag(widgets.Output(), "plot")
        self.png: bytes | None = None
        self.figure: Figure | None = None
        self.result: str | None = None
        self.warnings: list[str] = []
        self.error: Exception | None = None
        self.renders = 0
        self.auto = auto
        extra = list(extra)
        if not auto:  # slow draws: redraw when asked, not on every change
            self.run_button = tag(button("run", icon="play"), "run")
            self.run_button.on_click(lambda _: self.redraw())
            extra.insert(0, self.run_button)
        control_box = widgets.Box(list(self.controls.values()) + extra,
                                  layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([control_box, self.status, self.out])
        tag(self, "explorer")
        if name:
            tag(self, name)
        self.redraw()

    def set(self, **values: Any) -> str:
        """Set several controls at once, redraw once (synchronously); return the status text."""
        self.set_controls(values)
        self.redraw()
        return self.status.value

    def redraw(self) -> str:
        """Call ``draw`` with the current values, show its figure and update the status line."""
        values = self.values
        settings = format_settings(values)
        fig = Figure(figsize=self.figsize, dpi=self.dpi, layout="constrained")
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed), warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")  # record every warning, print none
                result = self.draw_function(values, fig)
            png = figure_png(fig)
        except Exception as error:  # a student's function may raise anything: show it
            self.error, self.result, self.warnings = error, None, []
            self.status.value = f"{settings} — {show_error(self.out, error, printed.getvalue())}"
            return self.status.value
        self.error, self.figure, self.png = None, fig, png
        self.result = None if result is None else str(result)
        self.warnings = sorted({str(warning.message) for warning in caught})
        self.renders += 1
        show_png(self.out, png, printed.getvalue())
        # The status line changes last, so a test that waits for it also sees the new figure.
        text = self.result
        if self.warnings:
            warning = "warning: " + _warning_text(self.warnings)
            text = warning if text is None else f"{text}; {warning}"
        self.status.value = settings if text is None else f"{settings} — {text}"
        return self.status.value

    def _on_change(self, key: str) -> None:
        if self.auto:
            self.redraw()
        else:
            self.status.value = f"{format_settings(self.values)} — press run"
