"""The Playground's logic, in-process: controls set from Python, steps run synchronously.

Background play is tested on an asyncio loop of the test's own (the kernel's loop in real
use), with the page's messages sent by hand; the kernel and browser tests
(test_playground_kernel.py, tests/browser/) cover the rest.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from nnlib.layers import Dense
from nnlib.widgets.playground import DEFAULTS, PRESETS, Playground
from nnlib.widgets.playground_board import ALIVE_SECONDS, CURVE_POINTS, curve_bytes
from nnlib.widgets.playground_settings import LEARNING_RATES, epochs_per_frame


def _params(pg: Playground) -> dict[str, np.ndarray]:
    return {key: value.copy() for key, value in pg.model.parameters().items()}


def _curves(data: bytes) -> np.ndarray:
    """The board's loss curves: rows (epoch, train, test)."""
    return np.frombuffer(data, dtype=np.float32).reshape(-1, 3)


def _replays_exactly(pg: Playground) -> None:
    namespace: dict = {}
    exec(pg.code, namespace)  # prints one line: the final losses
    assert namespace["train_losses"] == pg.train_losses
    assert namespace["test_losses"] == pg.test_losses
    for key, value in pg.model.parameters().items():
        np.testing.assert_array_equal(namespace["model"].parameters()[key], value)


def test_default_network_learns_and_the_views_follow():
    pg = Playground()
    start_frame, start_loss_text = pg.board.frame, pg.loss_label.value
    pg.step(20)
    assert pg.epoch == 20
    assert pg.epoch_label.value == "epoch 20"
    assert len(pg.train_losses) == len(pg.test_losses) == 21  # epoch 0 included
    assert pg.train_losses[-1] < 0.5 * pg.train_losses[0]
    assert pg.test_losses[-1] < pg.test_losses[0]
    assert pg.loss_label.value == (f"train loss {pg.train_losses[-1]:.4f} · "
                                   f"test loss {pg.test_losses[-1]:.4f}")
    assert pg.loss_label.value != start_loss_text
    assert pg.board.frame != start_frame
    curves = _curves(pg.board.curves)
    np.testing.assert_array_equal(curves[:, 0], np.arange(21))
    np.testing.assert_allclose(curves[:, 1], pg.train_losses, rtol=1e-6)
    assert "train(20, batch_size=16)" in pg.code


def test_the_board_gets_every_neuron_and_weight():
    pg = Playground(features=("x1", "x2", "x1x2"), hidden=(5, 3))
    network = pg.board.network
    assert [len(column) for column in network["labels"]] == [3, 5, 3, 1]
    assert network["labels"][0] == ["X₁", "X₂", "X₁X₂"]
    grid = network["grid"]
    assert len(pg.board.frame) == (3 + 5 + 3 + 1) * grid * grid
    assert len(pg.board.weights) == 4 * (3 * 5 + 5 * 3 + 3 * 1)  # float32, one per line
    # the output thumbnail is 2 P(class 1) - 1, scaled to a byte
    frame = np.frombuffer(pg.board.frame, dtype=np.uint8)
    from nnlib.widgets.playground_board import grid_points
    from nnlib.activations import softmax
    points = grid_points(network["extent"], grid)
    features = np.column_stack([points, points[:, 0] * points[:, 1]])
    p1 = softmax(pg.model.forward(features, training=False))[:, 1]
    np.testing.assert_array_equal(frame[-grid * grid:], np.round(p1 * 255).astype(np.uint8))


def test_the_heat_map_spans_the_data_not_a_square():
    pg = Playground(dataset="moons")
    x1_min, x1_max, x2_min, x2_max = pg.board.network["extent"]
    X = np.concatenate([pg.run.X_train, pg.run.X_test])
    assert x1_min < X[:, 0].min() and X[:, 0].max() < x1_max
    assert x2_min < X[:, 1].min() and X[:, 1].max() < x2_max
    # moons is wider than tall: the plane follows it instead of a square around max |x|
    assert (x2_max - x2_min) < 0.8 * (x1_max - x1_min)


def test_reset_restores_the_seeded_start():
    pg = Playground()
    start_params, start_frame, start_loss = _params(pg), pg.board.frame, pg.loss_label.value
    pg.step(5)
    assert not np.array_equal(pg.model.parameters()["0.W"], start_params["0.W"])
    pg.reset()
    assert pg.epoch == 0 and len(pg.train_losses) == 1
    assert pg.epoch_label.value == "epoch 0"
    assert pg.loss_label.value == start_loss
    assert pg.board.frame == start_frame
    for key, value in pg.model.parameters().items():
        np.testing.assert_array_equal(value, start_params[key])


