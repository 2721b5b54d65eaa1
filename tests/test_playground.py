"""The Playground's logic, in-process: controls set from Python, steps run synchronously.

Background play is tested on an asyncio loop of the test's own (the kernel's loop in real
use); the kernel and browser tests (test_playground_kernel.py, tests/browser/) cover the rest.
"""

from __future__ import annotations

import asyncio
import base64
import time

import numpy as np
import pytest

from nnlib.layers import Dense
from nnlib.widgets.playground import DEFAULTS, Playground, _Run, reproduce_code


def _params(pg: Playground) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in pg.model.parameters().items()}


def _shown_png(pg: Playground) -> bytes:
    (image,) = [o for o in pg.out.outputs if o["output_type"] == "display_data"]
    return base64.b64decode(image["data"]["image/png"])


def test_default_network_learns_and_the_views_follow():
    pg = Playground()
    start_png, start_loss_text = pg.png, pg.loss_label.value
    pg.step(20)
    assert pg.epoch == 20
    assert pg.epoch_label.value == "epoch 20"
    assert len(pg.train_losses) == len(pg.test_losses) == 20
    assert pg.train_losses[-1] < 0.5 * pg.train_losses[0]
    assert pg.test_losses[-1] < pg.test_losses[0]
    assert pg.loss_label.value == (f"train loss {pg.train_losses[-1]:.4f} · "
                                   f"test loss {pg.test_losses[-1]:.4f}")
    assert pg.loss_label.value != start_loss_text
    assert pg.png != start_png
    assert _shown_png(pg) == pg.png
    assert "for epoch in range(20):" in pg.code


def test_reset_restores_the_seeded_start():
    pg = Playground()
    start_params, start_png, start_loss = _params(pg), pg.png, pg.loss_label.value
    pg.step(5)
    assert not np.array_equal(pg.model.parameters()["0.W"], start_params["0.W"])
    pg.reset()
    assert pg.epoch == 0 and pg.train_losses == []
    assert pg.epoch_label.value == "epoch 0"
    assert pg.loss_label.value == start_loss
    assert pg.png == start_png
    for key, value in pg.model.parameters().items():
        np.testing.assert_array_equal(value, start_params[key])


def test_same_settings_give_the_same_run():
    a = Playground(dataset="moons", dropout=0.2, batchnorm=True)
    b = Playground(dataset="moons", dropout=0.2, batchnorm=True)
    a.step(4)
    b.step(4)
    assert a.train_losses == b.train_losses
    assert a.png == b.png


def test_the_picture_depends_on_the_state_not_on_how_it_got_there():
    # Frames only redraw what moves (blitting): one big step and many small ones must agree.
    a, b = Playground(show_test=True), Playground(show_test=True)
    a.step(12)
    for _ in range(12):
        b.step(1)
    assert a.png == b.png


def test_a_different_seed_gives_different_data():
    a, b = Playground(), Playground(seed=1)
    assert not np.array_equal(a.run.X_train, b.run.X_train)


@pytest.mark.parametrize("settings", [
    {},
    {"dataset": "spirals", "activation": "relu", "optimizer": "Momentum", "beta1": 0.8,
     "reg": "L2", "lam": 0.05, "dropout": 0.1, "batchnorm": True, "batch_size": 32},
    {"dataset": "xor", "activation": "leaky_relu", "optimizer": "RMSprop", "beta2": 0.99,
     "reg": "L1", "lam": 0.01, "layers": 3, "units": 5, "train_ratio": 0.7, "noise": 0.3},
    {"dataset": "moons", "activation": "sigmoid", "optimizer": "SGD", "lr": 0.3, "layers": 0,
     "points": 150, "seed": 7},
])
def test_the_code_view_reproduces_the_run_exactly(settings):
    pg = Playground(**settings)
    pg.step(6)
    namespace: dict = {}
    exec(pg.code, namespace)  # prints one line: the final losses
    assert namespace["train_losses"] == pg.train_losses
    assert namespace["test_losses"] == pg.test_losses
    for key, value in pg.model.parameters().items():
        np.testing.assert_array_equal(namespace["model"].parameters()[key], value)


