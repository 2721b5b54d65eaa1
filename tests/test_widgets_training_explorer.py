"""The chapter-2 training explorer (nnlib.widgets.training_explorer), in-process.

Setting a control's value from Python fires its observers synchronously, exactly as releasing
a slider does, so these tests drive the explorer and read back its status line, its figure
(from the Output widget) and what it passed to the training function.
"""

from __future__ import annotations


import ipywidgets as widgets
import numpy as np
import pytest

from fixtures import support
from nnlib.datasets import make_dataset
from nnlib.widgets.training_explorer import LR_RANGE, TrainingExplorer, reference_train


class _SpyTrainer:
    """A cheap training function that records its calls: losses decay as exp(-lr * epoch)."""

    def __init__(self) -> None:
        self.calls: list[dict] = []

    def __call__(self, X, y, lr, epochs, rng, n_hidden):
        self.calls.append({"X": X, "y": y, "lr": lr, "epochs": epochs, "n_hidden": n_hidden,
                           "first_draw": rng.random()})
        losses = list(np.exp(-lr * np.arange(epochs)))
        return losses, lambda points: 1 / (1 + np.exp(-points[:, 0]))


def test_draws_once_when_created_with_settings_and_result_in_the_status():
    spy = _SpyTrainer()
    explorer = TrainingExplorer(spy, lr=0.1, epochs=50)
    assert explorer.renders == 1 and len(spy.calls) == 1
    assert explorer.error is None
    assert explorer.status.value.startswith("lr=0.1, epochs=50, units=16, data=moons — final loss ")
    assert "training accuracy" in explorer.status.value
    assert support.png_in(explorer.out) == explorer.png
    assert explorer.png.startswith(support.PNG_SIGNATURE)


def test_sliders_pass_their_values_to_the_training_function_and_redraw():
    spy = _SpyTrainer()
    explorer = TrainingExplorer(spy, lr=0.1, epochs=50)
    before = explorer.png
    explorer.controls["lr"].value = 1.0
    assert spy.calls[-1]["lr"] == pytest.approx(1.0) and spy.calls[-1]["epochs"] == 50
    assert explorer.status.value.startswith("lr=1, epochs=50")
    assert support.png_in(explorer.out) != before
    explorer.controls["epochs"].value = 200
    assert spy.calls[-1]["epochs"] == 200 and explorer.losses.shape == (200,)
    explorer.controls["units"].value = 64
    assert spy.calls[-1]["n_hidden"] == 64 and "units=64" in explorer.status.value
    assert explorer.renders == 4


def test_training_sliders_wait_for_release_and_lr_is_on_a_log_scale():
    explorer = TrainingExplorer(_SpyTrainer())
    lr, epochs = explorer.controls["lr"], explorer.controls["epochs"]
    assert isinstance(lr, widgets.FloatLogSlider)
    assert (lr.base ** lr.min, lr.base ** lr.max) == pytest.approx(LR_RANGE)
    assert lr.continuous_update is False and epochs.continuous_update is False
    assert epochs.max <= 300  # bounded, so a redraw stays about a second


def test_the_data_set_control_changes_the_points_and_the_same_settings_give_the_same_run():
    spy = _SpyTrainer()
    explorer = TrainingExplorer(spy, n=120, seed=3)
    first = spy.calls[-1]
    X_moons, y_moons = make_dataset("moons", 120, 0.2, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(first["X"], X_moons)
    np.testing.assert_array_equal(first["y"], y_moons)
    explorer.controls["data"].value = "circles"
    assert not np.array_equal(spy.calls[-1]["X"], X_moons)
    assert "data=circles" in explorer.status.value
    explorer.controls["data"].value = "moons"
    again = spy.calls[-1]
    np.testing.assert_array_equal(again["X"], X_moons)
    assert again["first_draw"] == first["first_draw"], "the weights' generator must be seeded the same"


def test_reference_training_learns_the_moons():
    explorer = TrainingExplorer(lr=1.0, epochs=300)  # train=None: nnlib's reference_train
    assert explorer.error is None, explorer.status.value
    assert explorer.losses[-1] < 0.5 * explorer.losses[0]
    assert explorer.accuracy > 0.9
    assert f"training accuracy {100 * explorer.accuracy:.1f}%" in explorer.status.value


def test_more_hidden_units_let_the_reference_network_learn_the_spirals():
    explorer = TrainingExplorer(lr=1.0, epochs=300, dataset="spirals")
    few = explorer.accuracy
    explorer.set(units=128)
    assert explorer.error is None and explorer.accuracy > few + 0.1


def test_the_boundary_has_a_colour_bar_saying_which_class_is_red():
    explorer = TrainingExplorer(_SpyTrainer())
    labels = [ax.get_ylabel() for ax in explorer.figure.axes]
    assert len(explorer.figure.axes) == 3 and "P(class 1)" in labels


def test_reference_train_follows_the_training_function_contract():
    X, y = make_dataset("xor", 100, 0.1, rng=np.random.default_rng(0))
    losses, predict = reference_train(X, y, 0.5, 40, np.random.default_rng(1))
    assert len(losses) == 40 and all(np.isfinite(losses))
    probs = predict(X[:7])
    assert probs.shape == (7, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    losses_again, _ = reference_train(X, y, 0.5, 40, np.random.default_rng(1))
    assert losses_again == losses


def test_a_diverging_run_is_reported_not_raised():
    def exploding(X, y, lr, epochs, rng, n_hidden):
        with np.errstate(over="ignore"):
            losses = np.exp(np.linspace(0, 800, epochs))  # reaches inf
        return losses, lambda points: np.full(len(points), np.nan)

    explorer = TrainingExplorer(exploding)
    assert explorer.error is None
    assert "diverged" in explorer.status.value and "learning rate is too large" in explorer.status.value
    assert explorer.accuracy is None
    assert explorer.png.startswith(support.PNG_SIGNATURE)


def test_errors_and_warnings_of_the_training_function_are_shown_not_raised():
    def not_written(X, y, lr, epochs, rng, n_hidden):
        raise NotImplementedError("relu_backward (chapter 02_backprop) is not written yet")

    explorer = TrainingExplorer(not_written)
    assert isinstance(explorer.error, NotImplementedError)
    assert "error: NotImplementedError: relu_backward" in explorer.status.value

    def noisy(X, y, lr, epochs, rng, n_hidden):
        np.log(np.zeros(1))  # a RuntimeWarning (divide by zero), as a buggy loss would emit
        return [0.7, 0.6], lambda points: np.full(len(points), 0.5)

    explorer = TrainingExplorer(noisy, epochs=10)  # pytest turns a leaked RuntimeWarning into an error
    assert explorer.error is None
    assert "warning: divide by zero" in explorer.status.value


def test_a_predict_of_the_wrong_shape_is_explained():
    def bad_predict(X, y, lr, epochs, rng, n_hidden):
        return [0.5] * epochs, lambda points: np.zeros((len(points), 2, 2))

    explorer = TrainingExplorer(bad_predict)
    assert "predict returned shape" in explorer.status.value


def test_bad_arguments_are_refused_with_a_message():
    with pytest.raises(TypeError, match="train must be a function"):
        TrainingExplorer(train="not a function")
    with pytest.raises(ValueError, match="unknown data set"):
        TrainingExplorer(_SpyTrainer(), dataset="swiss roll")
    with pytest.raises(ValueError, match="epochs must lie in"):
        TrainingExplorer(_SpyTrainer(), epochs=1000)
    with pytest.raises(ValueError, match="units must be one of"):
        TrainingExplorer(_SpyTrainer(), units=10)