def test_same_settings_give_the_same_run():
    a = Playground(dataset="moons", dropout=0.2, batchnorm=True)
    b = Playground(dataset="moons", dropout=0.2, batchnorm=True)
    a.step(4)
    b.step(4)
    assert a.train_losses == b.train_losses
    assert a.board.frame == b.board.frame


@pytest.mark.parametrize("settings", [
    {},
    {"dataset": "spirals", "activation": "relu", "optimizer": "Momentum", "beta1": 0.8,
     "reg": "L2", "lam": 0.03, "dropout": 0.1, "batchnorm": True, "batch_size": 32},
    {"dataset": "xor", "activation": "leaky_relu", "optimizer": "RMSprop", "beta2": 0.99,
     "reg": "L1", "lam": 0.01, "hidden": (5, 5, 3), "train_ratio": 0.7, "noise": 0.3},
    {"dataset": "moons", "activation": "sigmoid", "optimizer": "SGD", "lr": 0.3, "hidden": (),
     "points": 150, "seed": 7},
    {"dataset": "gaussians", "features": ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1",
                                          "sin_x2"), "hidden": (6, 2), "batchnorm": True},
    {"dataset": "plane", "hidden": (), "features": ("x1x2", "sin_x2"), "reg": "L2"},
])
def test_the_code_view_reproduces_the_run_exactly(settings):
    pg = Playground(**settings)
    pg.step(6)
    _replays_exactly(pg)


def test_the_code_stays_exact_after_changes_in_the_middle_of_a_run():
    pg = Playground()
    pg.step(3)
    pg.set(lr=0.1)
    pg.step(2)
    pg.set(optimizer="Momentum", beta1=0.5, batch_size=32)
    pg.step(2)
    pg.set(reg="L2", lam=0.1)
    pg.set(lr=0.01)  # two changes before the next epoch: one segment
    pg.step(3)
    assert pg.epoch == 10
    _replays_exactly(pg)
    code = pg.code
    assert "train(3, batch_size=16)\n# epoch 3: lr 0.03→0.1\noptimizer.lr = 0.1\n" in code
    assert "# epoch 5: Momentum(lr=0.1, β=0.5), batch 16→32\n" in code
    assert "optimizer = Momentum(lr=0.1, beta=0.5)  # its state starts afresh\n" in code
    assert "train(3, batch_size=32, penalty=l2_grad, lam=0.1)\n" in code
    # the same changes are marked on the loss chart, at their epochs
    assert [epoch for epoch, _ in pg.board.marks] == [3, 5, 7]


def test_the_code_imports_only_what_it_uses():
    code = Playground().code
    assert "from nnlib.layers import Dense, Tanh\n" in code
    assert "regularization" not in code and "Dropout" not in code
    assert "input_features" not in code
    code = Playground(hidden=(), batchnorm=True, dropout=0.3).code
    assert "from nnlib.layers import Dense\n" in code
    assert "BatchNorm" not in code and "Dropout" not in code
    code = Playground(reg="L1", dropout=0.3, batchnorm=True).code
    assert "from nnlib.layers import Dense, BatchNorm, Tanh, Dropout\n" in code
    assert "from nnlib.regularization import add_penalty_grad, l1_grad\n" in code
    # the penalty's m is the training set's size, whatever the batch
    assert ("add_penalty_grad(model.weights(), model.gradients(), lam, len(X_train), "
            "grad=penalty)") in code
    for line in code.splitlines():
        if line.startswith("from "):
            for name in line.split(" import ")[1].split(", "):
                assert code.count(name) > 1, f"{name} imported but not used"


def test_the_penalty_counts_the_training_set_not_the_batch():
    # Course convention: lam / (2m) Σ‖W‖² with m = len(X_train), so λ means the same at any
    # batch size: one step of plain SGD shrinks W by lr * lam / m_train * W, on top of the data.
    plain = Playground(optimizer="SGD", lr=0.1, batch_size=256, hidden=())
    penalised = Playground(optimizer="SGD", lr=0.1, batch_size=256, hidden=(), reg="L2", lam=10.0)
    W0 = plain.run.blocks[0][0].params["W"].copy()
    plain.step(1)
    penalised.step(1)
    m = len(plain.run.X_train)  # 200 training points: one batch of 256 holds them all
    shrink = penalised.run.blocks[0][0].params["W"] - plain.run.blocks[0][0].params["W"]
    np.testing.assert_allclose(shrink, -0.1 * 10.0 / m * W0, rtol=1e-10, atol=1e-15)


