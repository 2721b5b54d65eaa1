"""What chapter 6's text says about its figures, numbers and dashboard, computed.

Each test names the section whose sentence it checks. The values come from the solved notebook
run in this process (``fixtures.notebook_cells.namespace``) and from the tuning dashboard's own search at the
settings the text names; every comparison between search methods is counted over several
seeds, and the text states the counts these tests assert.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest

import nnlib
from fixtures.notebook_cells import namespace
from nnlib.optimizers import Adam
from nnlib.training import evaluate, fit
from nnlib.widgets.tuning_dashboard import Search, TuningDashboard, digits_objective, search_trials

CHAPTER = "06_tuning"
SEARCH_FUNCTIONS = {name: getattr(nnlib, name) for name in ("grid_search", "random_search", "log_uniform")}
SEEDS = range(21)  # the dashboard's seed slider: 0 to 20


@pytest.fixture(scope="module")
def nb():
    return namespace(CHAPTER)


@lru_cache(maxsize=None)
def _dashboard_score():
    """The dashboard's objective through a cache, as the dashboard itself uses it."""
    objective, cache = digits_objective(), {}

    def score(params):
        key = (float(params["lr"]), int(params["hidden"]))
        if key not in cache:
            cache[key] = objective({"lr": key[0], "hidden": key[1]})
        return cache[key]

    return score


def _dashboard_best(**settings):
    """(params, score) of the best trial of one dashboard search with ``settings``."""
    return search_trials(_dashboard_score(), Search(**settings), SEARCH_FUNCTIONS)[0]


def test_1_2_a_tiny_rate_learns_nothing_and_001_reads_most_digits(nb):
    assert abs(nb["dev_loss"]({"lr": 1e-4, "hidden": 32}) - math.log(10)) < 0.1
    model = nb["make_model"](32)
    fit(model, nb["X_search"], nb["y_search"], optimizer=Adam(0.01), epochs=4, batch_size=50,
        rng=np.random.default_rng(0), progress=False)
    assert evaluate(model, nb["X_dev"], nb["y_dev"])["accuracy"] > 0.8


def test_1_3_the_learning_rate_dominates_and_beta1_barely_matters(nb):
    spread = {name: np.ptp(losses) for name, losses in nb["sweep_losses"].items()}
    assert sorted(spread, key=spread.get, reverse=True) == ["lr", "hidden", "batch_size", "beta1"]
    lr_losses = nb["sweep_losses"]["lr"]
    assert lr_losses[0] > 2 and lr_losses[-1] > 2 and min(lr_losses) < 0.3  # nothing, a valley, nothing
    assert spread["beta1"] < 0.1


def test_1_3_with_five_other_initial_weights_the_ranking_holds(nb):
    dev_loss, sweeps, default = nb["dev_loss"], nb["sweeps"], nb["default"]
    orders, beta_spreads = [], []
    for seed in range(1, 6):
        spread = {name: np.ptp([dev_loss({**default, name: v}, seed=seed) for v in values])
                  for name, values in sweeps.items()}
        orders.append(sorted(spread, key=spread.get, reverse=True))
        beta_spreads.append(spread["beta1"])
    assert all(order[0] == "lr" and order[-1] == "beta1" for order in orders)
    assert sum(order[1] == "batch_size" for order in orders) == 1
    assert round(min(beta_spreads), 2) == 0.05 and round(max(beta_spreads), 2) == 0.35


def test_1_questions_too_large_a_rate_kills_every_relu(nb):
    model = nb["make_model"](32)
    fit(model, nb["X_search"], nb["y_search"], optimizer=Adam(1.0), epochs=4, batch_size=50,
        rng=np.random.default_rng(0), progress=False)
    hidden = model.layers[0].forward(nb["X_dev"])
    assert np.all(hidden <= 0)
    assert set(model.predict(nb["X_dev"]).argmax(axis=1)) == {1}


def test_1_questions_equal_steps_make_the_large_batch_better(nb):
    dev_loss = nb["dev_loss"]
    assert round(dev_loss({"lr": 0.01, "hidden": 32, "batch_size": 25}), 3) == 0.267
    assert round(dev_loss({"lr": 0.01, "hidden": 32, "batch_size": 200}, epochs=27), 3) == 0.149
    assert round(dev_loss({"lr": 0.03, "hidden": 32, "batch_size": 200}, epochs=27), 3) == 0.125
    assert 4 * math.ceil(500 / 25) == 80 and 4 * math.ceil(500 / 200) == 12 and 27 * math.ceil(500 / 200) == 81


