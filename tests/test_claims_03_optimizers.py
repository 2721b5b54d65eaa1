"""What chapter 3's text says about its figures, numbers and explorer, checked by running them.

Each test runs the notebook's own cells (``fixtures.notebook_cells``), computes what one
sentence claims, and checks that the sentence is still in the text. Comparisons are checked
over several seeds, and the text states the count.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from fixtures.notebook_cells import assert_text_says, run_cells

CHAPTER = "03_optimizers"
NOISE_CELL, NOISE_INTRO, NOISE_TEXT = "a70643a0", "f74b0024", "f46a85d6"
MOONS_CELL, MOONS_TEXT = "8eee824a", "3b1110e7"
EWA_CELL, EWA_TEXT = "1434e447", "df142012"
VALLEY_CELL, VALLEY_TEXT = "2ab6a599", "42303b92"
MOMENTUM_CELL, MOMENTUM_TEXT = "86055414", "2200653d"
RMSPROP_TEXT, ADAM_TEXT = "bc65c1a7", "cb466b32"
RACE_CELL, RACE_TEXT = "f762ece6", "9d98f9dd"
DIGITS_CELL, DIGITS_TEXT = "8fc59430", "2e0de8da"
DECAY_CELL, DECAY_TEXT = "56966394", "d3c4dd48"
EXPLORER_CELL, EXPLORER_TEXT = "adec972a", "760ebe49"
SIX_SEEDS = range(6)  # the run shown (seed 0) and five others
says = partial(assert_text_says, CHAPTER)  # says(cell_id, sentence): the claim is still in the text


def test_the_mini_batch_gradient_error_falls_like_one_over_root_b():
    says(NOISE_INTRO, "the moons data set of chapter 2")
    says(NOISE_TEXT, "The measured error follows the $1/\\sqrt{b}$ line closely (it falls a little faster at the "
                     "largest sizes")
    ns = run_cells(CHAPTER, NOISE_CELL)
    sizes, errors = np.array(ns["sizes"]), np.array(ns["errors"])
    predicted = errors[0] / np.sqrt(sizes)
    assert np.all(np.abs(np.log(errors / predicted)) < np.log(1.35)), "within 35% of the 1/sqrt(b) line"
    assert errors[-1] < predicted[-1], "it falls a little faster at the largest size"
    slope = np.polyfit(np.log(sizes), np.log(errors), 1)[0]
    assert -0.6 < slope < -0.45


@pytest.mark.parametrize("seed", SIX_SEEDS)
def test_per_epoch_stochastic_wins_and_per_step_batch_wins(seed):
    says(MOONS_TEXT, "after 20 epochs stochastic < mini-batch < batch, and after 256 steps the reverse, every time")
    says(MOONS_TEXT, "its loss wobbles (it goes up after several epochs)")
    ns = run_cells(CHAPTER, NOISE_CELL, MOONS_CELL)
    (b_batch, lr_batch), (b_sgd, lr_sgd), (b_mini, lr_mini) = ns["settings"].values()
    train = ns["train_moons"]
    batch, sgd, mini = (train(b, lr, seed=seed)[0] for b, lr in ns["settings"].values())
    assert sgd[-1] < mini[-1] < batch[-1]
    assert np.sum(np.diff(sgd) > 0) >= 3
    per_step = [train(b, lr, epochs=b, seed=seed, every_step=True)[0] for b, lr in ns["settings"].values()]
    assert all(len(losses) == 257 for losses in per_step)
    batch_steps, sgd_steps, mini_steps = per_step
    assert batch_steps[-1] < mini_steps[-1] < sgd_steps[-1]


def test_the_uncorrected_average_is_still_37_percent_low_after_one_over_one_minus_beta_days():
    says(EWA_TEXT, "the average is still about 35% too low. It takes about $3/(1-\\beta)$ days (30 and 150) to "
                   "come within 5%")
    ns = run_cells(CHAPTER, EWA_CELL)
    for beta, window in ((0.9, 10), (0.98, 50)):
        raw = ns["ewa"](ns["temperature"], beta, bias_correction=False)
        corrected = ns["ewa"](ns["temperature"], beta)
        shortfall = 1 - raw / corrected   # = beta**t exactly: the share of the weights still missing
        assert shortfall[window - 1] == pytest.approx(0.35, abs=0.02)
        within = int(np.argmax(shortfall < 0.05)) + 1
        assert within == pytest.approx(3 / (1 - beta), rel=0.05)
    assert np.all(shortfall[:59] > 0.3), "for beta = 0.98 the first two months are badly wrong"


def test_gradient_descent_in_the_valley_crawls_zigzags_or_diverges():
    says(VALLEY_TEXT, "by 4% per step: after 50 steps the loss is above 100 and rising")
    ns = run_cells(CHAPTER, VALLEY_CELL)
    paths, valley = ns["paths"], ns["valley"]
    assert 0.05 < valley(*paths["η = 0.3"][-1]) < 0.5, "smooth but still far from the minimum"
    flips = np.sign(paths["η = 0.9"][1:, 1]) * np.sign(paths["η = 0.9"][:-1, 1])
    assert np.all(flips < 0), "w2 flips sign every step at 0.9"
    diverging = paths["η = 1.02"]
    np.testing.assert_allclose(np.abs(diverging[1:, 1] / diverging[:-1, 1]), 1.04)
    assert 100 < valley(*diverging[-1]) and valley(*diverging[-1]) > valley(*diverging[-2])


def test_momentum_at_twice_the_largest_stable_rate_ends_about_three_times_lower():
    says(MOMENTUM_TEXT, "momentum still converges, travels along the valley twice as fast, and ends with a loss "
                        "about three times lower")
    ns = run_cells(CHAPTER, VALLEY_CELL, MOMENTUM_CELL)
    paths, valley = ns["paths"], ns["valley"]
    gd, fast = paths["gradient descent, η = 0.9"], paths["momentum, η = 2"]
    assert 2.5 < valley(*gd[-1]) / valley(*fast[-1]) < 3.5
    assert valley(*fast[-1]) < valley(*fast[0]) / 100


def test_the_four_optimizers_race_as_the_text_describes():
    says(RACE_TEXT, "It gets very close.")
    ns = run_cells(CHAPTER, VALLEY_CELL, MOMENTUM_CELL, RACE_CELL)
    race, valley = ns["race"], ns["valley"]
    final = {label.split(" (")[0]: valley(*path[-1]) for label, path in race.items()}
    assert final["RMSprop"] < 1e-5 and final["RMSprop"] == min(final.values())
    assert final["gradient descent"] == max(final.values())
    overshoots = lambda path: np.max(path[:, 0]) > 0  # the minimum is at w1 = 0
    assert overshoots(race["momentum (η = 2)"]) and overshoots(race["Adam (η = 0.3)"])
    assert not overshoots(race["RMSprop (η = 0.15)"])
    first_adam_step = np.abs(race["Adam (η = 0.3)"][1] - race["Adam (η = 0.3)"][0])
    np.testing.assert_allclose(first_adam_step, 0.3, rtol=1e-6)  # "move both weights by about η"


def test_rmsprops_first_step_is_eta_over_root_one_minus_beta():
    says(RMSPROP_TEXT, "$3.2\\,\\eta$ for $\\beta = 0.9$ and $32\\,\\eta$ for $\\beta = 0.999$")
    ns = run_cells(CHAPTER)
    for beta, factor in ((0.9, 3.16), (0.999, 31.6)):
        w, _ = ns["rmsprop_update"](np.zeros(3), np.array([0.001, -2.0, 50.0]), np.zeros(3), 0.01, beta)
        np.testing.assert_allclose(np.abs(w), factor * 0.01, rtol=1e-3)


def test_adams_uncorrected_steps_are_three_to_six_and_a_half_times_too_large_for_a_hundred_steps():
    says(ADAM_TEXT, "the uncorrected steps stay three to six and a half times too large for the first hundred steps")
    ns = run_cells(CHAPTER)
    w, m, v = np.zeros(1), np.zeros(1), np.zeros(1)
    ratios = []
    for t in range(1, 101):
        dw = np.array([1.0])
        w, m, v = ns["adam_update"](w, dw, m, v, t, lr=1.0, eps=0.0)
        ratios.append(float(m[0] / np.sqrt(v[0])))   # the uncorrected step; the corrected one is 1
    assert 3.0 <= min(ratios) and max(ratios) <= 6.6 and ratios[0] == pytest.approx(3.16, abs=0.01)


@pytest.mark.parametrize("seed", SIX_SEEDS)
def test_on_the_digits_adam_trains_fastest_but_held_out_accuracy_is_a_tie(seed):
    says(DIGITS_TEXT, "gradient descent ended some epoch higher than it started in 4 of the 6 runs, momentum in "
                      "none, and Adam had the lowest training loss after every epoch in all 6")
    says(DIGITS_TEXT, "all three networks end between 95% and 97% in every run")
    ns = run_cells(CHAPTER, DIGITS_CELL)
    runs = {label.split(" (")[0]: ns["train_digits"](make_rule(), seed=seed) for label, make_rule in ns["rules"].items()}
    sgd, momentum, adam = runs["mini-batch gradient descent"], runs["momentum"], runs["Adam"]
    assert (np.sum(np.diff(sgd[0]) > 0) > 0) == (seed in (0, 1, 4, 5))
    assert np.all(np.diff(momentum[0]) < 0)
    assert np.all(adam[0][1:] < np.minimum(sgd[0][1:], momentum[0][1:]))
    for losses, accuracies in runs.values():
        assert 0.945 <= accuracies[-1] < 0.975
    if seed == 0:  # the figure: gradient descent goes up after epochs 5 and 10
        assert list(np.flatnonzero(np.diff(sgd[0]) > 0) + 1) == [5, 10]


@pytest.mark.parametrize("seed", SIX_SEEDS)
def test_decaying_the_learning_rate_ends_three_to_four_orders_of_magnitude_closer(seed):
    says(DECAY_TEXT, "between 2.7 and 4.5 orders in six runs with different shuffling seeds")
    says(DECAY_TEXT, "the loss jumps up and down at around $10^{-3}$ above the minimum")
    ns = run_cells(CHAPTER, DECAY_CELL)
    schedules = {"inverse-time": lambda e: ns["inverse_time_decay"](0.1, e, 0.5),
                 "exponential": lambda e: ns["exponential_decay"](0.1, e, 0.85),
                 "fixed-interval": lambda e: ns["step_decay"](0.1, e, 0.3, 8)}
    constant = np.array(ns["train_linear"](lambda e: 0.1, seed=seed))
    assert 1e-3 <= np.median(constant[10:]) <= 3e-3
    floor = np.median(constant[-5:])
    for name, schedule in schedules.items():
        orders = np.log10(floor / ns["train_linear"](schedule, seed=seed)[-1])
        assert 2.7 <= orders <= 4.6, f"{name}: {orders:.2f}"
    if seed == 0:  # the figure: the fixed-interval run drops right after its cuts at epochs 8 and 16
        gaps = np.array(ns["gaps"]["fixed-interval (d = 0.3 every 8)"])
        drops = gaps[:-1] / gaps[1:]
        assert drops[8] > 5 and drops[16] > 2


def _explorer():
    return run_cells(CHAPTER, EXPLORER_CELL)["explorer"]


def test_the_optimizer_explorer_starts_where_the_text_says():
    says(EXPLORER_TEXT, "It starts with SGD, $\\eta = 0.5$, the full batch of 64 and 20 epochs.")
    explorer = _explorer()
    assert explorer.status.value.startswith("optimizer=SGD, lr=0.5, beta1=0.9, beta2=0.999, batch_size=64, epochs=20")


def test_explorer_item_1_zigzag_above_one_and_divergence_above_two():
    says(EXPLORER_TEXT, "Up to 1 the path slides down into the valley without crossing it; above 1 (try 1.26)")
    says(EXPLORER_TEXT, "at exactly 2 the path bounces between the same two sides for ever, and above 2 (2.51) it "
                        "diverges")
    explorer = _explorer()
    crossings = lambda: int(np.sum(np.diff(np.sign(explorer.path[:, 1] - explorer.w_best[1])) != 0))
    for lr in (0.5, 0.79):
        explorer.set(lr=lr)
        assert crossings() == 0 and not explorer.diverged
    explorer.set(lr=1.26)
    assert crossings() == 20 and not explorer.diverged
    explorer.set(lr=2.0)
    offsets = explorer.path[1:, 1] - explorer.w_best[1]
    np.testing.assert_allclose(np.abs(offsets), np.abs(offsets[0]), rtol=1e-9)
    explorer.set(lr=2.51)
    assert explorer.diverged


def test_explorer_item_2_smaller_batches_and_rates_change_the_noise_floor():
    says(EXPLORER_TEXT, "the loss stalls at a floor about 0.03 above the minimum; with batches of 8 the floor is "
                        "about 0.002. Back to batch size 1 with $\\eta = 0.1$: the floor drops to about 0.002 too, but "
                        "the first epoch gets ten times less done")
    explorer = _explorer()

    def floor_and_first_epoch(batch_size, lr):
        explorer.set(optimizer="SGD", batch_size=batch_size, lr=lr)
        excess = explorer.losses - explorer.best_loss
        per_epoch = (len(excess) - 1) // 20
        return np.median(excess[-per_epoch:]), excess[per_epoch]

    floor_1, first_1 = floor_and_first_epoch(1, 0.5)
    floor_8, _ = floor_and_first_epoch(8, 0.5)
    floor_slow, first_slow = floor_and_first_epoch(1, 0.1)
    assert 0.02 < floor_1 < 0.04 and 0.001 < floor_8 < 0.003 and 0.001 < floor_slow < 0.003
    assert 7 < first_slow / first_1 < 13


def test_explorer_item_3_momentum_betas():
    says(EXPLORER_TEXT, "With 0.9 the path swings across and along the valley and is still swinging after 20 steps; "
                        "with 0.5 it has less inertia, settles onto the valley floor and ends close to the minimum; "
                        "with 0.99 it is nearly all inertia and ends far away")
    explorer = _explorer()
    excess = {}
    for beta1 in (0.9, 0.5, 0.99):
        explorer.set(optimizer="momentum", lr=2.0, beta1=beta1)
        excess[beta1] = explorer.losses[-1] - explorer.best_loss
        if beta1 == 0.9:
            assert explorer.losses[-1] > explorer.losses[-4], "still swinging: the loss is going up again"
    assert excess[0.5] < 0.02 < excess[0.9] < excess[0.99]


def test_explorer_item_4_rmsprops_large_first_step_and_adams_corrected_one():
    says(EXPLORER_TEXT, "the first step moves each weight by 1.58, which is $\\eta/\\sqrt{1-\\beta_2} \\approx 32\\,\\eta$")
    says(EXPLORER_TEXT, "it arrives within the 20 steps. With $\\beta_2 = 0.9$ the first step is only $3.2\\,\\eta$ and 20 "
                        "steps are not enough")
    explorer = _explorer()
    first_step = lambda: np.abs(explorer.path[1] - explorer.path[0])
    explorer.set(optimizer="RMSprop", lr=0.05, beta2=0.999)
    np.testing.assert_allclose(first_step(), 1.58, atol=0.005)
    assert explorer.losses[-1] - explorer.best_loss < 1e-4
    explorer.set(beta2=0.9)
    np.testing.assert_allclose(first_step(), 0.05 / np.sqrt(0.1), rtol=1e-6)
    assert explorer.losses[-1] - explorer.best_loss > 0.1
    for beta2 in (0.999, 0.9):
        explorer.set(optimizer="Adam", beta2=beta2)
        np.testing.assert_allclose(first_step(), 0.05, rtol=1e-6)


def test_explorer_item_5_adam_needs_more_steps_than_the_full_batch_gives():
    says(EXPLORER_TEXT, "The same with batch size 4 takes 16 steps per epoch and ends within 0.001 of the minimum")
    explorer = _explorer()
    explorer.set(optimizer="Adam", lr=0.1)
    assert explorer.losses[-1] - explorer.best_loss > 0.1
    explorer.set(batch_size=4)
    assert "(16 per epoch)" in explorer.status.value and explorer.losses[-1] - explorer.best_loss < 0.001


NESTEROV_CELL, NESTEROV_TEXT = "324de9a9", "5d86e4a9"
ADAGRAD_CELL, ADAGRAD_TEXT = "e1cb6641", "1f1d5859"
LOOP_CELL, LOOP_TEXT = "8df68565", "9c4fa28b"


def test_nesterov_swings_less_than_momentum_in_the_valley():
    says(NESTEROV_TEXT, "from step 5 on, its $w_2$ never gets further than 0.25 from the valley floor, where "
                        "momentum's swings reach 1.09, and after 50 steps its loss is about half of momentum's")
    ns = run_cells(CHAPTER, VALLEY_CELL, MOMENTUM_CELL, NESTEROV_CELL)
    momentum, nesterov = ns["paths"]["momentum, η = 2"], ns["paths"]["Nesterov, η = 2"]
    assert round(np.abs(nesterov[5:, 1]).max(), 2) == 0.25 and round(np.abs(momentum[5:, 1]).max(), 2) == 1.09
    ratio = ns["valley"](*nesterov[-1]) / ns["valley"](*momentum[-1])
    assert 0.4 <= ratio <= 0.6, ratio


def test_adagrad_never_recovers_from_a_steep_start_and_rmsprop_does():
    says(ADAGRAD_TEXT, "During the steep part AdaGrad's step falls like $1/\\sqrt{t}$: $0.07\\,\\eta$ after 200 steps")
    says(ADAGRAD_TEXT, "its step drops a hundredfold too, to $0.0007\\,\\eta$, and stays there")
    says(ADAGRAD_TEXT, "within 100 steps of the drop its step is back near $\\eta$ ($0.89\\,\\eta$ at step 300)")
    sizes = run_cells(CHAPTER, ADAGRAD_CELL)["step_sizes"]
    adagrad, rmsprop = sizes["AdaGrad"], sizes["RMSprop, β = 0.9"]
    t = np.arange(1, 201)
    np.testing.assert_allclose(adagrad[:200], 1 / np.sqrt(t), rtol=1e-6)
    assert round(adagrad[199], 2) == 0.07 and np.allclose(adagrad[200:], 0.0007, rtol=0.02)
    assert round(rmsprop[299], 2) == 0.89 and rmsprop[200] < 0.02


def _loop_results(seed: int) -> dict:
    replace = () if seed == 10 else (("rng = np.random.default_rng(10)", f"rng = np.random.default_rng({seed})"),)
    return run_cells(CHAPTER, DIGITS_CELL, LOOP_CELL, replace=replace)["loop_results"]


def test_every_optimizer_reaches_93_percent_with_the_students_loop():
    says(LOOP_TEXT, "Every optimizer reaches at least 93% on the held-out digits within ten epochs")
    results = _loop_results(10)
    assert len(results) == 5 and all(accuracy >= 0.93 for _, accuracy in results.values()), \
        {label: accuracy for label, (_, accuracy) in results.items()}


@pytest.mark.parametrize("seed", [10, 11, 12, 13, 14])
def test_momentum_and_nesterov_train_lowest_and_validation_ends_above_training(seed):
    says(LOOP_TEXT, "we ran the comparison with four other seeds (initial weights and batches), and these two had "
                    "the two lowest training losses every time")
    says(LOOP_TEXT, "In all five runs every optimizer ends with a validation loss above its training loss")
    results = _loop_results(seed)
    final = {label: history["loss"][-1] for label, (history, _) in results.items()}
    two_lowest = sorted(final, key=final.get)[:2]
    assert sorted(two_lowest) == ["Nesterov (η = 0.3)", "momentum (η = 0.3)"], final
    for label, (history, _) in results.items():
        assert history["val_loss"][-1] > history["loss"][-1], (label, history)


INITIAL_LOSS_CELL, INITIAL_LOSS_TEXT = "f24a06a1", "b4710e4d"
OVERFIT_CELL, OVERFIT_TEXT = "f8c8814b", "92e7ca13"
CHECK_CELL, CHECK_TEXT = "ec317a40", "b455eefc"
SANITY_SETUP = (DIGITS_CELL, LOOP_CELL)  # the digits split, init_mlp, optimizer and the five rules


def test_the_initial_loss_depends_on_the_scale_of_the_output_layer():
    says(INITIAL_LOSS_TEXT, "With He's initialisation in the output layer too, the first loss is 2.81, half a unit "
                            "above $\\log 10 = 2.30$")
    says(INITIAL_LOSS_TEXT, "Scaled down a hundredfold, the output layer gives 2.30, as it should; ten times larger, "
                            "the loss starts at 17.3")
    ns = run_cells(CHAPTER, *SANITY_SETUP, INITIAL_LOSS_CELL)
    losses = {}
    for scale in (1.0, 0.01, 10.0):
        fresh = ns["init_mlp"]([64, 64, 10], np.random.default_rng(0))
        fresh["W2"] = fresh["W2"] * scale
        losses[scale] = ns["initial_loss_check"](fresh, ns["X_fit"], ns["y_fit"])[0]
    assert round(losses[1.0], 2) == 2.81 and round(losses[0.01], 2) == 2.30 and round(losses[10.0], 1) == 17.3


def test_every_rule_memorises_twenty_digits_in_forty_steps():
    says(OVERFIT_TEXT, "All five memorise the 20 digits")
    ns = run_cells(CHAPTER, *SANITY_SETUP)
    for rule, hyper in ns["optimizers_digits"].values():
        _, accuracy = ns["overfit_small_set"](ns["init_mlp"]([64, 64, 10], np.random.default_rng(0)),
                                              ns["optimizer"](rule, **hyper), ns["X_fit"][:20], ns["y_fit"][:20], 40)
        assert accuracy == 1.0, rule


def test_the_reference_network_passes_its_gradient_check():
    says(CHECK_TEXT, "Every relative error is below $10^{-8}$")
    errors = run_cells(CHAPTER, *SANITY_SETUP, CHECK_CELL)["check_errors"]
    assert len(errors) == 4 and max(errors.values()) < 1e-8
