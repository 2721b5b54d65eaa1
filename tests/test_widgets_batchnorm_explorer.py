"""The chapter 5 batch-norm explorer, driven from Python (no browser)."""

from __future__ import annotations

import numpy as np
import pytest

from matplotlib.figure import Figure

from nnlib.batchnorm import batchnorm_backward, batchnorm_forward
from nnlib.widgets.batchnorm_explorer import (
    BatchNormExplorer,
    digits_subset,
    plot_ridge_histograms,
    train_network,
)


def explorer(**kwargs) -> BatchNormExplorer:
    """An explorer on nnlib's batch-norm functions, small enough to redraw quickly."""
    options = {"epochs": 2}
    options.update(kwargs)
    return BatchNormExplorer(batchnorm_forward, batchnorm_backward, **options)


def loss_axes_lines(e: BatchNormExplorer) -> int:
    return len(e.figure.axes[0].get_lines())


def test_explorer_draws_once_when_created():
    e = explorer()
    assert e.renders == 1
    assert e.error is None
    assert e.png is not None and e.png.startswith(b"\x89PNG")
    assert e.status.value.startswith("batchnorm=on, lr=1, depth=5 — final loss")
    assert "held-out accuracy" in e.status.value
    assert any("image/png" in output.get("data", {}) for output in e.out.outputs)
    assert len(e.run["pre_activations"]) == 5


def test_switching_batch_norm_off_retrains_and_keeps_the_previous_curve():
    e = explorer()
    png, status, losses = e.png, e.status.value, list(e.run["losses"])
    e.controls["batchnorm"].value = False
    assert e.renders == 2
    assert e.png != png
    assert e.status.value != status and e.status.value.startswith("batchnorm=off")
    assert e.run["losses"] != losses
    # The previous run (batch norm on) is drawn in grey next to the new one.
    assert loss_axes_lines(e) == 2
    assert "previous: batch norm on" in e.figure.axes[0].get_legend().get_texts()[0].get_text()


def test_set_redraws_once_with_the_new_depth_and_learning_rate():
    e = explorer()
    status = e.set(depth=3, lr=0.1)
    assert e.renders == 2
    assert status.startswith("batchnorm=on, lr=0.1, depth=3")
    assert len(e.run["pre_activations"]) == 3
    ridge = e.figure.axes[1]
    names = [label.get_text().split("\n")[0] for label in ridge.get_yticklabels()]
    assert names == ["layer 1", "layer 2", "layer 3"]


def test_the_functions_passed_in_are_the_ones_used():
    calls = {"forward": 0, "backward": 0}

    def my_forward(*args, **kwargs):
        calls["forward"] += 1
        return batchnorm_forward(*args, **kwargs)

    def my_backward(dout, cache):
        calls["backward"] += 1
        return batchnorm_backward(dout, cache)

    e = BatchNormExplorer(my_forward, my_backward, depth=2, epochs=1, batchnorm=False)
    assert calls == {"forward": 0, "backward": 0}, "batch norm off must not call the functions"
    e.controls["batchnorm"].value = True
    # 600 images in batches of 50: 12 steps, 2 layers; plus one inference pass per layer.
    assert calls == {"forward": 12 * 2 + 2, "backward": 12 * 2}
    assert "nnlib's batch norm" not in e.status.value


def test_errors_of_the_functions_are_shown_not_raised():
    def not_written(*args, **kwargs):
        raise NotImplementedError("write batchnorm_forward first")

    e = BatchNormExplorer(not_written, not_written, epochs=1)
    assert isinstance(e.error, NotImplementedError)
    assert "error: NotImplementedError: write batchnorm_forward first" in e.status.value
    # Without batch norm the explorer still trains.
    e.controls["batchnorm"].value = False
    assert e.error is None
    assert "final loss" in e.status.value or "diverged" in e.status.value


def test_without_functions_it_uses_nnlibs_and_says_so():
    e = BatchNormExplorer(epochs=1, depth=2)
    assert e.reference
    assert "nnlib's batch norm" in e.status.value
    e.controls["batchnorm"].value = False
    assert "nnlib's batch norm" not in e.status.value


def test_batch_norm_trains_at_a_learning_rate_where_the_plain_network_fails():
    # The explorer's starting point: learning rate 1, 5 hidden layers, 5 epochs.
    plain = train_network(None, None, False, lr=1.0, depth=5)
    normed = train_network(batchnorm_forward, batchnorm_backward, True, lr=1.0, depth=5)
    assert plain["diverged"] is not None or (plain["losses"][-1] > 1.5 and plain["accuracy"] < 0.6)
    assert normed["diverged"] is None
    assert normed["losses"][-1] < 0.5 and normed["accuracy"] > 0.85


def test_a_diverging_run_is_reported_without_warnings():
    e = explorer(batchnorm=False, lr=10.0, depth=8)
    assert e.run["diverged"] is not None and e.run["pre_activations"] is None
    assert e.status.value.endswith("(the loss became inf or nan)")
    assert np.all(np.isfinite(e.run["losses"]))


def test_train_network_is_reproducible_and_uses_the_running_statistics():
    first = train_network(batchnorm_forward, batchnorm_backward, True, lr=0.5, depth=3, epochs=2, seed=4)
    second = train_network(batchnorm_forward, batchnorm_backward, True, lr=0.5, depth=3, epochs=2, seed=4)
    assert first["losses"] == second["losses"]
    assert first["accuracy"] == second["accuracy"]
    # At inference (running statistics) each layer's ReLU inputs are roughly standardised.
    for z in first["pre_activations"]:
        assert z.shape == (300, 32)
        assert abs(z.mean()) < 0.5 and 0.5 < z.std() < 2.0


def test_digits_subset_is_standardised_and_read_only():
    X, y, X_test, y_test = digits_subset()
    assert X.shape == (600, 64) and X_test.shape == (300, 64)
    assert y.shape == (600,) and y_test.shape == (300,)
    assert np.allclose(X.mean(axis=0), 0, atol=1e-12)
    assert not X.flags.writeable and not X_test.flags.writeable


def test_ridge_histograms_cope_with_nan_and_constant_layers():
    ax = Figure().add_subplot()
    layers = [np.array([1.0, np.nan, np.inf, 2.0]), np.zeros(5), np.arange(10.0)]
    plot_ridge_histograms(layers, ax)
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert len(labels) == 3 and labels[1] == "layer 2\nstd 0"
    ax = Figure().add_subplot()
    plot_ridge_histograms([np.zeros(4)], ax)  # every value equal: a visible bar anyway
    assert ax.get_xlim()[0] < 0 < ax.get_xlim()[1]


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"batchnorm_forward": 3}, TypeError),
    ({"lr": 100.0}, ValueError),
    ({"depth": 0}, ValueError),
])
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error):
        BatchNormExplorer(**kwargs)