def test_2_3_the_best_cell_has_the_largest_rate_and_more_units_help_below_it(nb):
    grid, results = nb["grid"], nb["grid_results"]
    assert results[0][0]["lr"] == max(grid["lr"])
    score = {(p["lr"], p["hidden"]): s for p, s in results}
    for lr in grid["lr"][:2]:
        losses = [score[(lr, h)] for h in grid["hidden"]]
        assert losses == sorted(losses, reverse=True)


def test_2_questions_a_64_run_grid_affords_two_values_of_four_hyperparameters():
    assert 2 ** 4 <= 64 < 3 ** 4


def test_3_3_random_search_beats_the_grid_in_95_percent_of_300_seeds(nb):
    valley_bests = np.array([nb["random_search"](nb["uniform_space"], nb["valley"], 9, rng=np.random.default_rng(seed))[0][1]
                             for seed in range(300)])
    assert round(float(np.mean(valley_bests < nb["grid_valley"][0][1])), 2) == 0.95
    assert nb["grid_valley"][0][1] > 0.9  # none of the grid's three columns is in the valley


@pytest.mark.parametrize(("columns", "percent"), [(4, 83), (5, 60), (6, 100)])
def test_3_3_with_other_budgets_it_depends_on_where_the_columns_fall(nb, columns, percent):
    values = [(i + 0.5) / columns for i in range(columns)]
    grid_best = nb["grid_search"]({"a": values, "b": values}, nb["valley"])[0][1]
    bests = np.array([nb["random_search"](nb["uniform_space"], nb["valley"], columns ** 2,
                                          rng=np.random.default_rng(seed))[0][1] for seed in range(300)])
    assert round(100 * float(np.mean(bests < grid_best))) == percent
    if columns == 5:
        assert 0.7 in [round(v, 2) for v in values]


def test_3_questions_nine_random_draws_of_nine_combinations_hit_about_six():
    assert round(9 * (1 - (8 / 9) ** 9), 1) == 5.9
    draws = np.random.default_rng(0).integers(0, 9, size=(20_000, 9))
    assert np.mean([len(set(row)) for row in draws]) == pytest.approx(5.88, abs=0.03)


def test_4_1_a_linear_scale_puts_90_percent_above_01_and_009_percent_below_0001():
    assert round((1 - 0.1) / (1 - 1e-4), 2) == 0.90
    assert round(100 * (1e-3 - 1e-4) / (1 - 1e-4), 2) == 0.09


def test_4_2_beta_from_one_minus_a_log_uniform_r(nb):
    betas = 1 - nb["log_uniform"](1e-3, 1e-1, size=20_000, rng=np.random.default_rng(0))
    assert betas.min() >= 0.9 and betas.max() <= 0.999
    assert np.mean(betas < 0.99) == pytest.approx(0.5, abs=0.02)


def test_4_3_the_linear_scale_leaves_one_sample_in_ten_below_01(nb):
    linear, logs = nb["linear_lrs"], nb["log_lrs"]
    assert np.sum(linear < 0.1) == 21 and round(float(np.mean(linear > 0.1)), 2) == 0.90
    shares = np.histogram(logs, bins=np.logspace(-4, 0, 5))[0] / len(logs)
    assert np.all((shares > 0.2) & (shares < 0.33))


def test_4_4_random_search_and_the_grid_come_out_about_even(nb):
    assert round(nb["random_results"][0][1], 3) == 0.140 and round(nb["grid_results"][0][1], 3) == 0.170
    bests = np.array(nb["digit_random_bests"])
    assert len(bests) == 10 and np.sum(bests < nb["grid_results"][0][1]) == 2
    assert np.sum(bests < nb["wide_grid_best"]) == 4


def test_4_questions_half_a_log_uniform_dropout_rate_is_below_0022(nb):
    assert math.sqrt(1e-3 * 0.5) == pytest.approx(0.0224, abs=1e-4)
    samples = nb["log_uniform"](1e-3, 0.5, size=20_000, rng=np.random.default_rng(0))
    assert np.median(samples) == pytest.approx(0.022, abs=0.001)


def test_5_the_coarse_round_maps_the_valley_and_the_fine_round_fills_it(nb):
    coarse, fine = nb["coarse"], nb["fine"]
    for params, score in coarse:
        if params["lr"] <= 1.5e-3:
            assert score > 1.5  # "around 1e-3 and below learn too little"
    good = [params["lr"] for params, score in coarse if score < 0.5]
    assert good and all(0.01 < lr < 0.1 for lr in good)  # "the good ones are a few hundredths"
    high = [score for params, score in coarse if params["lr"] > 0.15]
    assert high and all(score > 0.5 for score in high)  # "0.2 is already on the high side"
    assert sum(score < 0.5 for _, score in fine) == 7 and sum(score < 0.5 for _, score in coarse) == 2


