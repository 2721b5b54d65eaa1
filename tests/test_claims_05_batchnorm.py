"""What chapter 5's text says about its figures, numbers and explorer, computed.

Each test names the section whose sentence it checks. The values come from the solved notebook
run in this process (``fixtures.notebook_cells.namespace``) and from the batch-norm explorer's own training
function at the settings the text names; the main comparison is repeated with five other
initial weights, and the text states the counts these tests assert.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fixtures.notebook_cells import namespace
from nnlib.batchnorm import batchnorm_backward, batchnorm_forward
from nnlib.widgets.batchnorm_explorer import LR_RANGE, BatchNormExplorer, train_network

CHAPTER = "05_batchnorm"
SLIDER_LRS = [10 ** (k / 10) for k in range(-20, 11)]  # the explorer's slider: 10 steps a decade


@pytest.fixture(scope="module")
def nb():
    return namespace(CHAPTER)


def _statistics(snapshots, kind, epoch):
    """(means, stds) per layer of what the layers of ``kind`` received after ``epoch`` epochs."""
    layers = snapshots[epoch][kind]
    return np.array([np.mean(a) for a in layers]), np.array([np.std(a) for a in layers])


def test_1_1_the_spreads_of_the_deeper_layers_grow_two_or_threefold_at_the_safe_rate(nb):
    _, before = _statistics(nb["plain_slow_snaps"], "relu", 0)
    _, after = _statistics(nb["plain_slow_snaps"], "relu", 8)
    growth = after / before
    assert np.all(2 < growth[3:]) and np.all(growth[3:] < 3)


def test_1_1_at_rate_one_the_deeper_means_slide_well_below_zero(nb):
    means, _ = _statistics(nb["plain_fast_snaps"], "relu", 8)
    assert np.all(means[1:] < -0.9)


def test_1_3_figure_2_standardises_each_feature(nb):
    stds = nb["Z"].std(axis=0)
    assert round(stds[0], 1) == 2.8 and round(stds[1], 1) == 0.6
    np.testing.assert_allclose(nb["Z_hat"].std(axis=0), 1.0, atol=1e-4)
    np.testing.assert_allclose(nb["out_demo"].std(axis=0), [0.5, 2.0], atol=1e-4)


def test_2_4_the_running_variance_converges_to_m_minus_one_over_m_of_the_variance(nb):
    population, true_var = nb["population"], nb["true_var"]
    assert nb["true_mean"] == pytest.approx(3.0, abs=0.05) and true_var == pytest.approx(4.5, rel=0.03)
    draw = np.random.default_rng(0)
    batch_variances = population[draw.integers(0, len(population), size=(20_000, 32))].var(axis=1)
    expected = float(np.mean(batch_variances))
    assert expected == pytest.approx(31 / 32 * true_var, rel=0.01)
    assert abs(expected - true_var) / true_var > 0.02


def test_2_4_momentum_099_is_still_converging_after_400_steps(nb):
    means, variances, _, _ = nb["traces"][0.99]
    assert means[-1] < nb["true_mean"] and abs(means[-1] - nb["true_mean"]) / nb["true_mean"] < 0.03
    assert variances[-1] < 31 / 32 * nb["true_var"]


def test_2_5_test_mode_is_close_to_and_a_little_above_the_exact_standardisation(nb):
    ideal = (6.0 - nb["true_mean"]) / math.sqrt(nb["true_var"])
    test_output = float(nb["test_output"][0, 0])
    assert 0 < test_output - ideal < 0.1
    assert np.ptp(nb["train_outputs"]) > 2.0  # "anywhere over a broad range"


def test_2_questions_a_batch_of_one_digit_in_training_mode_is_misread(nb):
    model, X, y = nb["bn_net"], nb["X_val"], nb["y_val"]
    keepers = [layer for layer in model.layers if hasattr(layer, "running_mean")]
    saved = [(layer.running_mean.copy(), layer.running_var.copy()) for layer in keepers]
    try:
        correct = {}
        for digit in range(10):
            images = X[y == digit]
            correct[digit] = float(np.mean(model.forward(images, training=True).argmax(axis=1) == digit))
        mixed = float(np.mean(model.forward(X, training=True).argmax(axis=1) == y))
    finally:
        for layer, (mean, var) in zip(keepers, saved):
            layer.running_mean[:] = mean
            layer.running_var[:] = var
    assert round(correct[7], 3) == 0.067 and all(value < 0.1 for value in correct.values())
    assert float(np.mean(model.predict(X[y == 7]).argmax(axis=1) == 7)) == 1.0
    assert round(mixed, 2) == 0.98


def test_3_questions_a_batch_of_one_has_a_zero_dx():
    x, gamma, beta = np.array([[1.5, -2.0, 0.3]]), np.array([2.0, -1.0, 0.5]), np.array([0.1, 0.2, 0.3])
    out, cache = batchnorm_forward(x, gamma, beta, np.zeros(3), np.ones(3))
    np.testing.assert_array_equal(out, [beta])
    dx, _, _ = batchnorm_backward(np.array([[1.0, -3.0, 2.0]]), cache)
    np.testing.assert_array_equal(dx, 0.0)


def test_4_batch_norm_at_rate_one_reaches_in_two_epochs_what_the_plain_network_reaches_in_eight(nb):
    assert nb["bn_fast"]["val_accuracy"][1] >= nb["plain_slow"]["val_accuracy"][-1]
    assert max(nb["plain_fast"]["val_accuracy"]) - min(nb["plain_fast"]["val_accuracy"][3:]) > 0.2  # never settles


def test_4_with_five_other_initial_weights_batch_norm_wins_every_time(nb):
    train, make_net, norm = nb["train_and_watch"], nb["make_net"], nb["MyBatchNorm"]
    ahead_after_two = wins = 0
    for seed in range(10, 15):
        slow, _ = train(make_net(5, seed=seed), lr=0.1, seed=seed)
        fast, _ = train(make_net(5, seed=seed), lr=1.0, seed=seed)
        normed, _ = train(make_net(5, norm_layer=norm, seed=seed), lr=1.0, seed=seed)
        wins += normed["val_accuracy"][-1] > max(slow["val_accuracy"][-1], fast["val_accuracy"][-1])
        ahead_after_two += normed["val_accuracy"][1] > slow["val_accuracy"][-1]
    assert wins == 5 and ahead_after_two == 3


def test_4_figure_6_prints_fewer_active_relus_without_batch_norm(nb):
    plain = [np.mean(z > 0) for z in nb["plain_fast_snaps"][8]["relu"]]
    normed = [np.mean(z > 0) for z in nb["bn_fast_snaps"][8]["relu"]]
    assert max(plain[1:]) < 0.25 and min(normed) > 0.4


def test_5_1_figure_7_what_batch_norm_receives_drifts_far_less(nb):
    means, stds = _statistics(nb["bn_fast_snaps"], "norm", 8)
    _, stds_before = _statistics(nb["bn_fast_snaps"], "norm", 0)
    assert np.all(np.abs(means) < 0.25) and np.all(stds / stds_before < 1.3)
    plain_means, plain_stds = _statistics(nb["plain_fast_snaps"], "relu", 8)
    _, plain_before = _statistics(nb["plain_fast_snaps"], "relu", 0)
    assert plain_means.min() < -2.4 and np.max(plain_stds / plain_before) > 2


def test_5_1_figure_7_what_the_relu_receives_is_set_by_beta_and_gamma(nb):
    means, stds = _statistics(nb["bn_fast_snaps"], "relu", 8)
    assert np.all(np.abs(means) < 0.11) and round(stds[-1], 2) == 1.16
    # In training mode each unit's output has mean beta and std |gamma| exactly (up to eps).
    x = np.random.default_rng(1).normal(3.0, 2.0, size=(256, 4))
    gamma, beta = np.array([0.5, -2.0, 1.5, 1.0]), np.array([1.0, 0.0, -1.0, 0.3])
    out, _ = batchnorm_forward(x, gamma, beta, np.zeros(4), np.ones(4))
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma), rtol=1e-5)


def test_5_2_figure_8_the_band_is_narrower_with_batch_norm_after_the_first_steps(nb):
    plain_losses, plain_low, plain_high = nb["landscapes"]["no batch norm"]
    bn_losses, bn_low, bn_high = nb["landscapes"]["your batch norm"]
    plain_width, bn_width = plain_high - plain_low, bn_high - bn_low
    assert np.all(plain_width[:5] < bn_width[:5])  # the first few steps: alike, the plain band a little narrower
    assert np.sum(bn_width < plain_width) == 30
    assert round(np.mean(plain_width), 2) == 1.69 and round(np.mean(bn_width), 2) == 0.41
    assert np.sum(plain_high > plain_losses) == 31 and np.sum(bn_high > bn_losses) == 0


def test_5_2_batch_norm_does_not_see_a_rescaling_of_the_weights_before_it(nb):
    model = nb["make_net"](2, width=6, norm_layer=nb["MyBatchNorm"], seed=3)
    X, y = nb["X_train"][:32], nb["y_train"][:32]
    loss, loss_backward = nb["softmax_cross_entropy"], nb["softmax_cross_entropy_backward"]
    logits = model.forward(X, training=True)
    model.backward(loss_backward(logits, y))
    gradient = model.gradients()["0.W"].copy()
    model.parameters()["0.W"][:] *= 3.0
    scaled_logits = model.forward(X, training=True)
    model.backward(loss_backward(scaled_logits, y))
    np.testing.assert_allclose(scaled_logits, logits, rtol=1e-4, atol=1e-5)  # exact but for eps
    assert loss(scaled_logits, y) == pytest.approx(loss(logits, y), rel=1e-6)
    np.testing.assert_allclose(model.gradients()["0.W"], gradient / 3.0, rtol=1e-3, atol=1e-6)


def test_5_3_figure_9_the_batch_statistics_shrink_like_one_over_root_m(nb):
    errors, sizes = nb["errors"], np.array(nb["batch_sizes"])
    for key in ("batch mean", "batch standard deviation"):
        values = np.array(errors[key])
        assert np.all(np.diff(values) < 0)
        slope = np.polyfit(np.log(sizes), np.log(values), 1)[0]
        assert -0.6 < slope < -0.4
    output = np.array(errors["batch-norm output for z = 6"])
    assert np.all(np.abs(output[1:4] - 0.5) < 0.06)  # batches of 4 to 16: about 0.5
    assert np.all(np.diff(output[3:]) < 0)  # from 16 on, steadily down


def test_5_questions_running_mean_forgets_its_start_in_44_and_459_steps():
    for momentum, steps in [(0.9, 44), (0.99, 459)]:
        assert momentum ** steps <= 0.01 < momentum ** (steps - 1)


def test_6_the_explorer_starts_at_rate_one_with_five_layers_and_batch_norm():
    explorer = BatchNormExplorer(batchnorm_forward, batchnorm_backward)
    assert explorer.controls["batchnorm"].value is True
    assert explorer.controls["lr"].value == 1.0 and explorer.controls["depth"].value == 5
    assert round(explorer.run["accuracy"], 3) == 0.957
    plain = train_network(batchnorm_forward, batchnorm_backward, False, 1.0, 5)
    assert round(plain["accuracy"], 3) == 0.323 and 2.1 < plain["losses"][-1] < 2.3


def _largest_rate_that_trains(use_batchnorm: bool, depth: int) -> float:
    """The largest slider rate whose run reaches 50 % held-out accuracy in the explorer's 5 epochs."""
    def trains(lr: float) -> bool:
        run = train_network(batchnorm_forward, batchnorm_backward, use_batchnorm, lr, depth)
        return run["accuracy"] is not None and run["accuracy"] > 0.5

    return max(lr for lr in SLIDER_LRS if lr >= 0.1 and trains(lr))


