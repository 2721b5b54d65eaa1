"""Tests of nnlib.widgets.regularization_explorer: the chapter-4 explorer and its training loop.

The explorer is driven from Python (``set``), as a student's slider would drive it, and the
tests check what changes: the figure (PNG in the Output widget), the status line and the run.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.datasets import make_moons
from nnlib.dropout import dropout_backward, dropout_forward
from nnlib.losses import softmax_cross_entropy
from nnlib.regularization import l1_grad, l2_grad
from nnlib.widgets.regularization_explorer import RegularizationExplorer, train_regularized

FUNCTIONS = {"l2_grad": l2_grad, "l1_grad": l1_grad,
             "dropout_forward": dropout_forward, "dropout_backward": dropout_backward}
SMALL = {"hidden": (16, 16), "epochs": 50}


@pytest.fixture(scope="module")
def data():
    X_train, y_train = make_moons(40, noise=0.4, rng=np.random.default_rng(2))
    X_dev, y_dev = make_moons(100, noise=0.4, rng=np.random.default_rng(100))
    return X_train, y_train, X_dev, y_dev


def _explorer(data, **overrides):
    options = {**FUNCTIONS, **SMALL, **overrides}
    return RegularizationExplorer(*data, **options)


def _shown_png(explorer) -> str:
    images = [o["data"]["image/png"] for o in explorer.out.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 1, f"expected one figure in the Output widget, found {len(images)}"
    return images[0]


def test_explorer_draws_a_figure_when_created(data):
    explorer = _explorer(data)
    assert explorer.error is None, explorer.status.value
    assert explorer.renders == 1
    assert explorer.png and _shown_png(explorer)
    assert "penalty=L2" in explorer.status.value and "dev accuracy" in explorer.status.value
    assert len(explorer.history["loss"]) == SMALL["epochs"]


def test_changing_a_control_retrains_and_redraws(data):
    explorer = _explorer(data, penalty="none")
    before_png, before_history = _shown_png(explorer), explorer.history
    status = explorer.set(penalty="L2", lam=3.0)
    assert explorer.renders == 2
    assert "penalty=L2" in status and "lam=3" in status
    assert _shown_png(explorer) != before_png
    assert explorer.history["loss"][-1] != pytest.approx(before_history["loss"][-1])


def test_moving_one_slider_redraws_at_once(data):
    explorer = _explorer(data)
    explorer.controls["p"].value = 0.5  # as a student releasing the slider
    assert explorer.renders == 2 and "p=0.5" in explorer.status.value


def test_strong_l2_shrinks_the_weights_and_closes_the_gap(data):
    explorer = _explorer(data, penalty="none", epochs=300)
    free = explorer.history
    free_norm = sum(np.sum(layer.params["W"] ** 2) for layer in explorer.model.layers if "W" in layer.params)
    explorer.set(penalty="L2", lam=3.0)
    held = explorer.history
    held_norm = sum(np.sum(layer.params["W"] ** 2) for layer in explorer.model.layers if "W" in layer.params)
    assert held_norm < free_norm / 4
    assert held["val_loss"][-1] - held["loss"][-1] < free["val_loss"][-1] - free["loss"][-1]


def test_l1_and_l2_give_different_networks(data):
    explorer = _explorer(data, penalty="L2", lam=0.3)
    l2_history = explorer.history
    explorer.set(penalty="L1")
    assert explorer.history["loss"] != l2_history["loss"]


def test_the_penalty_gradient_is_the_only_change_to_training(data):
    # A penalty whose gradient is zero must leave training exactly as without penalty.
    calls = []

    def zero_grad(W, lam, m):
        calls.append((W.shape, lam, m))
        return np.zeros_like(W)

    _, plain = train_regularized(*data, penalty="none", **SMALL)
    _, zero = train_regularized(*data, penalty="L2", lam=0.5, functions={"l2_grad": zero_grad}, **SMALL)
    assert zero == plain
    # Called once per weight matrix per epoch, with m = the number of training examples.
    assert len(calls) == 3 * SMALL["epochs"]
    assert {call[2] for call in calls} == {len(data[0])} and {call[1] for call in calls} == {0.5}


def test_dropout_runs_through_the_given_functions(data):
    calls = {"forward": 0, "backward": 0, "training": set()}

    def forward(x, p, training=True, rng=None):
        calls["forward"] += 1
        calls["training"].add(training)
        return dropout_forward(x, p, training=training, rng=rng)

    def backward(dout, cache):
        calls["backward"] += 1
        return dropout_backward(dout, cache)

    explorer = RegularizationExplorer(*data, dropout_forward=forward, dropout_backward=backward,
                                      penalty="none", p=0.4, **SMALL)
    assert explorer.error is None, explorer.status.value
    # Two dropout layers; each epoch: one backward, and forwards in training and test mode.
    assert calls["backward"] == 2 * SMALL["epochs"]
    assert calls["training"] == {True, False}


def test_losses_are_measured_without_dropout(data):
    model, history = train_regularized(*data, p=0.5, functions=FUNCTIONS, **SMALL)
    X_train, y_train, X_dev, y_dev = data
    assert history["loss"][-1] == pytest.approx(softmax_cross_entropy(model.predict(X_train), y_train))
    assert history["val_loss"][-1] == pytest.approx(softmax_cross_entropy(model.predict(X_dev), y_dev))


def test_same_settings_give_the_same_run(data):
    explorer = _explorer(data, p=0.3)
    first = (explorer.result, explorer.history)
    explorer.redraw()
    assert (explorer.result, explorer.history) == first


def test_a_missing_function_is_explained_in_the_status_not_raised(data):
    explorer = RegularizationExplorer(*data, penalty="L2", **SMALL)  # no functions given
    assert explorer.error is not None
    assert "l2_grad" in explorer.status.value and "error" in explorer.status.value
    explorer.set(penalty="none")
    assert explorer.error is None and "dev accuracy" in explorer.status.value
    explorer.set(p=0.3)
    assert "dropout_forward" in explorer.status.value


def test_an_error_in_a_student_function_is_shown_not_raised(data):
    def unfinished(W, lam, m):
        raise NotImplementedError("l2_grad is exercise 2")

    explorer = RegularizationExplorer(*data, l2_grad=unfinished, penalty="L2", **SMALL)
    assert isinstance(explorer.error, NotImplementedError)
    assert "NotImplementedError: l2_grad is exercise 2" in explorer.status.value
    texts = [o.get("text", "") for o in explorer.out.outputs]
    assert any("NotImplementedError" in text for text in texts)


def test_lambda_is_ignored_without_penalty_and_says_so(data):
    explorer = _explorer(data, penalty="none", lam=0.01)
    history = explorer.history
    explorer.set(lam=5.0)
    assert explorer.history == history
    assert "λ unused" in explorer.status.value


def test_sliders_redraw_on_release_only(data):
    explorer = _explorer(data)
    for key in ("lam", "p", "epochs"):
        assert explorer.controls[key].continuous_update is False


def test_train_regularized_rejects_an_unknown_penalty(data):
    with pytest.raises(ValueError, match="penalty"):
        train_regularized(*data, penalty="L3", lam=1.0, **SMALL)


def test_explorer_rejects_data_that_is_not_2d(data):
    X_train, y_train, X_dev, y_dev = data
    with pytest.raises(ValueError, match="X_train"):
        RegularizationExplorer(X_train[:, :1], y_train, X_dev, y_dev)