def test_5_with_five_other_pairs_of_seeds(nb):
    search_box, box_around = nb["search_box"], nb["box_around"]
    more_good, finer_best, fine_good, coarse_good = 0, 0, [], []
    for k in range(5):
        coarse = search_box((1e-4, 1.0), (8, 128), 8, seed=10 + 2 * k)
        fine = search_box(*box_around(coarse), 8, seed=11 + 2 * k)
        fine_good.append(sum(score < 0.5 for _, score in fine))
        coarse_good.append(sum(score < 0.5 for _, score in coarse))
        more_good += fine_good[-1] > coarse_good[-1]
        finer_best += fine[0][1] < coarse[0][1]
    assert more_good == 5 and finer_best == 2
    assert (min(fine_good), max(fine_good)) == (2, 8) and (min(coarse_good), max(coarse_good)) == (1, 5)


def test_6_babysitting_and_parallel_models(nb):
    curves = nb["parallel_curves"]
    rates = sorted(curves)
    assert abs(curves[rates[-1]][-1] - math.log(10)) < 0.05  # the largest rate learned nothing
    bumps = np.diff(curves[rates[-2]])
    assert np.sum(bumps > 0) >= 3  # the next one bumps up and down
    for lr in rates[:2]:
        assert np.all(np.diff(curves[lr]) < 0) and curves[lr][-1] > 0.4  # still sliding down
    assert nb["babysat_curve"][-1] < 0.25 and min(curves[lr][-1] for lr in rates) < 0.25


def test_7_3_the_four_diagnoses(nb):
    rows = {name: (nb["error_rate"](model, X, y), nb["error_rate"](model, nb["X_dev"], nb["y_dev"]))
            for name, (model, X, y) in nb["networks"].items()}
    diagnose = nb["diagnose"]
    two, many, three, tuned = rows.values()
    assert diagnose(*two, 0.01) == "high bias" and two[0] > 0.3 and two[1] - two[0] < 0.05
    assert diagnose(*many, 0.01) == "high variance" and many[0] == 0.0 and 0.2 < many[1] < 0.3
    assert diagnose(*three, 0.01) == "high bias and high variance"
    assert diagnose(*tuned, 0.01) == "good fit" and -0.01 < tuned[0] - 0.01 < 0


def test_7_4_the_test_error_is_close_to_the_dev_error(nb):
    model = nb["tuned_model"]
    dev, test = nb["error_rate"](model, nb["X_dev"], nb["y_dev"]), nb["error_rate"](model, nb["X_test"], nb["y_test"])
    assert abs(test - dev) < 0.02 and test != dev


def test_7_questions(nb):
    assert round(math.sqrt(0.05 * 0.95 / 200), 3) == 0.015
    assert nb["diagnose"](0.08, 0.09, 0.075) == "good fit"


def test_8_the_dashboard_starts_with_nine_random_trials_on_a_log_scale():
    dashboard = TuningDashboard(_dashboard_score(), **SEARCH_FUNCTIONS)
    assert dashboard.status.value.startswith(
        "method=random, scale=log, n_trials=9, lr_low=0.0001, lr_high=1, hidden=(8, 128), seed=0")
    best, score = dashboard.results[0]
    assert round(best["lr"], 3) == 0.035 and best["hidden"] == 69 and round(score, 3) == 0.380


def test_8_item_1_random_beats_the_nine_trial_grid_but_not_the_lucky_sixteen_trial_one():
    grid, grid_score = _dashboard_best(method="grid", n_trials=9)
    assert grid == {"lr": pytest.approx(0.01), "hidden": 128} and round(grid_score, 3) == 0.509
    assert sum(_dashboard_best(n_trials=9, seed=s)[1] < grid_score for s in SEEDS) == 16
    lucky, lucky_score = _dashboard_best(method="grid", n_trials=16)
    assert round(lucky["lr"], 3) == 0.046 and round(lucky_score, 3) == 0.377
    assert sum(lucky_score < _dashboard_best(n_trials=16, seed=s)[1] for s in SEEDS) == 13


def test_8_item_2_a_linear_scale_wastes_the_trials_above_01():
    score = _dashboard_score()
    shares = [np.mean([p["lr"] > 0.1 for p, _ in search_trials(score, Search(scale="linear", seed=s), SEARCH_FUNCTIONS)])
              for s in SEEDS]
    assert round(float(np.mean(shares)), 2) == 0.86
    assert round(_dashboard_best(scale="linear")[1], 3) == 0.516
    assert sum(_dashboard_best(seed=s)[1] < _dashboard_best(scale="linear", seed=s)[1] for s in SEEDS) == 17