@pytest.mark.parametrize(("depth", "plain", "normed"), [(2, 1.58, 3.98), (5, 0.79, 3.98), (8, 0.40, 3.16)])
def test_6_batch_norm_allows_rates_two_and_a_half_to_eight_times_larger(depth, plain, normed):
    assert LR_RANGE == (0.01, 10.0)
    assert _largest_rate_that_trains(False, depth) == pytest.approx(plain, rel=0.02)
    assert _largest_rate_that_trains(True, depth) == pytest.approx(normed, rel=0.02)


def test_6_at_a_small_rate_batch_norm_does_not_help():
    plain = train_network(batchnorm_forward, batchnorm_backward, False, 0.03, 5)["accuracy"]
    normed = train_network(batchnorm_forward, batchnorm_backward, True, 0.03, 5)["accuracy"]
    assert 0.55 <= normed < plain <= 0.59


def test_6_the_spreads_without_batch_norm_grow_or_collapse_with_depth():
    def spreads(use_batchnorm: bool, lr: float) -> np.ndarray:
        run = train_network(batchnorm_forward, batchnorm_backward, use_batchnorm, lr, 5)
        return np.array([a.std() for a in run["pre_activations"]])

    moderate = spreads(False, 0.3)
    assert np.all(np.diff(moderate) > 0) and round(moderate[0], 1) == 1.7 and round(moderate[-1], 1) == 3.1
    high = spreads(False, 1.0)
    assert np.argmax(high) == 1 and round(high[1], 1) == 2.5 and np.all(high[2:] < 1)
    for lr in (0.3, 1.0):
        assert np.all((spreads(True, lr) > 0.95) & (spreads(True, lr) < 1.25))