def test_changing_the_data_or_network_starts_a_new_run_and_keeps_the_last_as_a_ghost():
    pg = Playground()
    pg.step(3)
    old_curves = pg.board.curves
    pg.set(dataset="moons")
    assert pg.epoch == 0 and len(pg.train_losses) == 1
    assert pg.board.ghost == old_curves
    pg.step(2)
    pg.controls["hidden"].value = (4,)  # as the layer buttons would
    assert pg.epoch == 0
    assert pg.model.parameters()["0.W"].shape == (2, 4)
    assert len(_curves(pg.board.ghost)) == 3  # epochs 0, 1, 2 of the moons run


def test_changing_the_learning_rate_continues_the_run():
    pg = Playground()
    pg.step(3)
    params = _params(pg)
    assert pg.set(lr=0.1) == "lr=0.1"
    assert pg.epoch == 3
    for key, value in pg.model.parameters().items():
        np.testing.assert_array_equal(value, params[key])
    pg.step(1)
    assert pg.epoch == 4
    assert pg.run.optimizer.lr == 0.1
    assert type(pg.run.optimizer).__name__ == "Adam"


def test_changing_the_optimizer_keeps_the_weights_and_swaps_the_optimizer():
    pg = Playground()
    pg.step(2)
    pg.set(optimizer="Momentum", beta1=0.5)
    pg.step(1)
    assert type(pg.run.optimizer).__name__ == "Momentum"
    assert pg.run.optimizer.beta == 0.5
    assert pg.epoch == 3


def test_regularisation_pulls_the_weights_in():
    plain, l2 = Playground(hidden=(8, 8)), Playground(hidden=(8, 8), reg="L2", lam=10.0)
    plain.step(15)
    l2.step(15)
    norm = lambda pg: sum(float(np.sum(layer.params["W"] ** 2))  # noqa: E731
                          for layer in pg.model if isinstance(layer, Dense))
    assert norm(l2) < norm(plain)


def test_irrelevant_controls_are_disabled():
    pg = Playground(optimizer="SGD")
    assert pg.controls["beta1"].disabled and pg.controls["beta2"].disabled
    pg.set(optimizer="RMSprop")
    assert pg.controls["beta1"].disabled and not pg.controls["beta2"].disabled
    assert pg.controls["lam"].disabled
    pg.set(reg="L1")
    assert not pg.controls["lam"].disabled
    pg.set(hidden=())
    assert pg.controls["activation"].disabled and pg.controls["dropout"].disabled


def test_the_learning_rate_steps_through_round_values():
    pg = Playground()
    labels = [label for label, _ in pg.controls["lr"].options]
    assert labels == ["0.00001", "0.0001", "0.0003", "0.001", "0.003", "0.01", "0.03", "0.1",
                      "0.3", "1", "3", "10"]
    assert [value for _, value in pg.controls["lr"].options] == list(LEARNING_RATES)
    pg.controls["lr"].index += 1  # one step right, as the arrow key does
    assert pg.values["lr"] == 0.1
    assert "lr=0.1" in pg.board.query and "optimizer = Adam(lr=0.1," in pg.code


def test_every_slider_has_the_same_width():
    widths = {control.layout.width for control in Playground().controls.values()
              if "Slider" in type(control).__name__}
    assert widths == {"275px"}


def test_layer_widths_and_features_controls():
    pg = Playground()
    hidden = pg.controls["hidden"]
    hidden.add_button.click()
    assert pg.values["hidden"] == (8, 8, 8)
    hidden.remove_button.click()
    hidden.remove_button.click()
    assert pg.values["hidden"] == (8,)
    hidden._boxes.children[0].value = 3
    assert pg.values["hidden"] == (3,)
    assert pg.model.parameters()["0.W"].shape == (2, 3)
    features = pg.controls["features"]
    features.buttons["sin_x1"].value = True
    assert pg.values["features"] == ("x1", "x2", "sin_x1")
    for name in ("x1", "x2", "sin_x1"):
        features.buttons[name].value = False
    assert pg.values["features"] == ("sin_x1",)  # the last one stays on
    assert pg.model.parameters()["0.W"].shape == (1, 3)


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


def test_view_settings_redraw_without_restarting():
    pg = Playground()
    pg.step(2)
    pg.set(show_test=True, discretize=True, log_loss=True, speed=5)
    assert pg.epoch == 2
    assert (pg.board.show_test, pg.board.discretize, pg.board.log_loss) == (True, True, True)


