"""The Playground app: train an nnlib network live on a 2-D problem, in Jupyter or Voilà.

    from nnlib.widgets.playground import Playground
    Playground()                       # last line of a cell: shows it; press "play"
    Playground(dataset="moons", hidden=(4, 2), lr=0.1)
    Playground(query="dataset=moons&lr=0.1")   # the settings of a link (Voilà: QUERY_STRING)

What you can change is in ``playground_settings.DEFAULTS``: the problem (four classification
data sets, two regression ones), its noise, size and train/test split; the input features;
the hidden layers and their widths, the activation, batch norm and dropout; the learning rate,
batch size, optimizer with its β's, L1/L2 penalty and λ; the speed (epochs per frame), and
the view. ``PRESETS`` are setups that teach one thing each.

The pieces, one module each: the settings and the URL (``playground_settings``), the data and
input features (``playground_problems``), the run (``playground_run``), the code view
(``playground_code``), the board drawn in the browser (``playground_board``), the controls
(``playground_controls``) and the presets (``playground_presets``). This module wires them:

- a change of the data or the network starts a new run (the last one stays on the loss chart
  as a ghost); a change of a training setting applies from the next epoch, is marked on the
  loss chart, and is written into the code at that epoch, so the code stays exact;
- "play" trains ``speed`` epochs per frame ("auto": 1 at the start, more later) in the background (an asyncio task on the kernel's
  event loop) until paused, until the run diverges (said in the status line), or until the
  page has been closed (the page says it is alive every second);
- for scripts and tests: ``set(...)``, ``step(n)``, ``reset()``, ``play()``, ``pause()`` do
  what the controls do, synchronously (except ``play``); ``epoch``, ``train_losses``,
  ``test_losses``, ``code``, ``model``, ``run`` and ``board`` report the state.
"""

from __future__ import annotations

import asyncio
import html
import time
from typing import Any

import ipywidgets as widgets
import numpy as np

from nnlib.sequential import Sequential
from nnlib.widgets.explorer import Controlled, button, dropdown, tag
from nnlib.widgets.playground_board import Board, curve_bytes
from nnlib.widgets.playground_code import reproduce_code
from nnlib.widgets.playground_controls import CONTROL_WIDTH, make_controls
from nnlib.widgets.playground_presets import PRESETS
from nnlib.widgets.playground_run import Run, live_settings
from nnlib.widgets.playground_settings import (
    DEFAULTS,
    LIVE_KEYS,
    SETUP_KEYS,
    VIEW_KEYS,
    check_settings,
    epochs_per_frame,
    from_query,
    to_query,
)

__all__ = ["Playground", "DEFAULTS", "PRESETS", "FRAME_SECONDS"]

FRAME_SECONDS = 1 / 30  # the shortest time between two frames while playing