def test_2_4_momentum_09_reaches_the_level_within_a_few_dozen_steps_and_keeps_jittering(nb):
    means, _, _, _ = nb["traces"][0.9]
    means = np.array(means)
    close = np.abs(means - nb["true_mean"]) < 0.1 * nb["true_mean"]
    first = int(np.argmax(close))
    assert 12 <= first <= 48 and close[first:].mean() > 0.95
    assert np.std(np.diff(means[100:])) > 0.01  # it keeps moving with each batch


def test_3_3_the_gradient_check_passes_and_the_biases_before_batch_norm_get_zero(nb):
    net, loss = nb["check_net"], nb["check_loss"]
    logits = net.forward(nb["X_check"], training=True)
    net.backward(nb["softmax_cross_entropy_backward"](logits, nb["y_check"]))
    analytic = {key: grad.copy() for key, grad in net.gradients().items()}
    for key, param in net.parameters().items():
        numeric = nb["numerical_gradient"](loss, param)
        if key in ("0.b", "3.b"):
            assert np.abs(analytic[key]).max() < 1e-12 and np.abs(numeric).max() < 1e-8
        else:
            assert nb["relative_error"](analytic[key], numeric) < 1e-7
    gammas = [layer.params["gamma"] for layer in net.layers if hasattr(layer, "running_mean")]
    assert all(not np.allclose(gamma, 1.0) for gamma in gammas)  # checked away from gamma = 1


