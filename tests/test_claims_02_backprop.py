"""What chapter 2's text says about its figures, numbers and explorer, checked by running them.

Each test runs the notebook's own cells (``fixtures.notebook_cells``), computes what one
sentence claims, and checks that the sentence is still in the text. Comparisons are checked
over several seeds, and the text states the count.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from fixtures.notebook_cells import assert_text_says, run_cells

CHAPTER = "02_backprop"
NEURON_CELL, NEURON_TEXT = "764a516d", "18ee02d5"
STEP_TEXT = "9624256e"
CHECK_DEMO_CELL, CHECK_DEMO_TEXT = "aead4d46", "e88ccd69"
NETWORK_CELL, SYMMETRY_CELL, SYMMETRY_TEXT = "b02161c4", "f3d14132", "743b5a2d"
GRADCHECK_CELL, GRADCHECK_TEXT = "90f42bbb", "433296aa"
DEPTH_CELL, DEPTH_TEXT = "f1b6e87b", "4296668c"
TRAIN_CELL, MOONS_CELL, MOONS_TEXT = "ebbc2dc7", "57714978", "63058b24"
EXPLORER_CELL = "86f20c7b"
SEEDS = range(5)
says = partial(assert_text_says, CHAPTER)  # says(cell_id, sentence): the claim is still in the text


def test_the_neurons_weight_gradient_is_negative_so_descent_increases_w():
    says(NEURON_TEXT, "The weight's gradient `dw` is negative too")
    ns = run_cells(CHAPTER, NEURON_CELL)
    assert ns["da"] < 0 and ns["dw"] < 0 and ns["du"] == ns["dz"] == ns["db"]
    assert round(float(ns["a"]), 2) == 0.29


def test_central_differences_give_ten_digits_in_float64_and_about_five_in_float32():
    says(STEP_TEXT, "with about 10 correct digits")
    says(STEP_TEXT, "$\\varepsilon = 10^{-6}$ they would swamp the estimate (2 correct digits)")
    says(STEP_TEXT, "leaves only about 5 correct digits")
    digits = lambda error: -np.log10(error / np.cos(1.0))

    def error(eps, dtype):
        x, e = dtype(1.0), dtype(eps)
        return abs(float((np.sin(x + e) - np.sin(x - e)) / (dtype(2) * e)) - np.cos(1.0))

    assert 10 <= digits(error(1e-6, np.float64)) < 12
    assert 1.5 <= digits(error(1e-6, np.float32)) < 3
    best_range = [error(eps, np.float32) for eps in np.geomspace(1e-3, 1e-2, 50)]
    assert 4.5 <= digits(np.median(best_range)) <= 5.5


def test_a_formula_off_by_a_thousandth_stands_out_against_a_correct_one():
    says(CHECK_DEMO_TEXT, "stands out at once")
    ns = run_cells(CHAPTER, CHECK_DEMO_CELL)
    v, numeric = ns["v"], ns["numeric"]
    correct = ns["relative_error"](np.cos(v), numeric)
    wrong = ns["relative_error"](np.cos(v) + 1e-3, numeric)
    assert correct < 1e-9 and wrong > 1e-4


def test_hidden_units_with_equal_weights_get_equal_gradients():
    says(SYMMETRY_TEXT, "Every column of `dW1` then comes out the same, and so does every entry of `db1`")
    ns = run_cells(CHAPTER, NETWORK_CELL, SYMMETRY_CELL)
    dW1, db1 = ns["grads_sym"]["W1"], ns["grads_sym"]["b1"]
    assert np.all(np.abs(dW1) > 1e-3), "a demonstration with zero gradients would prove nothing"
    np.testing.assert_allclose(dW1, np.repeat(dW1[:, :1], 4, axis=1), rtol=1e-12)
    np.testing.assert_allclose(db1, db1[0], rtol=1e-12)


def test_the_gradient_check_passes_backprop_and_catches_an_averaged_bias():
    says(GRADCHECK_TEXT, "every parameter's relative error is around $10^{-9}$ or below")
    says(GRADCHECK_TEXT, "$4/6 \\approx 0.67$")
    ns = run_cells(CHAPTER, NETWORK_CELL, GRADCHECK_CELL)
    errors = {name: ns["relative_error"](a, n) for name, a, n in ns["rows"]}
    assert all(errors[name] < 3e-9 for name in ("W1", "b1", "W2", "b2"))
    for name in ("b1 (bug: db averaged)", "b2 (bug: db averaged)"):
        assert errors[name] == pytest.approx(4 / 6, abs=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_sigmoid_gradients_vanish_while_tanh_and_relu_keep_their_scale(seed):
    says(DEPTH_TEXT, "the sigmoid network's gradient falls by about a factor 4 to 5 per layer")
    says(DEPTH_TEXT, "between 340 000 and 1.3 million times in five runs with different seeds")
    says(DEPTH_TEXT, "within a factor of 4, in every one of the five runs")
    ns = run_cells(CHAPTER, DEPTH_CELL)
    norms = lambda act, init: np.array(ns["weight_gradient_norms"](ns[act], ns[act + "_backward"], ns[init], 10, seed=seed))
    sigmoid = norms("sigmoid", "xavier")
    ratio = sigmoid[-1] / sigmoid[0]
    assert 3.4e5 <= ratio <= 1.35e6 and 4 <= ratio ** (1 / 9) <= 5
    if seed == 0:  # the figure
        assert ratio > 1e6
    for act, init in (("tanh", "xavier"), ("relu", "he")):
        spread = norms(act, init)
        assert spread.max() / spread.min() < 4, f"{act}: {spread}"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_initial_scale_alone_decides_whether_a_deep_relu_network_vanishes_or_explodes(seed):
    says(DEPTH_TEXT, "shrinks about twenty-five-fold per added layer; with std 0.5 it roughly doubles")
    says(DEPTH_TEXT, "from 1 to 15 layers it changes by less than a factor of 5, where the other two change by "
                     "factors of about $10^{20}$ and $10^{4}$")
    ns = run_cells(CHAPTER, DEPTH_CELL)

    def first_layer(init) -> np.ndarray:
        return np.array([ns["weight_gradient_norms"](ns["relu"], ns["relu_backward"], init, depth, seed=seed)[0]
                         for depth in range(1, 16)])

    small, he, large = first_layer(ns["small_random"]), first_layer(ns["he"]), first_layer(ns["normal_init"](0.5))
    per_layer = lambda norms: (norms[-1] / norms[0]) ** (1 / 14)
    assert 20 <= 1 / per_layer(small) <= 30 and 1e-22 < small[-1] / small[0] < 1e-18
    assert 1.7 <= per_layer(large) <= 2.2 and 1e3 < large[-1] / large[0] < 1e5
    assert 1 / 5 < he[-1] / he[0] < 5


def test_batch_gradient_descent_learns_the_moons():
    says(MOONS_TEXT, "The loss falls quickly at first (from 0.90 to about 0.3 in ten epochs), then slowly (0.06 "
                     "after 300)")
    says(MOONS_TEXT, "with 98.5% of the training points on the right side")
    ns = run_cells(CHAPTER, NETWORK_CELL, TRAIN_CELL, MOONS_CELL)
    losses = ns["losses"]
    assert round(losses[0], 2) == 0.90 and 0.25 <= losses[10] <= 0.35 and round(losses[-1], 2) == 0.06
    assert ns["accuracy"] == pytest.approx(0.985)


def _explorer(seed: int):
    """The notebook's explorer, on the data and weights drawn from ``seed`` (the notebook's is 0)."""
    replace = () if seed == 0 else (('dataset="moons")', f'dataset="moons", seed={seed})'),)
    return run_cells(CHAPTER, NETWORK_CELL, TRAIN_CELL, EXPLORER_CELL, replace=replace)["explorer"]


def test_the_explorer_at_its_default_settings_and_the_learning_rates_the_text_suggests():
    says(MOONS_TEXT, "(36% training accuracy, worse than guessing). Three times as many epochs help, slowly (75%)")
    says(MOONS_TEXT, "0.1, then 1: faster and better (88%, then 96% after 100 epochs)")
    says(MOONS_TEXT, "the loss jumps to about 50 times its starting value before it comes down, and ends no "
                     "better than it started")
    explorer = _explorer(0)
    assert explorer.status.value.startswith("lr=0.1, epochs=100, units=16, data=moons")
    as_written = lambda percent: pytest.approx(percent / 100, abs=0.0051)  # the text rounds to whole percents
    assert explorer.accuracy == as_written(88)
    explorer.set(lr=0.001)
    assert explorer.accuracy == as_written(36) and explorer.losses[-1] > 0.75
    explorer.set(epochs=300)
    assert explorer.accuracy == as_written(75)
    explorer.set(lr=1.0, epochs=100)
    assert explorer.accuracy == as_written(96)
    explorer.set(lr=10.0)
    assert 40 < explorer.losses.max() / explorer.losses[0] < 60 and explorer.losses[-1] >= explorer.losses[0]


def test_circles_and_xor_need_sixteen_units_and_the_spirals_more():
    says(MOONS_TEXT, '"circles" and "xor" are learnt to about 90% with 16 hidden units, while the "spirals" stay '
                     'at about 80%; give them 128 units and they reach 95%')
    explorer = _explorer(0)
    for data in ("circles", "xor"):
        explorer.set(lr=1.0, epochs=300, data=data, units=16)
        assert 0.87 <= explorer.accuracy <= 0.93
    explorer.set(data="spirals")
    assert 0.78 <= explorer.accuracy <= 0.84
    explorer.set(units=128)
    assert explorer.accuracy == pytest.approx(0.95)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_explorer_claims_hold_with_other_seeds(seed):
    says(MOONS_TEXT, "at $\\eta = 0.001$ the accuracy after 100 epochs stayed between 22% and 67%; $\\eta = 1$ beat "
                     "$\\eta = 0.1$ every time; at $\\eta = 10$ the loss always jumped, to between 40 and 500 times its "
                     "starting value; and 128 units beat 16 on the spirals every time (87% to 95% against 77% to 87%)")
    explorer = _explorer(seed)
    default = explorer.accuracy
    explorer.set(lr=0.001)
    assert 0.22 <= explorer.accuracy <= 0.67
    explorer.set(lr=1.0)
    assert explorer.accuracy > default
    explorer.set(lr=10.0)
    assert 40 <= explorer.losses.max() / explorer.losses[0] <= 520
    explorer.set(lr=1.0, epochs=300, data="spirals", units=16)
    few = explorer.accuracy
    explorer.set(units=128)
    assert 0.77 <= few <= 0.87 and 0.87 <= explorer.accuracy <= 0.95 and explorer.accuracy > few


MLP_CHECK_CELL, MLP_CHECK_TEXT = "f6d9d852", "0451bae8"
SPIRALS_CELL, SPIRALS_TEXT = "1b4b3aff", "5673f5bb"


def test_every_parameter_of_the_students_deep_network_passes_the_check():
    says(MLP_CHECK_TEXT, "All eight relative errors are below $10^{-8}$")
    errors = run_cells(CHAPTER, MLP_CHECK_CELL)["deep_errors"]
    assert len(errors) == 8 and max(errors.values()) < 1e-8, errors


def _spirals(seed: int) -> dict:
    """The spirals cell, with the data drawn from ``seed`` and the weights from ``seed + 1``
    (the notebook's: 0 and 1)."""
    replace = () if seed == 0 else (
        ("make_spirals(200, noise=0.1, rng=np.random.default_rng(0))",
         f"make_spirals(200, noise=0.1, rng=np.random.default_rng({seed}))"),
        ("rng=np.random.default_rng(1))", f"rng=np.random.default_rng({seed + 1}))"),
    )
    return run_cells(CHAPTER, SPIRALS_CELL, replace=replace)


SHALLOW, DEEP = "2 layers, 16 hidden units", "3 layers, 32 + 32 hidden units"


def test_a_deeper_network_learns_the_spirals_the_shallow_one_cannot():
    says(SPIRALS_TEXT, "its loss stays above 0.4 and it classifies 77.5% of the training points correctly")
    says(SPIRALS_TEXT, "drives its loss down to about 0.002 and classifies every training point correctly")
    ns = _spirals(0)
    losses, accuracy = ns["spiral_losses"], ns["spiral_accuracy"]
    assert min(losses[SHALLOW]) > 0.4 and accuracy[SHALLOW] == pytest.approx(0.775)
    assert round(losses[DEEP][-1], 3) == 0.002 and accuracy[DEEP] == 1.0


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_the_deeper_network_wins_on_the_spirals_with_other_seeds(seed):
    says(SPIRALS_TEXT, "We ran both with four other seeds (data and initial weights): the deeper network reached "
                       "at least 99% every time, and always beat the shallow one")
    accuracy = _spirals(seed)["spiral_accuracy"]
    assert accuracy[DEEP] >= 0.99 and accuracy[DEEP] > accuracy[SHALLOW], accuracy


def test_the_students_network_reproduces_the_two_layer_classifier():
    says("a8301cf7", "Your two functions reproduce the hand-written two-layer classifier exactly")
    ns = run_cells(CHAPTER, NETWORK_CELL, SYMMETRY_CELL, "c31f65a4")
    np.testing.assert_array_equal(ns["logits_mlp"], ns["logits_sym"])
    for name, grad in ns["grads_sym"].items():
        np.testing.assert_array_equal(ns["grads_mlp"][name], grad)
