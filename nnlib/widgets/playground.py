"""The Playground: train an nnlib network live on a 2-D data set, in Jupyter or Voilà.

    from nnlib.widgets.playground import Playground
    Playground()            # last line of a cell: shows it; press "play"

Everything the Neural Network Playground (playground.tensorflow.org) lets you change is here,
on the networks of this course: the data set (moons, circles, spirals, xor), its noise and
train/test ratio; the hidden layers, units per layer and activation; the learning rate, batch
size and optimizer (SGD, momentum, RMSprop, Adam) with its betas; L1/L2 regularisation and its
strength; dropout; batch norm. The views: the network's output P(class 1) as a heat map
behind the training (and test) points, training and test loss per epoch, and the code that
reproduces the run with nnlib.

One "step" is one epoch (one pass over the training set in mini-batches). The run is seeded:
the data, the split, the initial weights, the batch order and the dropout masks all come from
one ``np.random.default_rng(seed)``, in the order the code view shows, so the same settings
give the same result, and the code view reproduces it exactly.

Changing the data or the network (data set, noise, ratio, points, seed, layers, units,
activation, batch norm, dropout) starts a new run. Changing the learning rate, batch size,
optimizer, betas or regularisation takes effect at the next epoch without a restart, as in
the original Playground; the code view then says the run is no longer reproduced exactly.

"play" trains in the background (an asyncio task on the kernel's event loop, yielding between
frames, so the controls stay responsive); it stops by itself after ``max_epochs`` epochs or
when the loss stops being finite. For scripts and tests: ``set(...)``, ``step(n)``,
``reset()``, ``play()`` and ``pause()`` do the same as the controls, synchronously (except
``play``), and ``epoch``, ``train_losses``, ``test_losses``, ``png``, ``code`` report the state.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from nnlib.activations import softmax
from nnlib.batching import minibatches
from nnlib.datasets import DATASETS, make_dataset
from nnlib.layers import BatchNorm, Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward
from nnlib.optimizers import SGD, Adam, Momentum, RMSprop
from nnlib.preprocessing import train_test_split
from nnlib.regularization import add_penalty_grad, l1_grad, l2_grad
from nnlib.sequential import Sequential
from nnlib.widgets.explorer import (
    STYLE,
    Controlled,
    button,
    canvas_png,
    dropdown,
    float_slider,
    format_settings,
    int_slider,
    log_slider,
    show_error,
    show_png,
    tag,
    toggle,
)

__all__ = ["Playground", "reproduce_code", "DEFAULTS"]

# The starting settings (a small network that learns "circles" in a few dozen epochs).
DEFAULTS: dict[str, Any] = {
    "dataset": "circles", "noise": 0.1, "train_ratio": 0.5, "points": 400, "seed": 0,
    "layers": 2, "units": 8, "activation": "tanh", "batchnorm": False, "dropout": 0.0,
    "lr": 0.03, "batch_size": 16, "optimizer": "Adam", "beta1": 0.9, "beta2": 0.999,
    "reg": "none", "lam": 0.01, "show_test": False,
}
# Settings that change the data or the network, so a new run starts.
_RESTART_KEYS = ("dataset", "noise", "train_ratio", "points", "seed", "layers", "units",
                 "activation", "batchnorm", "dropout")
# Settings that change how training continues; they apply from the next epoch.
_LIVE_KEYS = ("lr", "batch_size", "optimizer", "beta1", "beta2", "reg", "lam")

_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}
_ACTIVATION_CLASS_NAMES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid",
                           "leaky_relu": "LeakyReLU"}
_OPTIMIZERS = ("SGD", "Momentum", "RMSprop", "Adam")
_GRID = 60                      # heat-map resolution (points per axis)
_COLD, _HOT = "#3b4cc0", "#b40426"  # class 0 / class 1: the ends of "coolwarm", as nnlib.viz


# ---------------------------------------------------------------------------------------------
# The run itself: plain functions, mirrored line by line by reproduce_code()
# ---------------------------------------------------------------------------------------------

def _test_size(s: dict[str, Any]) -> float:
    """The test share, rounded so the code view shows 0.3 and not 0.30000000000000004."""
    return round(1.0 - s["train_ratio"], 6)


def _init_for(activation: str) -> str:
    """He initialisation for the ReLU family, Xavier (Glorot) for tanh and sigmoid."""
    return "he" if activation in ("relu", "leaky_relu") else "xavier"


def _build_layers(s: dict[str, Any], rng: np.random.Generator) -> list:
    """The hidden blocks Dense [-> BatchNorm] -> activation [-> Dropout], then Dense(units, 2)."""
    layers: list = []
    n_in = 2
    for _ in range(s["layers"]):
        layers.append(Dense(n_in, s["units"], init=_init_for(s["activation"]), rng=rng))
        if s["batchnorm"]:
            layers.append(BatchNorm(s["units"]))
        layers.append(_ACTIVATIONS[s["activation"]]())
        if s["dropout"] > 0:
            layers.append(Dropout(s["dropout"], rng=rng))
        n_in = s["units"]
    layers.append(Dense(n_in, 2, init="xavier", rng=rng))
    return layers


def _make_optimizer(s: dict[str, Any]):
    if s["optimizer"] == "SGD":
        return SGD(lr=s["lr"])
    if s["optimizer"] == "Momentum":
        return Momentum(lr=s["lr"], beta=s["beta1"])
    if s["optimizer"] == "RMSprop":
        return RMSprop(lr=s["lr"], beta=s["beta2"])
    if s["optimizer"] == "Adam":
        return Adam(lr=s["lr"], beta1=s["beta1"], beta2=s["beta2"])
    raise ValueError(f"unknown optimizer {s['optimizer']!r}; choose one of {_OPTIMIZERS}")


class _Run:
    """One seeded training run: data, model, optimizer, losses per epoch."""

    def __init__(self, s: dict[str, Any]) -> None:
        self.rng = np.random.default_rng(s["seed"])
        X, y = make_dataset(s["dataset"], n=s["points"], noise=s["noise"], rng=self.rng)
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, test_size=_test_size(s), rng=self.rng)
        self.layers = _build_layers(s, self.rng)
        self.model = Sequential(*self.layers)
        self.optimizer = _make_optimizer(s)
        self.epoch = 0
        self.train_losses: list[float] = []
        self.test_losses: list[float] = []
        self.changed_at: int | None = None  # first epoch at which a live setting changed

    def train_epoch(self, s: dict[str, Any]) -> None:
        """One pass over the training set in mini-batches, then the losses of both sets."""
        for Xb, yb in minibatches(self.X_train, self.y_train, s["batch_size"], rng=self.rng):
            logits = self.model.forward(Xb, training=True)
            self.model.backward(softmax_cross_entropy_backward(logits, yb), input_grad=False)
            if s["reg"] != "none":
                penalty_grad = l2_grad if s["reg"] == "L2" else l1_grad
                add_penalty_grad(self.model.weights(), self.model.gradients(), s["lam"], len(Xb),
                                 grad=penalty_grad)
            self.optimizer.step(self.model.parameters(), self.model.gradients())
        self.epoch += 1
        self.train_losses.append(self.loss(self.X_train, self.y_train))
        self.test_losses.append(self.loss(self.X_test, self.y_test))

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """Mean cross-entropy of the model in test mode (no dropout, running BN statistics)."""
        return softmax_cross_entropy(self.model.forward(X, training=False), y)


def reproduce_code(settings: dict[str, Any], epochs: int) -> str:
    """Python code that trains, with nnlib, the same network on the same data for ``epochs``
    epochs and gets the same numbers as the Playground (the order of the random draws is the
    same as in ``_Run``)."""
    s = {**DEFAULTS, **settings}
    act = _ACTIVATION_CLASS_NAMES[s["activation"]]
    layer_names = {"Dense", act} | ({"BatchNorm"} if s["batchnorm"] else set()) \
        | ({"Dropout"} if s["dropout"] > 0 and s["layers"] > 0 else set())
    order = ["Dense", "BatchNorm", act, "Dropout"]
    imports_layers = ", ".join(name for name in order if name in layer_names)
    lines = [
        "import numpy as np",
        "from nnlib.batching import minibatches",
        "from nnlib.datasets import make_dataset",
        f"from nnlib.layers import {imports_layers}",
        "from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward",
        f"from nnlib.optimizers import {s['optimizer']}",
        "from nnlib.preprocessing import train_test_split",
    ]
    if s["reg"] != "none":
        lines.append(f"from nnlib.regularization import {s['reg'].lower()}_grad")
    lines += [
        "from nnlib.sequential import Sequential",
        "",
        f"rng = np.random.default_rng({s['seed']})  # one seed for data, weights, batches, dropout",
        f"X, y = make_dataset({s['dataset']!r}, n={s['points']}, noise={s['noise']!r}, rng=rng)",
        "X_train, X_test, y_train, y_test = train_test_split(",
        f"    X, y, test_size={_test_size(s)!r}, rng=rng)",
        "",
        "layers = [",
    ]
    n_in = 2
    for _ in range(s["layers"]):
        block = [f"Dense({n_in}, {s['units']}, init={_init_for(s['activation'])!r}, rng=rng)"]
        if s["batchnorm"]:
            block.append(f"BatchNorm({s['units']})")
        block.append(f"{act}()")
        if s["dropout"] > 0:
            block.append(f"Dropout({s['dropout']!r}, rng=rng)")
        lines.append("    " + ", ".join(block) + ",")
        n_in = s["units"]
    lines += [
        f"    Dense({n_in}, 2, init='xavier', rng=rng),",
        "]",
        "model = Sequential(*layers)",
    ]
    if s["optimizer"] == "SGD":
        lines.append(f"optimizer = SGD(lr={s['lr']!r})")
    elif s["optimizer"] == "Momentum":
        lines.append(f"optimizer = Momentum(lr={s['lr']!r}, beta={s['beta1']!r})")
    elif s["optimizer"] == "RMSprop":
        lines.append(f"optimizer = RMSprop(lr={s['lr']!r}, beta={s['beta2']!r})")
    else:
        lines.append(f"optimizer = Adam(lr={s['lr']!r}, beta1={s['beta1']!r}, "
                     f"beta2={s['beta2']!r})")
    if s["reg"] != "none":
        lines.append(f"lam = {s['lam']!r}  # {s['reg']} strength")
    lines += [
        "",
        "train_losses, test_losses = [], []",
        f"for epoch in range({epochs}):",
        f"    for Xb, yb in minibatches(X_train, y_train, {s['batch_size']}, rng=rng):",
        "        logits = model.forward(Xb, training=True)",
        "        model.backward(softmax_cross_entropy_backward(logits, yb), input_grad=False)",
    ]
    if s["reg"] != "none":
        lines += [
            "        for layer in layers:",
            "            if isinstance(layer, Dense):  # weights only, not biases",
            f"                layer.grads['W'] += {s['reg'].lower()}_grad(layer.params['W'], "
            "lam, len(Xb))",
        ]
    lines += [
        "        optimizer.step(model.parameters(), model.gradients())",
        "    train_losses.append(softmax_cross_entropy(model.forward(X_train, training=False), "
        "y_train))",
        "    test_losses.append(softmax_cross_entropy(model.forward(X_test, training=False), "
        "y_test))",
        "",
        f"print(f\"epoch {{len(train_losses)}}: train loss {{train_losses[-1] if train_losses "
        f"else float('nan'):.4f}}, test loss {{test_losses[-1] if test_losses "
        f"else float('nan'):.4f}}\")",
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------

class Playground(Controlled, widgets.VBox):
    """The Playground app (see the module docstring). Keyword arguments override DEFAULTS.

    Its controls are wired as an Explorer's (``nnlib.widgets.explorer.Controlled``):
    ``controls``, ``values``, ``set_controls``.
    """

    def __init__(self, *, max_epochs: int = 5000, frame_seconds: float = 0.1,
                 **settings: Any) -> None:
        unknown = sorted(set(settings) - set(DEFAULTS))
        if unknown:
            raise TypeError(f"unknown Playground settings {unknown}; known: {sorted(DEFAULTS)}")
        s = {**DEFAULTS, **settings}
        self.max_epochs = max_epochs
        self.frame_seconds = frame_seconds
        self.playing = False
        self.png: bytes | None = None
        self.renders = 0
        self._task: asyncio.Task | None = None
        self._play_token = 0  # which play loop is the current one
        self.run: _Run | None = None
        self.error: Exception | None = None
        self._view = _View()

        self.wire_controls({
            "dataset": dropdown("data", DATASETS, s["dataset"]),
            "noise": float_slider("noise", s["noise"], 0.0, 0.5, 0.05),
            "train_ratio": float_slider("training share", s["train_ratio"], 0.1, 0.9, 0.1),
            "points": int_slider("points", s["points"], 100, 1000, step=50),
            "seed": widgets.BoundedIntText(value=s["seed"], min=0, max=2**31 - 1,
                                           description="seed", style=STYLE,
                                           layout={"width": "160px"}),
            "layers": int_slider("hidden layers", s["layers"], 0, 6),
            "units": int_slider("units per layer", s["units"], 1, 16),
            "activation": dropdown("activation", list(_ACTIVATIONS), s["activation"]),
            "batchnorm": toggle("batch norm", s["batchnorm"]),
            "dropout": float_slider("dropout rate", s["dropout"], 0.0, 0.8, 0.05),
            "lr": log_slider("learning rate", s["lr"], 1e-4, 10.0),
            "batch_size": int_slider("batch size", s["batch_size"], 1, 256),
            "optimizer": dropdown("optimizer", _OPTIMIZERS, s["optimizer"]),
            "beta1": float_slider("β1 (momentum, Adam)", s["beta1"], 0.0, 0.999, 0.001),
            "beta2": float_slider("β2 (RMSprop, Adam)", s["beta2"], 0.9, 0.9999, 0.0001),
            "reg": dropdown("regularisation", ["none", "L1", "L2"], s["reg"]),
            "lam": log_slider("λ", s["lam"], 1e-4, 10.0),
            "show_test": toggle("show test data", s["show_test"]),
        }, on_change=lambda key: self._apply({key}))

        self.play_button = tag(button("play", icon="play"), "play")
        self.step_button = tag(button("step", icon="step-forward"), "step")
        self.reset_button = tag(button("reset", icon="undo"), "reset")
        self.regenerate_button = tag(button("new data", icon="random"), "regenerate")
        self.play_button.on_click(lambda _: self.pause() if self.playing else self.play())
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.regenerate_button.on_click(lambda _: self.regenerate())

        self.epoch_label = tag(widgets.Label("epoch 0", layout={"margin": "0 16px"}), "epoch")
        self.loss_label = tag(widgets.Label(""), "loss")
        # HTML rather than Label: the line of settings wraps instead of being cut off.
        self.settings_label = tag(widgets.HTML("", style={"font_size": "11px"}), "settings")
        self.out = tag(widgets.Output(), "plot")
        self.code_area = tag(widgets.Textarea(layout={"width": "100%", "height": "16em"}),
                             "code")

        c = self.controls

        def group(*parts: str | widgets.Widget) -> widgets.VBox:
            """A column of controls under bold headings (the strings)."""
            children = [widgets.HTML(f"<b>{part}</b>") if isinstance(part, str) else part
                        for part in parts]
            return widgets.VBox(children, layout={"width": "330px", "margin": "0 8px 8px 0"})

        bar = widgets.HBox([self.reset_button, self.play_button, self.step_button,
                            self.epoch_label, self.loss_label],
                           layout={"align_items": "center"})
        groups = widgets.Box([
            group("Data", c["dataset"], c["noise"], c["train_ratio"], c["points"],
                  widgets.HBox([c["seed"], self.regenerate_button]), c["show_test"]),
            group("Network", c["layers"], c["units"], c["activation"], c["batchnorm"],
                  "Regularisation", c["dropout"], c["reg"], c["lam"]),
            group("Training", c["lr"], c["batch_size"], c["optimizer"], c["beta1"],
                  c["beta2"]),
        ], layout={"flex_flow": "row wrap"})
        code_box = widgets.VBox([
            widgets.HTML("<b>Code</b>: the same run with nnlib (copy it into a notebook)"),
            self.code_area])
        super().__init__([bar, groups, self.settings_label, self.out, code_box])
        tag(self, "playground")
        self._update_enabled()
        self.reset()

    # -- state -----------------------------------------------------------------------------

    @property
    def epoch(self) -> int:
        return self.run.epoch if self.run else 0

    @property
    def train_losses(self) -> list[float]:
        return list(self.run.train_losses) if self.run else []

    @property
    def test_losses(self) -> list[float]:
        return list(self.run.test_losses) if self.run else []

    @property
    def model(self) -> Sequential | None:
        return self.run.model if self.run else None

    @property
    def code(self) -> str:
        """Code that reproduces the current run with nnlib (see the code view)."""
        return self.code_area.value

    # -- actions ---------------------------------------------------------------------------

    def set(self, **values: Any) -> str:
        """Set several controls at once, apply them once, redraw; return the settings text."""
        self._apply(self.set_controls(values))
        return self.settings_label.value

    def reset(self) -> None:
        """Stop, and start again from the seeded start: same data, same initial weights."""
        self.pause()
        self._restart()

    def regenerate(self) -> None:
        """New data: the next seed (which also gives new initial weights)."""
        self.controls["seed"].value = self.controls["seed"].value + 1

    def step(self, epochs: int = 1) -> None:
        """Train ``epochs`` epochs now (synchronously), then redraw."""
        for _ in range(epochs):
            if not self._train_one_epoch():
                break
        if self.error is None:  # otherwise the error message stays on show
            self._render()

    def play(self) -> None:
        """Train in the background until paused (needs a running event loop: a kernel)."""
        if self.playing or self.run is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.loss_label.value = "play needs a running Jupyter kernel; use step() instead"
            return
        self.playing = True
        self._play_token += 1
        self._show_play_state()
        self._task = loop.create_task(self._play_loop(self._play_token))

    def pause(self) -> None:
        """Stop background training after the current frame."""
        self.playing = False
        self._show_play_state()

    # -- internals -------------------------------------------------------------------------

    async def _play_loop(self, token: int) -> None:
        # A loop stops when paused, or when a newer play() started its own loop.
        try:
            while self.playing and token == self._play_token and self.epoch < self.max_epochs:
                start = time.perf_counter()
                while self.playing and time.perf_counter() - start < self.frame_seconds:
                    if not self._train_one_epoch():
                        self.playing = False
                if self.error is None:
                    self._render()
                # Hand the event loop back, so clicks and slider changes are handled.
                await asyncio.sleep(0.02)
        finally:
            if token == self._play_token:
                self.playing = False
                self._show_play_state()

    def _train_one_epoch(self) -> bool:
        """Train one epoch; on an error or a non-finite loss, say so and return False."""
        if self.run is None or self.epoch >= self.max_epochs:
            return False
        try:
            with np.errstate(all="ignore"):  # a diverging run overflows: we report it below
                self.run.train_epoch(self.values)
        except Exception as error:  # e.g. a student's NotImplementedError
            self._fail(error)
            return False
        self.error = None
        if not np.isfinite(self.run.train_losses[-1]):
            self.playing = False
            return False
        return True

    def _restart(self) -> None:
        try:
            self.run = _Run(self.values)
        except Exception as error:
            self.run = None
            self._fail(error)
            return
        self.error = None
        self._render()

    def _fail(self, error: Exception) -> None:
        self.error = error
        self.playing = False
        self._show_play_state()
        self.loss_label.value = show_error(self.out, error)

    def _apply(self, changed: set[str]) -> None:
        """React to changed settings: restart, or continue with new training settings."""
        self._update_enabled()
        if changed & set(_RESTART_KEYS) or self.run is None:
            self._restart()
            return
        live = changed & set(_LIVE_KEYS)
        if live:
            if live - {"lr", "batch_size", "reg", "lam"}:
                self.run.optimizer = _make_optimizer(self.values)  # new optimizer, new state
            else:
                self.run.optimizer.lr = self.values["lr"]
            if self.run.epoch > 0 and self.run.changed_at is None:
                self.run.changed_at = self.run.epoch
        self._render()

    def _update_enabled(self) -> None:
        name = self.controls["optimizer"].value
        self.controls["beta1"].disabled = name not in ("Momentum", "Adam")
        self.controls["beta2"].disabled = name not in ("RMSprop", "Adam")
        self.controls["lam"].disabled = self.controls["reg"].value == "none"
        no_hidden = self.controls["layers"].value == 0
        for key in ("units", "activation", "batchnorm", "dropout"):
            self.controls[key].disabled = no_hidden

    def _show_play_state(self) -> None:
        self.play_button.description = "pause" if self.playing else "play"
        self.play_button.icon = "pause" if self.playing else "play"

    def _render(self) -> None:
        """Redraw the figure, the code view and the labels (the loss label last)."""
        run = self.run
        if run is None:
            return
        values = self.values
        try:
            if self._view.run is not run or self._view.show_test != values["show_test"]:
                self._view.start(run, values["show_test"])
            self.png = self._view.update()
        except Exception as error:  # the heat map runs the model: a student's code may raise
            self._view.run = None
            self._fail(error)
            return
        self.renders += 1
        show_png(self.out, self.png)

        code = reproduce_code(values, run.epoch)
        if run.changed_at is not None:
            code = (f"# Note: training settings changed at epoch {run.changed_at} of this run; "
                    "this code uses the\n# current settings from the start (press reset for "
                    "an exact match).\n" + code)
        self.code_area.value = code
        self.settings_label.value = format_settings(values)
        self.epoch_label.value = f"epoch {run.epoch}"
        if run.epoch == 0:
            loss_text = (f"train loss {run.loss(run.X_train, run.y_train):.4f} · "
                         f"test loss {run.loss(run.X_test, run.y_test):.4f}")
        elif np.isfinite(run.train_losses[-1]):
            loss_text = (f"train loss {run.train_losses[-1]:.4f} · "
                         f"test loss {run.test_losses[-1]:.4f}")
        else:
            loss_text = "diverged (the loss is not finite): lower the learning rate, then reset"
        self.loss_label.value = loss_text


def _nice_ceiling(x: float, steps: tuple[float, ...] = (1, 2, 5, 10)) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, ... (times a power of ten) that is >= x > 0."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(step * power for step in steps if step * power >= x * (1 - 1e-12))


class _View:
    """The figure: heat map with the points (left), loss curves (right).

    Drawing text (ticks, labels) is most of matplotlib's cost, so the figure is drawn in
    full only when its axes change (a new run, or the loss curves outgrow their axes, which
    grow in steps of 1-2-5); every other frame restores that picture and draws just what
    moves (the heat map, the points on it, the curves) on top ("blitting").
    """

    def __init__(self) -> None:
        self.fig = Figure(figsize=(10, 3.8), dpi=80)
        self.fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.9, wspace=0.22)
        self.heat_ax, self.loss_ax = self.fig.subplots(1, 2, width_ratios=[1, 1.3])
        self.canvas = FigureCanvasAgg(self.fig)
        self.run: _Run | None = None
        self.show_test = False

    def start(self, run: _Run, show_test: bool) -> None:
        """Draw what stays the same during the run: the points, axes, titles."""
        self.run, self.show_test = run, show_test
        self.background = None  # the full picture without the moving parts, once drawn
        self.limits: tuple[float, float] | None = None
        ax = self.heat_ax
        ax.clear()
        X_all = np.concatenate([run.X_train, run.X_test])
        half = 1.1 * float(np.abs(X_all).max())
        ticks = np.linspace(-half, half, _GRID)
        gx, gy = np.meshgrid(ticks, ticks)
        self.grid = np.column_stack([gx.ravel(), gy.ravel()])
        self.image = ax.imshow(np.full((_GRID, _GRID), 0.5), origin="lower",
                               extent=(-half, half, -half, half), cmap="coolwarm", vmin=0,
                               vmax=1, alpha=0.6, interpolation="bilinear")
        # What is drawn in every frame, in this order (the points above the heat map).
        self.moving = [self.image,
                       self._scatter(ax, run.X_train, run.y_train, "o", "white", "train")]
        title = "network output P(class 1)"
        if show_test:
            self.moving.append(self._scatter(ax, run.X_test, run.y_test, "s", "black", "test"))
            title += "\ndots: training data, squares: test data"
        ax.set(xlim=(-half, half), ylim=(-half, half), xlabel="$x_1$", ylabel="$x_2$")
        ax.set_title(title, fontsize="medium")
        ax.set_aspect("equal")

        ax = self.loss_ax
        ax.clear()
        self.train_line, = ax.plot([], [], color="tab:blue", label="train")
        self.test_line, = ax.plot([], [], color="tab:orange", label="test")
        ax.set(xlabel="epoch", ylabel="cross-entropy loss")
        ax.set_title("loss per epoch", fontsize="medium")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right")  # drawn once, in the background: text is costly
        self.moving += [self.train_line, self.test_line]
        for artist in self.moving:  # animated: left out of the full drawing
            artist.set_animated(True)

    @staticmethod
    def _scatter(ax, X: np.ndarray, y: np.ndarray, marker: str, edge: str, label: str):
        colors = np.where(y[:, None] == 1, [[0.71, 0.02, 0.15]], [[0.23, 0.30, 0.75]])
        return ax.scatter(X[:, 0], X[:, 1], c=colors, s=14, marker=marker, edgecolors=edge,
                          linewidths=0.7, label=label)

    def update(self) -> bytes:
        """Show the model's current output and losses; return the figure as PNG bytes."""
        run = self.run
        with np.errstate(all="ignore"):
            p1 = softmax(run.model.forward(self.grid, training=False))[:, 1]
        self.image.set_data(p1.reshape(_GRID, _GRID))
        epochs = np.arange(1, run.epoch + 1)
        self.train_line.set_data(epochs, run.train_losses)
        self.test_line.set_data(epochs, run.test_losses)

        finite = [v for v in run.train_losses + run.test_losses if np.isfinite(v)]
        top = min(_nice_ceiling(max(max(finite) * 1.05, 0.01)), 5.0) if finite else 1.0
        limits = (_nice_ceiling(max(10, run.epoch)), top)
        if self.background is None or limits != self.limits:
            self.limits = limits
            self.loss_ax.set(xlim=(0, limits[0]), ylim=(0, limits[1]))
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.canvas.restore_region(self.background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        return canvas_png(self.canvas)