def test_every_choice_of_every_dropdown_trains():
    pg = Playground(points=100)
    for key in ("dataset", "activation", "optimizer", "reg"):
        for _, option in [o if isinstance(o, tuple) else (o, o)
                          for o in pg.controls[key].options]:
            pg.set(**{key: option})
            pg.step(1)
            assert pg.error is None, (key, option, pg.error)
            assert np.isfinite(pg.train_losses[-1])


def test_regression_uses_a_single_output_and_the_squared_error():
    pg = Playground(dataset="gaussians")
    assert pg.model.parameters()["4.W"].shape == (8, 1)
    assert pg.board.network["regression"] is True
    pg.step(30)
    assert pg.train_losses[-1] < 0.5 * pg.train_losses[0]
    assert "mse_backward(out, yb)" in pg.code and "make_regression('gaussians'" in pg.code


def test_a_students_unfinished_layer_is_reported_not_raised(monkeypatch):
    pg = Playground()

    def unfinished(self, x, training=True):
        raise NotImplementedError("01_feedforward: write tanh")

    monkeypatch.setattr(type(pg.run.blocks[0][1]), "forward", unfinished)
    pg.step(3)
    assert pg.epoch == 0
    assert isinstance(pg.error, NotImplementedError)
    assert pg.loss_label.value == "error: NotImplementedError: 01_feedforward: write tanh"
    assert "write tanh" in pg.board.message


def test_an_error_in_backprop_stays_on_show_until_fixed(monkeypatch):
    pg = Playground()

    def unfinished(self, dout):
        raise NotImplementedError("02_backprop: write tanh_backward")

    monkeypatch.setattr(type(pg.run.blocks[0][1]), "backward", unfinished)
    pg.step(2)
    assert pg.loss_label.value == "error: NotImplementedError: 02_backprop: write tanh_backward"
    monkeypatch.undo()
    pg.step(1)  # fixed: training goes on, the message goes
    assert pg.error is None and pg.epoch == 1
    assert pg.loss_label.value.startswith("train loss") and pg.board.message == ""


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "RMSprop"])
def test_a_learning_rate_of_10_diverges_and_says_so(optimizer):
    # At lr 10 the loss stays finite (5-50 times its start): divergence is still detected.
    pg = Playground(optimizer=optimizer, lr=10.0)
    pg.step(5)
    assert pg.epoch == 1  # training stops at the first epoch that diverged
    assert np.isfinite(pg.train_losses[-1])
    assert pg.loss_label.value.startswith("diverged at epoch 1: the training loss went from 0.69")
    assert pg.board.message == pg.loss_label.value
    pg.set(lr=0.03)
    pg.reset()
    assert pg.board.message == "" and pg.loss_label.value.startswith("train loss")


def test_unknown_settings_and_bad_values_are_rejected_with_a_message():
    with pytest.raises(TypeError, match="learning_rate"):
        Playground(learning_rate=0.1)
    with pytest.raises(ValueError, match="lr must be one of 0.00001|lr must be one of 1e-05"):
        Playground(lr=0.05)
    with pytest.raises(ValueError, match="at most 6 layer widths, each from 1 to 8"):
        Playground(hidden=(9,))
    with pytest.raises(ValueError, match="features must be a non-empty choice"):
        Playground(features=())
    with pytest.raises(TypeError):
        Playground().set(learning_rate=0.1)


def test_a_link_restores_its_settings_and_the_address_follows_changes():
    pg = Playground(query="dataset=moons&hidden=4,2&features=x1,x2,x1x2&lr=0.1&batchnorm=1")
    assert pg.values["dataset"] == "moons" and pg.values["hidden"] == (4, 2)
    assert pg.values["features"] == ("x1", "x2", "x1x2") and pg.values["lr"] == 0.1
    assert pg.values["batchnorm"] is True
    assert pg.board.query == "dataset=moons&features=x1,x2,x1x2&hidden=4,2&batchnorm=1&lr=0.1"
    assert Playground(query=pg.board.query).values == pg.values
    pg.set(noise=0.2)
    assert "noise=0.2" in pg.board.query
    bad = Playground(query="?dataset=moons&lr=7&colour=red")
    assert bad.values["dataset"] == "moons" and bad.values["lr"] == DEFAULTS["lr"]
    assert "unknown setting 'colour'" in bad.notice.value and "lr=7" in bad.notice.value


def test_controls_views_and_buttons_carry_stable_css_classes():
    pg = Playground()
    for key, control in pg.controls.items():
        assert f"nn-{key}" in control._dom_classes
    for widget, name in [(pg.play_button, "play"), (pg.step_button, "step"),
                         (pg.reset_button, "reset"), (pg.epoch_label, "epoch"),
                         (pg.loss_label, "loss"), (pg.board, "board"), (pg.preset, "preset"),
                         (pg, "playground")]:
        assert f"nn-{name}" in widget._dom_classes
    assert set(pg.controls) == set(DEFAULTS)


