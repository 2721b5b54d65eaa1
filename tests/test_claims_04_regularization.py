"""What chapter 4's text says about its figures, numbers and explorer, computed.

Each test names the section whose sentence it checks. The values come from the solved notebook
run in this process (``fixtures.notebook_cells.namespace``) and from the regularization explorer's own training
function at the settings the text names; comparisons are repeated on ten other draws of the 40
training points, and the text states the counts these tests assert.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

import nnlib
from fixtures.notebook_cells import namespace
from nnlib.datasets import make_moons
from nnlib.widgets.regularization_explorer import RegularizationExplorer, train_regularized

CHAPTER = "04_regularization"
FUNCTIONS = {name: getattr(nnlib, name) for name in ("l2_grad", "l1_grad", "dropout_forward", "dropout_backward")}


@pytest.fixture(scope="module")
def nb():
    return namespace(CHAPTER)


def _accuracy(model, X, y) -> float:
    return namespace(CHAPTER)["accuracy"](model, X, y)  # the chapter's own accuracy


def _explore(nb, X=None, y=None, **settings):
    """(train acc, dev acc, history) of the explorer's training at ``settings`` (default data: the chapter's)."""
    X = nb["X_train"] if X is None else X
    y = nb["y_train"] if y is None else y
    model, history = train_regularized(X, y, nb["X_dev"], nb["y_dev"], functions=FUNCTIONS, **settings)
    return _accuracy(model, X, y), _accuracy(model, nb["X_dev"], nb["y_dev"]), history


@lru_cache(maxsize=None)
def _other_draws() -> list[dict[str, tuple[float, float]]]:
    """On ten other draws of 40 training points: setting -> (final dev loss, dev accuracy)."""
    nb = namespace(CHAPTER)
    settings = {"linear": {"hidden": ()}, "small": {"hidden": (8,)}, "big": {},
                "L2, λ = 1": {"penalty": "L2", "lam": 1.0}, "dropout 0.3": {"p": 0.3}}
    draws = []
    for seed in range(200, 210):
        X, y = make_moons(40, noise=0.4, rng=np.random.default_rng(seed))
        row = {}
        for name, kwargs in settings.items():
            _, dev_accuracy, history = _explore(nb, X, y, **kwargs)
            row[name] = (history["val_loss"][-1], dev_accuracy)
        draws.append(row)
    return draws


def _count(better) -> int:
    return sum(bool(better(row)) for row in _other_draws())


def test_1_3_the_big_network_has_1218_parameters(nb):
    assert nb["baseline"].n_params() == 1218


def test_1_3_three_behaviours_big_fits_everything_small_is_best_on_dev(nb):
    models, X, y, Xd, yd = nb["models"], nb["X_train"], nb["y_train"], nb["X_dev"], nb["y_dev"]
    linear, small, big = (models[name] for name in models)
    assert _accuracy(big, X, y) == 1.0
    dev = [_accuracy(model, Xd, yd) for model in (linear, small, big)]
    assert dev[2] == min(dev) and dev[1] == max(dev)
    assert 1 - dev[2] > 0.2  # section 1.4: "a dev error above 20 %"


def test_1_3_over_ten_other_draws_the_big_network_is_worst_and_small_beats_linear_in_seven():
    assert _count(lambda r: r["big"][0] > max(r["small"][0], r["linear"][0])) == 10
    assert _count(lambda r: r["big"][1] < min(r["small"][1], r["linear"][1])) == 7
    assert _count(lambda r: r["small"][1] > r["linear"][1]) == 7


def test_1_5_losses_fall_together_then_the_dev_loss_climbs_above_1_5(nb):
    loss, dev = np.array(nb["baseline_history"]["loss"]), np.array(nb["baseline_history"]["val_loss"])
    assert np.all(np.abs(loss[:20] - dev[:20]) < 0.2)  # together for about twenty epochs
    assert int(np.argmin(dev)) + 1 == 18 and 0.4 < dev.min() < 0.45 and dev[-1] > 1.5
    assert loss[-1] < 0.1
    error = nb["baseline_history"]["val_error"]
    assert error[int(np.argmin(dev))] == pytest.approx(0.22) and error[-1] == pytest.approx(0.23)


def test_1_5_the_over_fitted_network_is_wrong_with_great_confidence(nb):
    probabilities = nnlib.softmax(nb["baseline"].predict(nb["X_dev"]))
    wrong = probabilities.argmax(axis=1) != nb["y_dev"]
    assert np.median(probabilities.max(axis=1)[wrong]) > 0.95


def test_1_questions_4000_points_fit_the_pattern_not_the_noise(nb):
    X, y = make_moons(4000, noise=0.4, rng=np.random.default_rng(3))
    train_accuracy, dev_accuracy, history = _explore(nb, X, y)
    assert abs(train_accuracy - 0.87) < 0.01 and abs(dev_accuracy - 0.87) < 0.01
    assert history["val_loss"][-1] - min(history["val_loss"]) < 1e-3


def test_2_3_lambda_one_is_best_and_three_under_fits(nb):
    models, histories, X, y, Xd, yd = (nb[k] for k in ("l2_models", "l2_histories", "X_train", "y_train", "X_dev", "y_dev"))
    dev = {lam: _accuracy(model, Xd, yd) for lam, model in models.items()}
    assert max(dev, key=dev.get) == 1.0
    assert histories[3.0]["loss"][-1] > histories[1.0]["loss"][-1]
    assert histories[3.0]["val_loss"][-1] > histories[1.0]["val_loss"][-1]
    assert _accuracy(models[3.0], X, y) == _accuracy(nb["models"]["linear (no hidden layer)"], X, y) == 0.75
    assert histories[0.3]["val_loss"][-1] < 0.5 * histories[0.0]["val_loss"][-1]


def test_2_3_over_ten_other_draws_lambda_one_beats_no_penalty():
    assert _count(lambda r: r["L2, λ = 1"][0] < r["big"][0]) == 10
    assert _count(lambda r: r["L2, λ = 1"][1] > r["big"][1]) == 9


def test_2_questions_the_decay_factor_compounds_to_about_half():
    assert 1 - 0.1 * 1 / 40 == pytest.approx(0.9975)
    assert round(0.9975 ** 300, 2) == 0.47


def test_3_2_l2_makes_every_weight_small_l1_keeps_about_130(nb):
    middle = nb["middle_weights"]
    none, l2, l1 = (np.abs(middle(model)) for model in (nb["baseline"], nb["l2_models"][1.0], nb["l1_model"]))
    assert none.max() > 2 and round(l2.max(), 1) == 0.5 and l1.max() > 1.5
    assert 120 <= np.sum(l1 > 0.01) <= 140
    small = l1[l1 < 0.01]
    assert 1e-4 < np.median(small) < 2e-3  # "a band of about 1e-3"
    assert l2.min() < 1e-3 * l1.min()  # some L2 weights much closer to zero than L1's


def test_4_3_inverted_dropout_keeps_the_mean_over_many_draws(nb):
    a = nb["a"]
    outs = [nb["dropout_forward"](a, 0.5, rng=np.random.default_rng(seed))[0].mean() for seed in range(2000)]
    assert np.mean(outs) == pytest.approx(a.mean(), rel=0.01)


def test_4_4_dropout_stops_the_climb_and_nearly_matches_l2(nb):
    history = nb["dropout_history"]
    assert history["val_loss"][-1] < min(history["val_loss"]) + 0.05
    assert round(_accuracy(nb["dropout_model"], nb["X_dev"], nb["y_dev"]), 2) == 0.83
    assert round(_accuracy(nb["l2_models"][1.0], nb["X_dev"], nb["y_dev"]), 2) == 0.86
    # The loss the optimizer sees (training mode, random masks) is higher than the test-mode loss.
    model, X, y = nb["dropout_model"], nb["X_train"], nb["y_train"]
    seen = np.mean([nnlib.softmax_cross_entropy(model.forward(X, training=True), y) for _ in range(20)])
    assert seen > history["loss"][-1]


def test_4_4_over_ten_other_draws_l2_has_the_lower_dev_loss_but_not_the_higher_accuracy():
    assert _count(lambda r: r["L2, λ = 1"][0] < r["dropout 0.3"][0]) == 10
    assert _count(lambda r: r["L2, λ = 1"][1] > r["dropout 0.3"][1]) == 4


def test_4_5_test_mode_sits_inside_the_spread_near_but_not_at_the_mean(nb):
    p_train, p_test = nb["p_train"], nb["p_test"]
    assert np.percentile(p_train, 10) < p_test < np.percentile(p_train, 90)
    assert 0.02 < abs(p_test - p_train.mean()) < 0.15


def test_5_1_from_epoch_100_the_dev_loss_climbs_steadily(nb):
    dev = np.array(nb["baseline_history"]["val_loss"])
    assert dev[-1] - dev[100] > 0.9
    assert np.diff(dev[100:]).min() > -0.01


def test_5_2_the_lowest_dev_loss_comes_while_the_boundary_is_almost_straight(nb):
    early = nb["make_network"]()
    nb["train"](early, epochs=18)
    plane = np.random.default_rng(0).uniform([-1.8, -1.5], [2.8, 1.5], size=(5000, 2))
    linear = nb["models"]["linear (no hidden layer)"]
    agreement = np.mean(early.predict(plane).argmax(axis=1) == linear.predict(plane).argmax(axis=1))
    assert agreement > 0.9


def test_5_2_the_three_patiences(nb):
    errors, stop = nb["baseline_history"]["val_error"], nb["early_stopping_epoch"]
    assert stop(errors, 5) == 0
    assert 0 < stop(errors, 20) < 20
    kept = stop(errors, 100)
    assert errors[kept] == min(errors) and kept + 100 < len(errors)


def test_5_2_early_stopping_keeps_smaller_weights(nb):
    def squares(model):
        return sum(float(np.sum(W ** 2)) for W in model.weights().values())

    assert squares(nb["early_model"]) < 0.5 * squares(nb["baseline"])
    assert _accuracy(nb["early_model"], nb["X_dev"], nb["y_dev"]) > _accuracy(nb["baseline"], nb["X_dev"], nb["y_dev"])


def test_6_the_explorer_trains_the_chapters_network(nb):
    explorer = RegularizationExplorer(nb["X_train"], nb["y_train"], nb["X_dev"], nb["y_dev"], **FUNCTIONS)
    explorer.set(penalty="none", lam=0.1, p=0.0, epochs=300)
    np.testing.assert_allclose(explorer.history["val_loss"], nb["baseline_history"]["val_loss"], rtol=1e-9)
    assert RegularizationExplorer.__init__.__kwdefaults__["penalty"] == "L2"
    assert RegularizationExplorer.__init__.__kwdefaults__["lam"] == 0.1


@pytest.mark.parametrize("lam", [0.001, 0.003, 0.01, 0.03])
def test_6_small_l2_still_fits_every_point(nb, lam):
    train_accuracy, _, history = _explore(nb, penalty="L2", lam=lam)
    assert train_accuracy == 1.0 and history["val_loss"][-1] > 1.4


def test_6_l2_is_lowest_at_lambda_one(nb):
    finals = {lam: _explore(nb, penalty="L2", lam=lam)[2]["val_loss"][-1] for lam in [0.001, 0.01, 0.1, 0.3, 1.0, 3.0, 10.0]}
    assert min(finals, key=finals.get) == 1.0
    assert round(finals[0.1], 2) == 0.93 and round(finals[0.3], 2) == 0.55 and round(finals[1.0], 2) == 0.41
    for lam in (3.0, 10.0):
        assert _explore(nb, penalty="L2", lam=lam)[0] == 0.75


def test_6_l1_under_fits_ten_times_sooner(nb):
    assert _explore(nb, penalty="L1", lam=0.3)[0] == 0.725
    for lam in (3.0, 10.0):
        train_accuracy, dev_accuracy, history = _explore(nb, penalty="L1", lam=lam)
        assert train_accuracy == dev_accuracy == 0.5
        assert history["loss"][-1] == pytest.approx(np.log(2), abs=1e-3)


def test_6_dropout_alone_and_with_a_small_l2(nb):
    finals = {p: _explore(nb, p=p) for p in (0.1, 0.3, 0.5, 0.8)}
    assert round(finals[0.1][2]["val_loss"][-1], 2) == 0.66
    assert all(abs(finals[p][2]["val_loss"][-1] - 0.45) < 0.01 for p in (0.3, 0.5))
    assert finals[0.8][0] == 0.725
    with_l2 = [_explore(nb, p=0.3, penalty="L2", lam=lam)[2]["val_loss"][-1] for lam in (0.01, 0.1, 0.3)]
    assert all(0.435 <= loss <= 0.455 for loss in with_l2)
    l2_alone = _explore(nb, penalty="L2", lam=1.0)[2]["val_loss"][-1]
    assert l2_alone < min(with_l2 + [finals[0.3][2]["val_loss"][-1]])


def test_6_training_longer_hurts_without_a_penalty_only(nb):
    none = [_explore(nb, epochs=epochs)[2]["val_loss"][-1] for epochs in (300, 600, 1000)]
    l2 = [_explore(nb, epochs=epochs, penalty="L2", lam=1.0)[2]["val_loss"][-1] for epochs in (300, 600, 1000)]
    assert [round(v, 1) for v in none] == [1.5, 2.8, 4.0]
    assert all(round(v, 2) == 0.41 for v in l2)


# --- section 2.5: L2 under Adam against AdamW ------------------------------------------------

@lru_cache(maxsize=None)
def _decay_runs(seed: int) -> dict[str, np.ndarray]:
    """Mean |w| of each group after every step (rows: steps; columns: large, small gradients)."""
    from fixtures.notebook_cells import run_cells

    experiment = run_cells(CHAPTER, "7064d1c5")["decay_experiment"]
    return {rule: experiment(rule, seed=seed) for rule in ("L2 under Adam", "AdamW")}


def test_section_2_5_l2_under_adam_parts_the_two_groups():
    from fixtures.notebook_cells import assert_text_says

    l2 = _decay_runs(0)["L2 under Adam"]
    assert_text_says(CHAPTER, "31d3c713", "The weights with small gradients are gone within about 200 steps")
    assert l2[199, 1] < 0.05, l2[199, 1]
    assert_text_says(CHAPTER, "31d3c713", "they end still above 0.75")
    assert l2[-1, 0] > 0.75, l2[-1, 0]


def test_section_2_5_adamw_follows_the_pure_decay_in_both_groups():
    from fixtures.notebook_cells import assert_text_says

    adamw = _decay_runs(0)["AdamW"]
    pure = (1 - 0.01 * 0.1) ** np.arange(1, 2001)
    assert_text_says(CHAPTER, "31d3c713", "both groups follow the dotted curve of pure decay, and end near 0.2 together")
    assert np.all(np.abs(adamw[-1] - 0.2) < 0.05), adamw[-1]
    assert_text_says(CHAPTER, "31d3c713", "The curves sit a little above the dotted one")
    assert np.all(adamw[-1] > pure[-1]) and np.all(adamw[-1] - pure[-1] < 0.1), (adamw[-1], pure[-1])
    # "follow": within 0.15 of the pure decay at every step (L2 under Adam's small group is 0.7 off)
    assert np.max(np.abs(adamw - pure[:, None])) < 0.15, np.max(np.abs(adamw - pure[:, None]))


def test_section_2_5_ten_other_seeds_tell_the_same_story():
    from fixtures.notebook_cells import assert_text_says

    assert_text_says(CHAPTER, "31d3c713", "The ten other seeds tell the same story")
    parted = together = 0
    for seed in range(1, 11):
        runs = _decay_runs(seed)
        l2, adamw = runs["L2 under Adam"][-1], runs["AdamW"][-1]
        parted += bool(l2[0] > 2 / 3 and l2[1] < 0.05)
        together += bool(abs(adamw[0] - adamw[1]) < 0.1 and max(adamw) < 0.3)
    assert_text_says(CHAPTER, "31d3c713", "kept more than two thirds of their size and those with small gradients less than 0.05 in all ten")
    assert parted == 10, parted
    assert_text_says(CHAPTER, "31d3c713", "ended within 0.1 of each other, and below 0.3, in all ten")
    assert together == 10, together