# --- section 6: the scale of the initial weights ----------------------------------------------

def _final_losses(nb, seed: int) -> dict[tuple[str, float], float]:
    """(norm, scale) -> final training loss of section 6's experiment with another seed."""
    runs = {}
    for norm in ("no batch norm", "batch norm"):
        for scale in nb["init_scales"]:
            layer = nb["MyBatchNorm"] if norm == "batch norm" else None
            history = nb["train_plain_sgd"](nb["scaled_net"](scale, layer, seed=seed), seed=seed)
            runs[norm, scale] = history["loss"][-1]
    return runs


def _untrained(loss: float) -> bool:
    """Stuck at a uniform guess (ln 10) or not a number."""
    return not np.isfinite(loss) or loss > math.log(10) - 0.01


def test_6_only_he_scale_trains_without_batch_norm_and_every_scale_with_it(nb):
    from fixtures.notebook_cells import assert_text_says

    final = {key: history["loss"][-1] for key, history in nb["scale_runs"].items()}
    assert_text_says(CHAPTER, "88fe4ed9", "With weights 10 times too small the loss never leaves $\\ln 10$")
    assert all(abs(loss - math.log(10)) < 0.01 for loss in nb["scale_runs"]["no batch norm", 0.1]["loss"])
    assert_text_says(CHAPTER, "88fe4ed9", "the loss is not a number, and the run leaves no line at all")
    assert not np.any(np.isfinite(nb["scale_runs"]["no batch norm", 10.0]["loss"]))
    assert final["no batch norm", 1.0] < 0.5
    assert_text_says(CHAPTER, "88fe4ed9", "the run with weights x 10 is the slowest of the three, and the run with weights x 0.1 the fastest")
    assert final["batch norm", 10.0] > final["batch norm", 1.0] > final["batch norm", 0.1]