def test_a_preset_starts_its_setup_shows_its_lesson_and_keeps_the_last_run_as_a_ghost():
    pg = Playground()
    pg.step(4)
    curves = pg.board.curves
    pg.preset.value = "vanishing gradients"
    assert pg.values["activation"] == "sigmoid" and pg.values["hidden"] == (8,) * 6
    assert "coin toss" in pg.lesson.value
    assert pg.board.ghost == curves and pg.epoch == 0
    pg.set(lr=0.3)  # a change by hand leaves the preset
    assert pg.preset.value == "" and pg.lesson.value == ""
    for name in PRESETS:
        pg.load_preset(name)
        assert pg.preset.value == name and pg.error is None


def test_curves_are_thinned_for_long_runs_keeping_both_ends():
    n = 5 * CURVE_POINTS
    rows = _curves(curve_bytes(list(np.linspace(1, 0, n)), list(np.linspace(2, 1, n))))
    assert len(rows) <= CURVE_POINTS
    assert rows[0, 0] == 0 and rows[-1, 0] == n - 1
    assert rows[-1, 1] == 0.0 and rows[0, 2] == 2.0


def test_play_outside_a_kernel_explains_itself():
    pg = Playground()
    pg.play()
    assert not pg.playing
    assert "step()" in pg.loss_label.value


def _run(scenario):
    return asyncio.run(scenario())


def test_play_trains_speed_epochs_per_frame_until_paused():
    async def scenario():
        pg = Playground(speed=5)
        renders = pg.renders
        pg.play()
        assert pg.playing and pg.play_button.description == "pause"
        deadline = time.monotonic() + 60
        while pg.epoch < 20 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)  # runs only if the play loop yields between frames
        pg.pause()
        await asyncio.sleep(0.1)  # let the current frame end
        stopped_at = pg.epoch
        await asyncio.sleep(0.1)
        return pg, stopped_at, pg.renders - renders

    pg, stopped_at, frames = _run(scenario)
    assert stopped_at >= 20 and stopped_at % 5 == 0
    assert frames == stopped_at // 5  # one frame per 5 epochs
    assert pg.epoch == stopped_at
    assert pg.play_button.description == "play"
    assert pg.epoch_label.value == f"epoch {pg.epoch}"


def test_play_stops_when_the_run_diverges():
    async def scenario():
        pg = Playground(lr=10.0, optimizer="SGD")
        pg.play()
        deadline = time.monotonic() + 30
        while pg.playing and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return pg

    pg = _run(scenario)
    assert not pg.playing and pg.epoch == 1
    assert pg.loss_label.value.startswith("diverged")


def test_play_waits_for_the_page_to_draw_and_stops_when_the_page_is_gone():
    async def scenario():
        pg = Playground()
        board = pg.board
        board._page_says(board, {"type": "alive"}, [])  # a page shows the board
        pg.play()
        await asyncio.sleep(0.5)
        waiting_at = pg.epoch  # no frame drawn: two frames wait for the page (the first
        # shows epoch 0), so the kernel trained one epoch and waits
        board._page_says(board, {"type": "drawn", "frame": board.frame_id, "fps": 20.0}, [])
        await asyncio.sleep(0.3)
        after_drawing = pg.epoch
        board.last_contact -= ALIVE_SECONDS + 1  # the page fell silent (closed)
        deadline = time.monotonic() + 10
        while pg.playing and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return pg, waiting_at, after_drawing

    pg, waiting_at, after_drawing = _run(scenario)
    assert waiting_at == 1
    assert after_drawing == 3  # two more frames, then it waits again
    assert not pg.playing
    assert pg.stop_reason == "paused: the page stopped answering"
    assert pg.board.fps == 20.0


def test_the_default_speed_is_slow_at_the_start_and_faster_later():
    assert Playground().values["speed"] == "auto"
    per_frame = [epochs_per_frame("auto", epoch) for epoch in (0, 99, 100, 199, 200, 499, 500, 9000)]
    assert per_frame == [1, 1, 2, 2, 5, 5, 10, 10]
    assert epochs_per_frame(20, 0) == 20
    assert Playground(query="speed=10").values["speed"] == 10
    assert Playground(speed=10).board.query == "speed=10"
    assert Playground(query="speed=auto").values["speed"] == "auto"
    assert Playground(query="lr=1e-05").values["lr"] == 0.00001