def test_8_item_3_the_best_of_nine_trials_moves_with_the_seed():
    bests = [_dashboard_best(seed=s) for s in SEEDS]
    scores = [score for _, score in bests]
    assert (round(min(scores), 2), round(max(scores), 2)) == (0.35, 0.58)
    lrs = [params["lr"] for params, _ in bests]
    assert (round(min(lrs), 3), round(max(lrs), 3)) == (0.008, 0.088)
    units = [params["hidden"] for params, _ in bests]
    assert (min(units), max(units)) == (27, 127)


def test_8_item_4_a_narrowed_range_does_better_with_the_same_budget():
    fine = [_dashboard_best(seed=s, lr_range=(0.01, 0.1))[1] for s in SEEDS]
    assert (round(min(fine), 2), round(max(fine), 2)) == (0.32, 0.41)
    assert sum(f < _dashboard_best(seed=s)[1] for f, s in zip(fine, SEEDS)) == 19


# --- section 6.3: successive halving against random search, and short-horizon bias -----------

def test_6_3_successive_halving_spends_108_epochs_and_beats_random_search_on_this_seed(nb):
    from fixtures.notebook_cells import assert_text_says

    rounds = nb["halving_rounds"]
    assert [(budget, len(results)) for budget, results in rounds] == [(1, 27), (3, 9), (9, 3), (27, 1)]
    assert sum(budget * len(results) for budget, results in rounds) == 108 == 12 * 9
    winner_loss, random_loss = rounds[-1][1][0][1], nb["random_best"][1]
    assert_text_says(CHAPTER, "605e0631", "With this seed (4) successive halving ends with the lower dev loss, 0.098 against 0.157")
    assert (round(winner_loss, 3), round(random_loss, 3)) == (0.098, 0.157)


def test_6_3_over_five_seeds_successive_halving_wins_four_times(nb):
    from fixtures.notebook_cells import assert_text_says

    assert_text_says(CHAPTER, "605e0631", "over the seeds 0 to 4 it did so in four of the five (and lost on the other by 0.008)")
    margins = []
    for seed in range(5):
        rounds, random_best = nb["halving_against_random"](seed)
        margins.append(random_best[1] - rounds[-1][1][0][1])
    assert sum(margin > 0 for margin in margins) == 4, margins
    assert round(-min(margins), 3) == 0.008, margins


def test_6_3_short_horizon_bias_in_the_figure(nb):
    from fixtures.notebook_cells import assert_text_says

    rounds = nb["halving_rounds"]
    first = [params for params, _ in rounds[0][1]]
    survivors = first[:9]
    assert_text_says(CHAPTER, "605e0631", "every setting with η below 0.005 (the darkest points) is dropped in the first round")
    assert all(params["lr"] >= 0.005 for params in survivors)
    assert any(params["lr"] < 0.005 for params in first)
    assert_text_says(CHAPTER, "605e0631", "the setting that led after one epoch, η = 0.066, is only third after 9 epochs")
    assert round(first[0]["lr"], 3) == 0.066
    assert rounds[2][1][2][0] is first[0]
    assert_text_says(CHAPTER, "605e0631", "the winner, η = 0.012, was fifth after the first epoch")
    winner = rounds[-1][1][0][0]
    assert round(winner["lr"], 3) == 0.012 and first.index(winner) == 4


# --- section 10: the capstone -------------------------------------------------------------------

def _capstone_accuracies(augmented: bool) -> list[float]:
    """Test accuracy of the notebook's reference capstone on seeds 0..9, with or without the shifts."""
    from fixtures.notebook_cells import run_cells

    replace = () if augmented else (
        ("shifts = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)]", "shifts = []"),
        ("np.tile(y_all, 9)", "np.tile(y_all, 1)"))
    cells = run_cells(CHAPTER, "ffe81c37", "1aebe55a", replace=replace)
    train, split = cells["train_digit_classifier"], (cells["X_train"], cells["y_train"], cells["X_dev"], cells["y_dev"])
    return [float(np.mean(train(*split, rng=np.random.default_rng(seed))(cells["X_test"]) == cells["y_test"]))
            for seed in range(10)]


def test_10_the_shifted_copies_raise_the_capstone_from_below_to_above_the_target():
    from fixtures.notebook_cells import assert_text_says

    assert_text_says(CHAPTER, "d7576bd8", "it raises the reference answer's test accuracy from 96.9% on average (the lowest 96.1%, below the target) to 97.8% (the lowest 97.5%)")
    plain, shifted = _capstone_accuracies(augmented=False), _capstone_accuracies(augmented=True)
    assert (round(100 * np.mean(plain), 1), round(100 * min(plain), 1)) == (96.9, 96.1), plain
    assert (round(100 * np.mean(shifted), 1), round(100 * min(shifted), 1)) == (97.8, 97.5), shifted