def test_6_five_other_seeds_give_the_same_picture(nb):
    from fixtures.notebook_cells import assert_text_says

    assert_text_says(CHAPTER, "88fe4ed9", "the plain network trained at He's scale and failed at both other scales in all five")
    assert_text_says(CHAPTER, "88fe4ed9", "the network with batch norm ended every run below 1.5")
    plain_as_said = batch_norm_as_said = 0
    for seed in range(2, 7):
        final = _final_losses(nb, seed)
        plain_as_said += bool(final["no batch norm", 1.0] < 0.5 and _untrained(final["no batch norm", 0.1])
                              and _untrained(final["no batch norm", 10.0]))
        batch_norm_as_said += all(final["batch norm", scale] < 1.5 for scale in nb["init_scales"])
    assert (plain_as_said, batch_norm_as_said) == (5, 5)


# --- section 7.1: batch norm and layer norm at batch sizes 1, 8 and 256 -----------------------

def test_7_1_layer_norm_is_the_same_in_every_batch_and_batch_norm_is_not(nb):
    from fixtures.notebook_cells import assert_text_says

    batch_norm, layer_norm = nb["same_weights"]["batch norm"], nb["same_weights"]["layer norm"]
    assert_text_says(CHAPTER, "09cc391d", "in test mode too, to the last digit")
    assert len(set(layer_norm)) == 1
    assert_text_says(CHAPTER, "09cc391d", "the accuracy is chance (0.10)")
    assert round(batch_norm[0], 2) == 0.10
    assert_text_says(CHAPTER, "09cc391d", "the accuracy drops from about 0.98 to about 0.76")
    assert round(batch_norm[3], 2) == 0.98 and round(batch_norm[1], 2) == 0.76
    assert_text_says(CHAPTER, "09cc391d", "With batches of 256 the batch statistics are good estimates, and training mode agrees with test mode")
    assert abs(batch_norm[2] - batch_norm[3]) < 0.01


def test_7_1_training_from_scratch_at_each_batch_size(nb):
    from fixtures.notebook_cells import assert_text_says

    batch_norm, layer_norm = nb["from_scratch"]["batch norm"], nb["from_scratch"]["layer norm"]
    assert_text_says(CHAPTER, "09cc391d", "so it learns nothing; layer norm trains")
    assert batch_norm[0] < 0.15 and layer_norm[0] > 0.9
    assert_text_says(CHAPTER, "09cc391d", "At batch size 8 layer norm is ahead")
    assert layer_norm[1] > batch_norm[1] + 0.05
    assert_text_says(CHAPTER, "09cc391d", "At 256, with only 12 steps in the two epochs, batch norm is far ahead")
    assert math.ceil(len(nb["X_train"]) / 256) * 2 == 12
    assert batch_norm[2] > layer_norm[2] + 0.2


def test_7_1_layer_norm_rate_is_the_best_of_three(nb):
    from fixtures.notebook_cells import assert_text_says

    assert_text_says(CHAPTER, "f64c0ce7", "η = 0.3, the better of 0.1, 0.3 and 1 for it")
    accuracy = {}
    for lr in (0.1, 0.3, 1.0):
        model = nb["make_net"](5, norm_layer=nb["MyLayerNorm"])
        accuracy[lr] = nb["train_plain_sgd"](model, lr=lr)["val_accuracy"][-1]
    assert max(accuracy, key=accuracy.get) == 0.3, accuracy
