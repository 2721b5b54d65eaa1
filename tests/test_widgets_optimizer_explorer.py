"""The optimizer explorer (nnlib.widgets.optimizer_explorer), in-process (no kernel, no browser).

Setting a control from Python fires its observer synchronously, exactly as a slider would;
the tests then read the path, the losses, the status line and the figure.
"""

from __future__ import annotations

import numpy as np
import pytest

from fixtures import support
from nnlib.batching import minibatches
from nnlib.updates import adam_update, momentum_update, rmsprop_update, sgd_update
from nnlib.widgets.optimizer_explorer import (
    OPTIMIZERS,
    OptimizerExplorer,
    least_squares_gradient,
    least_squares_loss,
    least_squares_problem,
    run_optimizer,
)

UPDATES = {"sgd_update": sgd_update, "momentum_update": momentum_update,
           "rmsprop_update": rmsprop_update, "adam_update": adam_update}


def _not_written_yet(*args, **kwargs):
    raise NotImplementedError("03_optimizers: write adam_update")


def test_explorer_draws_a_path_and_a_loss_curve_when_created():
    explorer = OptimizerExplorer(epochs=20)
    assert explorer.renders == 1 and explorer.error is None
    assert explorer.png.startswith(support.PNG_SIGNATURE)
    assert explorer.path.shape == (21, 2), "full batch: one step per epoch, plus the start"
    assert explorer.losses.shape == (21,)
    assert explorer.status.value.startswith("optimizer=SGD, lr=0.5")
    assert "20 steps (1 per epoch)" in explorer.status.value


def test_problem_is_ill_conditioned_and_its_gradient_matches_the_loss():
    X, y = least_squares_problem(64, 0.5, rng=np.random.default_rng(0))
    assert X.shape == (64, 2) and y.shape == (64,)
    curvatures = np.linalg.eigvalsh(X.T @ X / 64)
    assert curvatures.max() / curvatures.min() == pytest.approx(25.0)
    w = np.array([0.3, -0.7])
    h = 1e-6
    numeric = [(least_squares_loss(X, y, *(w + h * e)) - least_squares_loss(X, y, *(w - h * e))) / (2 * h)
               for e in np.eye(2)]
    np.testing.assert_allclose(least_squares_gradient(X, y, w), numeric, rtol=1e-6)
    grid = least_squares_loss(X, y, np.zeros((3, 4)), np.ones((3, 4)))
    assert grid.shape == (3, 4)


def test_batch_size_sets_the_number_of_steps_per_epoch_and_keeps_the_last_partial_batch():
    explorer = OptimizerExplorer(epochs=3)
    explorer.set(batch_size=1)
    assert explorer.path.shape == (3 * 64 + 1, 2)
    assert "192 steps (64 per epoch)" in explorer.status.value
    X, y = explorer.X, explorer.y
    path, losses, per_epoch = run_optimizer(X, y, "SGD", 0.1, 0.9, 0.999, 10, 2,
                                            np.random.default_rng(0), UPDATES, minibatches)
    assert per_epoch == 7 and path.shape == (15, 2), "64 examples in batches of 10: 6 full + 1 of 4"
    np.testing.assert_allclose(losses, least_squares_loss(X, y, path[:, 0], path[:, 1]))


def test_small_batches_give_a_noisy_path_and_the_full_batch_a_smooth_one():
    explorer = OptimizerExplorer(lr=0.3, epochs=10)
    full = np.diff(explorer.losses)
    assert np.all(full <= 0), "full-batch gradient descent with a small rate only goes down"
    explorer.set(batch_size=1)
    noisy = np.diff(explorer.losses)
    assert np.mean(noisy > 0) > 0.2, "a batch of one example should often step uphill"


def test_every_optimizer_gets_close_to_the_minimum_with_a_suitable_rate():
    explorer = OptimizerExplorer(epochs=50)
    for optimizer, lr, beta1 in (("SGD", 1.5, 0.9), ("momentum", 2.0, 0.8), ("RMSprop", 0.05, 0.9),
                                 ("Adam", 0.3, 0.8)):
        status = explorer.set(optimizer=optimizer, lr=lr, beta1=beta1)
        assert not explorer.diverged, status
        assert explorer.losses[-1] - explorer.best_loss < 1e-3, status


def test_changing_a_control_redraws_with_a_new_figure():
    explorer = OptimizerExplorer()
    before_png, before_path = explorer.png, explorer.path
    explorer.controls["optimizer"].value = "Adam"
    assert explorer.renders == 2
    assert explorer.png != before_png
    assert not np.array_equal(explorer.path, before_path)
    assert "optimizer=Adam" in explorer.status.value and "uses β1 and β2" in explorer.status.value
    explorer.controls["beta1"].value = 0.5
    assert explorer.renders == 3 and "beta1=0.5" in explorer.status.value


def test_same_settings_give_the_same_path():
    explorer = OptimizerExplorer(batch_size=4, epochs=2)
    first = explorer.path.copy()
    explorer.redraw()
    np.testing.assert_array_equal(explorer.path, first)


def test_the_functions_passed_in_are_the_ones_used():
    calls = {"adam": 0, "batches": 0}

    def my_adam(w, dw, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        calls["adam"] += 1
        return adam_update(w, dw, m, v, t, lr, beta1, beta2, eps)

    def my_minibatches(X, y, batch_size, rng=None, shuffle=True):
        calls["batches"] += 1
        return minibatches(X, y, batch_size, rng=rng, shuffle=shuffle)

    explorer = OptimizerExplorer(adam_update=my_adam, minibatches=my_minibatches,
                                 optimizer="Adam", lr=0.1, batch_size=16, epochs=5)
    assert calls == {"adam": 5 * 4, "batches": 5}
    assert explorer.error is None


def test_an_error_in_a_student_function_is_shown_not_raised():
    explorer = OptimizerExplorer(adam_update=_not_written_yet)
    assert explorer.error is None, "SGD is drawn first; Adam's stub is not called"
    status = explorer.set(optimizer="Adam")
    assert isinstance(explorer.error, NotImplementedError)
    assert "error: NotImplementedError: 03_optimizers: write adam_update" in status
    explorer.set(optimizer="momentum")
    assert explorer.error is None


def test_an_update_returning_the_wrong_shape_is_reported():
    explorer = OptimizerExplorer(sgd_update=lambda w, dw, lr: np.zeros(3))
    assert isinstance(explorer.error, ValueError)
    assert "shape (3,)" in explorer.status.value


def test_a_too_large_learning_rate_is_reported_as_diverging_without_warnings():
    explorer = OptimizerExplorer(epochs=50)
    status = explorer.set(lr=3.0)  # above 2 / (largest curvature) = 2: every step overshoots more
    assert explorer.diverged, status
    assert "diverged" in status and "smaller learning rate" in status
    assert explorer.path.shape[0] < 51, "a blown-up path stops where it blew up"


def test_bad_arguments_are_rejected_with_a_message():
    with pytest.raises(ValueError, match="unknown optimizer"):
        OptimizerExplorer(optimizer="Adagrad")
    with pytest.raises(ValueError, match="batch_size must be one of"):
        OptimizerExplorer(batch_size=5)
    with pytest.raises(TypeError, match="sgd_update must be a function"):
        OptimizerExplorer(sgd_update=0.1)
    assert set(OPTIMIZERS) == {"SGD", "momentum", "RMSprop", "Adam"}
