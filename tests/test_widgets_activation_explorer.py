"""The chapter 1 activation/initialisation explorer, driven from Python (no browser)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnlib.activations import relu, sigmoid, tanh
from nnlib.initializers import he, small_random, xavier, zeros
from nnlib.widgets.activation_explorer import ActivationExplorer, backpropagate, diagnose_spread, propagate

ACTIVATIONS = {"tanh": tanh, "ReLU": relu}
INITIALIZERS = {"zeros": zeros, "small": small_random, "Xavier": xavier, "He": he}


def small_explorer(**kwargs) -> ActivationExplorer:
    """A cheap explorer (narrow layers, few samples) for the tests."""
    options = {"activations": ACTIVATIONS, "initializers": INITIALIZERS, "width": 20, "n_samples": 50}
    options.update(kwargs)
    return ActivationExplorer(**options)


def visible_panels(explorer: ActivationExplorer) -> int:
    return sum(ax.get_visible() for ax in explorer.figure.axes)


def test_explorer_draws_once_when_created():
    explorer = small_explorer(depth=3)
    assert explorer.renders == 1
    assert explorer.error is None
    assert explorer.png is not None and explorer.png.startswith(b"\x89PNG")
    assert explorer.status.value.startswith("activation=tanh, init=zeros, depth=3")
    assert visible_panels(explorer) == 3
    # The figure is in the Output widget, as a PNG, for the front end.
    assert any("image/png" in output.get("data", {}) for output in explorer.out.outputs)


def test_changing_a_control_redraws_the_figure_and_status():
    explorer = small_explorer(depth=3)
    before_png, before_status = explorer.png, explorer.status.value
    explorer.controls["init"].value = "He"
    assert explorer.renders == 2
    assert explorer.png != before_png
    assert explorer.status.value != before_status and "init=He" in explorer.status.value


def test_set_redraws_once_with_every_new_value():
    explorer = small_explorer(depth=2)
    status = explorer.set(activation="ReLU", init="He", depth=7)
    assert explorer.renders == 2
    assert status.startswith("activation=ReLU, init=He, depth=7")
    assert visible_panels(explorer) == 7


def test_zeros_are_diagnosed_as_the_symmetry_problem():
    explorer = small_explorer(init="zeros")
    assert "symmetry" in explorer.result


def test_small_weights_make_the_signal_vanish_and_he_keeps_relu_healthy():
    explorer = small_explorer(width=100, n_samples=200)
    assert "vanish" in explorer.set(activation="tanh", init="small", depth=6)
    assert "healthy" in explorer.set(activation="ReLU", init="He", depth=10)
    assert "spread shrinks" in explorer.set(activation="ReLU", init="Xavier", depth=10)
    assert "spread shrinks" in explorer.set(activation="tanh", init="Xavier", depth=10)


def test_sigmoid_with_xavier_weights_is_diagnosed_by_its_vanishing_gradient():
    """Its forward signal keeps its spread; only the gradient going back shows the problem."""
    explorer = small_explorer(activations={"sigmoid": sigmoid}, init="Xavier", width=100, n_samples=200)
    status = explorer.set(depth=10)
    assert "the gradient vanishes going back" in status and "healthy" not in status
    assert "healthy" in explorer.set(depth=1)  # one layer: nothing to compare the gradient with


def test_the_functions_passed_in_are_the_ones_used():
    calls = {"act": 0, "init": 0}

    def my_activation(z):
        calls["act"] += 1
        return np.maximum(z, 0)

    def my_init(fan_in, fan_out, rng=None):
        calls["init"] += 1
        return rng.normal(0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))

    explorer = ActivationExplorer({"mine": my_activation}, {"mine": my_init}, depth=4, width=10, n_samples=20)
    assert calls["init"] == 4
    assert calls["act"] >= 4
    assert explorer.error is None


def test_an_error_in_a_student_function_is_shown_not_raised():
    def unfinished(z):
        raise NotImplementedError("write your own relu")

    explorer = small_explorer(activations={"ReLU": unfinished})
    assert isinstance(explorer.error, NotImplementedError)
    assert "error: NotImplementedError: write your own relu" in explorer.status.value
    # Switching to something else that works recovers.
    explorer.activations["tanh"] = tanh
    explorer.controls["activation"].options = ["ReLU", "tanh"]
    explorer.controls["activation"].value = "tanh"
    assert explorer.error is None


def test_a_missing_function_explains_what_to_pass():
    explorer = small_explorer(initializers={"Xavier": None, "zeros": zeros})
    assert isinstance(explorer.error, ValueError)
    assert ("the initializer 'Xavier' needs your function: create the explorer with "
            "initializers={'Xavier': your_function}") in explorer.status.value
    explorer.set(init="zeros")
    assert explorer.error is None


def test_wrong_shapes_from_student_functions_are_reported():
    explorer = small_explorer(activations={"sum": lambda z: z.sum(axis=1)})
    assert isinstance(explorer.error, ValueError)
    assert "elementwise" in explorer.status.value
    explorer = small_explorer(initializers={"transposed": lambda a, b, rng=None: np.ones((a, b + 1))})
    assert "expected (20, 20)" in explorer.status.value


def test_warnings_from_student_functions_go_to_the_status_line():
    def naive_sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def huge(fan_in, fan_out, rng=None):
        return rng.normal(0, 100, size=(fan_in, fan_out))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may escape to stderr
        explorer = small_explorer(activations={"sigmoid": naive_sigmoid}, initializers={"huge": huge})
    assert explorer.error is None
    assert "warning: overflow encountered in exp" in explorer.status.value


def test_same_seed_gives_the_same_figure():
    a = small_explorer(depth=3, seed=5)
    b = small_explorer(depth=3, seed=5)
    assert a.png == b.png and a.status.value == b.status.value


def test_propagate_returns_one_array_per_layer():
    rng = np.random.default_rng(0)
    signal = propagate(sigmoid, xavier, 4, 8, 30, rng)
    assert signal.inputs.shape == (30, 8)
    for kind in (signal.activations, signal.pre_activations, signal.weights):
        assert len(kind) == 4
    assert all(a.shape == (30, 8) for a in signal.activations + signal.pre_activations)
    assert all(W.shape == (8, 8) for W in signal.weights)
    np.testing.assert_allclose(signal.pre_activations[0], signal.inputs @ signal.weights[0])
    np.testing.assert_allclose(signal.pre_activations[2], signal.activations[1] @ signal.weights[2])
    np.testing.assert_allclose(signal.activations[-1], sigmoid(signal.pre_activations[-1]))


def test_backpropagate_matches_the_chain_rule_written_out():
    """Two layers a1 = f(x W1), a2 = f(a1 W2), loss sum(g * a2): dz2 = g f'(z2), dz1 = (dz2 W2^T) f'(z1)."""
    signal = propagate(tanh, xavier, 2, 5, 7, np.random.default_rng(3))
    dz1, dz2 = backpropagate(tanh, signal, np.random.default_rng(4))
    g = np.random.default_rng(4).standard_normal((7, 5))
    z1, z2 = signal.pre_activations
    slope = lambda z: 1 - np.tanh(z) ** 2
    np.testing.assert_allclose(dz2, g * slope(z2), rtol=1e-5)
    np.testing.assert_allclose(dz1, (dz2 @ signal.weights[1].T) * slope(z1), rtol=1e-5)


def test_diagnosis_of_exploding_and_overflowing_signals():
    x = np.ones((4, 3)) + np.arange(3)
    assert "explodes" in diagnose_spread(x, [x, 10 * x, 100 * x])
    assert "overflow" in diagnose_spread(x, [x, np.full((4, 3), np.inf)])


def test_diagnosis_of_gradients():
    x = np.ones((4, 3)) + np.arange(3)
    steady = [x, x, x]
    assert "gradient vanishes" in diagnose_spread(x, steady, gradients=[x / 100, x / 10, x])
    assert "gradient explodes" in diagnose_spread(x, steady, gradients=[100 * x, 10 * x, x])
    assert "gradient shrinks going back" in diagnose_spread(x, steady, gradients=[0.4 * x, 0.7 * x, x])
    assert "does not flow back" in diagnose_spread(x, steady, gradients=[x, x, 0 * x])
    assert "healthy" in diagnose_spread(x, steady, gradients=[0.9 * x, x, x])


def test_invalid_arguments_are_rejected():
    with pytest.raises(ValueError, match="depth"):
        small_explorer(depth=11)
    with pytest.raises(ValueError, match="at least one"):
        ActivationExplorer({}, INITIALIZERS)


def test_every_diagnosis_is_short_enough_to_be_read_whole_in_the_status_line():
    """The status line is one line: in a JupyterLab pane of about 700 px it shows about 105
    characters, of which the settings usually take about 40."""
    explorer = ActivationExplorer(width=30, n_samples=60)
    for activation in explorer.activations:
        for init in explorer.initializers:
            for depth in (1, 10):
                explorer.set(activation=activation, init=init, depth=depth)
                assert len(explorer.result) <= 66, explorer.result
