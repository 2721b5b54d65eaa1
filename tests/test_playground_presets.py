"""The Playground's presets teach what their lessons say: the numbers behind each lesson.

Each lesson (nnlib/widgets/playground_presets.py) makes a claim about what the learner will
see after a given number of epochs; these tests train those epochs and check the claim.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.widgets.playground import PRESETS, Playground


def _trained(name: str, epochs: int) -> Playground:
    pg = Playground(**PRESETS[name].settings)
    pg.step(epochs)
    assert pg.error is None and pg.epoch == epochs
    return pg


@pytest.fixture(scope="module")
def overfitting() -> Playground:
    return _trained("over-fitting", 300)


def test_over_fitting_the_test_loss_turns_up_while_the_training_loss_falls(overfitting):
    train, test = np.array(overfitting.train_losses), np.array(overfitting.test_losses)
    assert len(overfitting.run.X_train) == 50  # "50 noisy training points"
    assert train[-1] < 0.4 * train[0]
    assert 10 <= test.argmin() <= 100  # "after a few dozen epochs"
    assert test[-1] > 2 * test.min()  # "ends more than twice its lowest"


@pytest.mark.parametrize("cure", ["over-fitting cured by L2", "over-fitting cured by dropout"])
def test_each_cure_about_halves_the_final_test_loss(overfitting, cure):
    cured = _trained(cure, 300)
    assert cured.test_losses[-1] < 0.55 * overfitting.test_losses[-1]
    assert cured.train_losses[-1] > overfitting.train_losses[-1]  # it fits the noise less


def test_a_deep_sigmoid_network_hardly_learns_and_batch_norm_rescues_it():
    plain = Playground(**PRESETS["vanishing gradients"].settings)
    start = {key: value.copy() for key, value in plain.model.parameters().items()}
    plain.step(200)
    assert abs(plain.train_losses[-1] - np.log(2)) < 0.03  # a coin toss: 0.69
    # the first layer's gradient is far smaller than the last one's ...
    grads = plain.model.gradients()
    last_key = f"{len(plain.model) - 1}.W"
    assert np.abs(grads["0.W"]).mean() < 0.01 * np.abs(grads[last_key]).mean()
    # ... so its weights hardly change, while the last layer's do
    moved = {key: np.linalg.norm(plain.model.parameters()[key] - start[key])
             / np.linalg.norm(start[key]) for key in ("0.W", last_key)}
    assert moved["0.W"] < 0.05 < moved[last_key]
    rescued = _trained("batch norm rescues it", 200)
    assert rescued.train_losses[-1] < 0.2


def test_on_the_ravine_adam_gets_ten_times_lower_than_sgd_at_the_same_learning_rate():
    sgd, adam = _trained("a ravine: SGD", 100), _trained("a ravine: Adam", 100)
    assert sgd.values["lr"] == adam.values["lr"]
    assert adam.train_losses[-1] < 0.1 * sgd.train_losses[-1]