class Playground(Controlled, widgets.HBox):
    """The Playground app (see the module docstring). Keyword arguments override the
    settings of ``query`` (a URL query string), which override ``DEFAULTS``."""

    def __init__(self, *, query: str = "", **settings: Any) -> None:
        from_link, ignored = from_query(query)
        s = check_settings({**from_link, **settings})
        self.playing = False
        self.run: Run | None = None
        self.error: Exception | None = None
        self.renders = 0
        self.stop_reason = ""
        self._task: asyncio.Task | None = None
        self._play_token = 0  # which play loop is the current one
        self._choosing_preset = False
        self.board = tag(Board(), "board")
        self.wire_controls(make_controls(s), on_change=lambda key: self._apply({key}))

        self.play_button = tag(button("play", icon="play"), "play")
        self.step_button = tag(button("step", icon="step-forward"), "step")
        self.reset_button = tag(button("reset", icon="undo"), "reset")
        self.regenerate_button = tag(button("new data", icon="random"), "regenerate")
        self.play_button.on_click(lambda _: self.pause() if self.playing else self.play())
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.regenerate_button.on_click(lambda _: self.regenerate())
        for widget in (self.play_button, self.step_button, self.reset_button):
            widget.layout.width = "90px"

        self.epoch_label = tag(widgets.Label("epoch 0", layout={"margin": "0 10px 0 0"}), "epoch")
        self.loss_label = tag(widgets.HTML(""), "loss")
        self.notice = tag(widgets.HTML(html.escape("; ".join(f"link: {text}" for text in ignored),
                                                   quote=False)), "notice")
        self.preset = tag(dropdown("preset", [("choose a lesson…", "")] + [
            (name, name) for name in PRESETS]), "preset")
        self.preset.layout.width = CONTROL_WIDTH
        self.preset.observe(lambda change: self.load_preset(change["new"]), names="value")
        self.lesson = tag(widgets.HTML("", layout={"width": CONTROL_WIDTH}), "lesson")

        c = self.controls
        pages = {
            "Data": [c["dataset"], c["noise"], c["train_ratio"], c["points"],
                     widgets.HBox([c["seed"], self.regenerate_button])],
            "Network": [c["features"], c["hidden"], c["activation"], c["batchnorm"],
                        c["dropout"]],
            "Training": [c["lr"], c["batch_size"], c["optimizer"], c["beta1"], c["beta2"],
                         c["reg"], c["lam"]],
            "View": [c["speed"], c["show_test"], c["discretize"], c["log_loss"]],
        }
        c["seed"].layout.width = "170px"
        tabs = widgets.Tab([widgets.VBox(children) for children in pages.values()],
                           titles=list(pages), layout={"width": "310px"})
        left = widgets.VBox([
            widgets.HBox([self.reset_button, self.play_button, self.step_button]),
            widgets.HBox([self.epoch_label, self.loss_label]),
            self.preset, self.lesson, tabs, self.notice,
        ], layout={"width": "316px", "flex": "none"})
        left.layout.margin = "0 8px 0 0"
        super().__init__([left, self.board], layout={"align_items": "flex-start"})
        tag(self, "playground")
        self._show_view_settings()
        self._update_enabled()
        self._restart()

    # -- state -----------------------------------------------------------------------------

    @property
    def epoch(self) -> int:
        return self.run.epoch if self.run else 0

    @property
    def train_losses(self) -> list[float]:
        """The training loss after each epoch, from epoch 0 (before training)."""
        return list(self.run.train_losses) if self.run else []

    @property
    def test_losses(self) -> list[float]:
        return list(self.run.test_losses) if self.run else []

    @property
    def model(self) -> Sequential | None:
        return self.run.model if self.run else None

    @property
    def code(self) -> str:
        """Code that reproduces the current run with nnlib (the code view)."""
        return self.board.code

    # -- actions ---------------------------------------------------------------------------

    def set(self, **values: Any) -> str:
        """Set several controls at once and apply them once; return the URL query of the
        settings. KeyError names an unknown setting, ValueError a value outside its choices."""
        check_settings({**self.values, **values})
        self._apply(self.set_controls(values))
        return self.board.query

    def load_preset(self, name: str) -> None:
        """Start the preset ``name`` (one of PRESETS): its settings over the defaults (the
        view settings stay), a new run, and its lesson shown; "" does nothing."""
        if not name or self._choosing_preset:
            return
        preset = PRESETS[name]
        view = {key: self.values[key] for key in VIEW_KEYS}
        self.pause()
        self.set(**{**DEFAULTS, **view, **preset.settings})
        self._restart()  # a preset chosen twice starts again
        self.lesson.value = (f'<div style="line-height: 1.35; font-size: 12px">'
                             f'{preset.lesson}</div>')
        self._choosing_preset = True
        self.preset.value = name
        self._choosing_preset = False

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
        self.stop_reason = ""
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
            while self.playing and token == self._play_token:
                started = time.perf_counter()
                if self.board.front_end_gone:
                    self.stop_reason = "paused: the page stopped answering"
                    break
                if self.board.behind:  # let the page draw what it has first
                    await asyncio.sleep(0.005)
                    continue
                for _ in range(epochs_per_frame(self.values["speed"], self.epoch)):
                    if not self._train_one_epoch():
                        self.playing = False
                        break
                if self.error is None:
                    self._render()
                # Hand the event loop back, so clicks and slider changes are handled.
                await asyncio.sleep(max(0.001, FRAME_SECONDS - (time.perf_counter() - started)))
        finally:
            if token == self._play_token:
                self.playing = False
                self._show_play_state()

    def _train_one_epoch(self) -> bool:
        """Train one epoch; False (and a message) after an error or when the run diverged."""
        run = self.run
        if run is None or not np.isfinite(run.train_losses[-1]):
            return False
        try:
            with np.errstate(all="ignore"):  # a diverging run overflows: said below
                run.train_epoch(live_settings(self.values))
        except Exception as error:  # e.g. a student's NotImplementedError
            self._fail(error)
            return False
        self.error = None
        return not run.diverged

    def _restart(self) -> None:
        old = self.run
        try:
            run = Run(self.values)
        except Exception as error:
            self.run = None
            self._fail(error)
            return
        if old is not None and old.epoch > 0:
            self.board.ghost = curve_bytes(old.train_losses, old.test_losses)
        self.run, self.error = run, None
        try:
            self.board.start(run)
        except Exception as error:  # the board runs the model: a student's code may raise
            self._fail(error)
            return
        self._render()

    def _fail(self, error: Exception) -> None:
        self.error = error
        self.playing = False
        self._show_play_state()
        text = f"error: {type(error).__name__}: {error}"
        self.loss_label.value = html.escape(text, quote=False)  # HTML: a long message wraps
        self.board.message = text

    def _apply(self, changed: set[str]) -> None:
        """React to changed settings: restart, continue with new training settings, or show."""
        if not changed:
            return
        if not self._choosing_preset:
            self._choosing_preset = True  # a change by hand leaves the preset
            self.preset.value = ""
            self._choosing_preset = False
            self.lesson.value = ""
        self._update_enabled()
        self._show_view_settings()
        if changed & set(SETUP_KEYS) or self.run is None:
            self._restart()
        elif changed & set(LIVE_KEYS) and self.error is None:
            self._render()  # the code view shows the new settings before they train

    def _show_view_settings(self) -> None:
        values = self.values
        with self.board.hold_sync():
            self.board.show_test = values["show_test"]
            self.board.discretize = values["discretize"]
            self.board.log_loss = values["log_loss"]
            self.board.query = to_query(values)

    def _update_enabled(self) -> None:
        c = self.controls
        name = c["optimizer"].value
        c["beta1"].disabled = name not in ("Momentum", "Adam")
        c["beta2"].disabled = name not in ("RMSprop", "Adam")
        c["lam"].disabled = c["reg"].value == "none"
        no_hidden = not c["hidden"].value
        for key in ("activation", "batchnorm", "dropout"):
            c[key].disabled = no_hidden

    def _show_play_state(self) -> None:
        self.play_button.description = "pause" if self.playing else "play"
        self.play_button.icon = "pause" if self.playing else "play"

    def _render(self) -> None:
        """Send the board the run's state, then the code view and the labels (labels last)."""
        run = self.run
        if run is None:
            return
        try:
            self.board.show(run)
        except Exception as error:  # the board runs the model: a student's code may raise
            self._fail(error)
            return
        self.renders += 1
        self.board.code = reproduce_code(run, live_settings(self.values))
        train, test = run.train_losses[-1], run.test_losses[-1]
        if run.diverged:
            text = (f"diverged at epoch {run.epoch}: the training loss went from "
                    f"{run.train_losses[0]:.3g} to {train:.3g}. Lower the learning rate, "
                    "then reset.")
        else:
            text = ""
        self.board.message = text
        self.epoch_label.value = f"epoch {run.epoch}"
        self.loss_label.value = text or f"train loss {train:.4f} · test loss {test:.4f}"