def test_changing_the_data_or_network_starts_a_new_run():
    pg = Playground()
    pg.step(3)
    pg.set(dataset="moons")
    assert pg.epoch == 0 and pg.run.train_losses == []
    pg.step(2)
    pg.controls["units"].value = 4  # as a slider would
    assert pg.epoch == 0
    assert pg.model.parameters()["0.W"].shape == (2, 4)


def test_changing_the_learning_rate_continues_the_run():
    pg = Playground()
    pg.step(3)
    params = _params(pg)
    assert pg.set(lr=0.1).endswith("show_test=off")
    assert "lr=0.1," in pg.settings_label.value
    assert pg.epoch == 3
    assert pg.run.optimizer.lr == pytest.approx(0.1)
    for key, value in pg.model.parameters().items():
        np.testing.assert_array_equal(value, params[key])
    assert pg.code.startswith("# Note: training settings changed at epoch 3")
    pg.step(1)
    assert pg.epoch == 4


def test_changing_the_optimizer_keeps_the_weights_and_swaps_the_optimizer():
    pg = Playground()
    pg.step(2)
    pg.set(optimizer="Momentum", beta1=0.5)
    assert type(pg.run.optimizer).__name__ == "Momentum"
    assert pg.run.optimizer.beta == 0.5
    assert pg.epoch == 2


def test_regularisation_pulls_the_weights_in():
    plain, l2 = Playground(units=16), Playground(units=16, reg="L2", lam=3.0)
    plain.step(15)
    l2.step(15)
    norm = lambda pg: sum(float(np.sum(layer.params["W"] ** 2))  # noqa: E731
                          for layer in pg.run.layers if isinstance(layer, Dense))
    assert norm(l2) < norm(plain)


def test_irrelevant_controls_are_disabled():
    pg = Playground(optimizer="SGD")
    assert pg.controls["beta1"].disabled and pg.controls["beta2"].disabled
    pg.set(optimizer="RMSprop")
    assert pg.controls["beta1"].disabled and not pg.controls["beta2"].disabled
    assert pg.controls["lam"].disabled
    pg.set(reg="L1")
    assert not pg.controls["lam"].disabled
    pg.set(layers=0)
    assert pg.controls["units"].disabled and pg.controls["dropout"].disabled


def test_new_data_moves_to_the_next_seed():
    pg = Playground()
    X_before = pg.run.X_train
    pg.regenerate_button.click()
    assert pg.controls["seed"].value == 1
    assert not np.array_equal(pg.run.X_train, X_before)


def test_buttons_step_and_reset():
    pg = Playground()
    pg.step_button.click()
    pg.step_button.click()
    assert pg.epoch == 2
    pg.reset_button.click()
    assert pg.epoch == 0


def test_show_test_data_redraws_without_restarting():
    pg = Playground()
    pg.step(2)
    png = pg.png
    pg.set(show_test=True)
    assert pg.epoch == 2
    assert pg.png != png


def test_every_choice_of_every_dropdown_trains():
    pg = Playground(points=100)
    for key in ("dataset", "activation", "optimizer", "reg"):
        for option in pg.controls[key].options:
            pg.set(**{key: option})
            pg.step(1)
            assert pg.error is None, (key, option, pg.error)
            assert np.isfinite(pg.train_losses[-1])


def test_a_students_unfinished_layer_is_reported_not_raised(monkeypatch):
    pg = Playground()

    def unfinished(self, x, training=True):
        raise NotImplementedError("01_feedforward: write tanh")

    monkeypatch.setattr(type(pg.run.layers[1]), "forward", unfinished)
    pg.step(3)
    assert pg.epoch == 0
    assert isinstance(pg.error, NotImplementedError)
    assert pg.loss_label.value == "error: NotImplementedError: 01_feedforward: write tanh"
    assert "write tanh" in pg.out.outputs[0]["text"]


def test_an_error_in_backprop_stays_on_show(monkeypatch):
    pg = Playground()

    def unfinished(self, dout):
        raise NotImplementedError("02_backprop: write tanh_backward")

    monkeypatch.setattr(type(pg.run.layers[1]), "backward", unfinished)
    pg.step(2)
    assert pg.loss_label.value == "error: NotImplementedError: 02_backprop: write tanh_backward"
    assert [o["output_type"] for o in pg.out.outputs] == ["stream"]
    monkeypatch.undo()
    pg.step(1)  # fixed: training goes on, the figure comes back
    assert pg.error is None and pg.epoch == 1
    assert pg.loss_label.value.startswith("train loss")


def test_a_diverging_run_stops_and_says_so(monkeypatch):
    pg = Playground()
    original = _Run.train_epoch

    def diverging(self, s):
        original(self, s)
        self.train_losses[-1] = float("nan")

    monkeypatch.setattr(_Run, "train_epoch", diverging)
    pg.step(5)
    assert pg.epoch == 1
    assert pg.loss_label.value.startswith("diverged")


def test_unknown_settings_are_rejected():
    with pytest.raises(TypeError, match="learning_rate"):
        Playground(learning_rate=0.1)
    with pytest.raises(KeyError):
        Playground().set(learning_rate=0.1)


def test_controls_views_and_buttons_carry_stable_css_classes():
    pg = Playground()
    for key, control in pg.controls.items():
        assert f"nn-{key}" in control._dom_classes
    for widget, name in [(pg.play_button, "play"), (pg.step_button, "step"),
                         (pg.reset_button, "reset"), (pg.epoch_label, "epoch"),
                         (pg.loss_label, "loss"), (pg.settings_label, "settings"),
                         (pg.out, "plot"), (pg.code_area, "code"), (pg, "playground")]:
        assert f"nn-{name}" in widget._dom_classes
    assert set(pg.controls) == set(DEFAULTS)


def test_play_outside_a_kernel_explains_itself():
    pg = Playground()
    pg.play()
    assert not pg.playing
    assert "step()" in pg.loss_label.value


def test_play_trains_in_the_background_until_paused():
    async def scenario():
        pg = Playground(frame_seconds=0.02)
        pg.play()
        assert pg.playing and pg.play_button.description == "pause"
        deadline = time.monotonic() + 60
        while pg.epoch < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # runs only if the play loop yields between frames
        pg.pause()
        await asyncio.sleep(0.05)  # let the current frame end
        stopped_at = pg.epoch
        await asyncio.sleep(0.1)
        return pg, stopped_at

    pg, stopped_at = asyncio.run(scenario())
    assert stopped_at >= 3
    assert pg.epoch == stopped_at
    assert pg.play_button.description == "play"
    assert pg.epoch_label.value == f"epoch {pg.epoch}"


def test_play_stops_by_itself_at_max_epochs():
    async def scenario():
        pg = Playground(max_epochs=4, frame_seconds=0.02)
        pg.play()
        deadline = time.monotonic() + 60
        while pg.playing and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return pg

    pg = asyncio.run(scenario())
    assert not pg.playing
    assert pg.epoch == 4


def test_reproduce_code_lists_only_what_it_uses():
    code = reproduce_code(dict(DEFAULTS), 10)
    assert "from nnlib.layers import Dense, Tanh\n" in code
    assert "regularization" not in code and "Dropout" not in code
    code = reproduce_code({**DEFAULTS, "reg": "L1", "dropout": 0.3, "batchnorm": True}, 10)
    assert "from nnlib.layers import Dense, BatchNorm, Tanh, Dropout\n" in code
    assert "l1_grad(layer.params['W'], lam, len(Xb))" in code
