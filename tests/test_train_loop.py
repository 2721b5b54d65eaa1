"""Tests of nnlib.train_loop: the mini-batch training loop of an L-layer network."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nnlib.batching import minibatches
from nnlib.losses import softmax_cross_entropy
from nnlib.mlp import mlp_forward
from nnlib.train_loop import train_loop
from nnlib.updates import sgd_update


def _params(sizes, rng):
    return {key: value for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1)
            for key, value in ((f"W{layer}", rng.normal(scale=0.5, size=(n_in, n_out))), (f"b{layer}", np.zeros(n_out)))}


def _sgd(lr):
    return lambda params, grads: {name: sgd_update(w, grads[name], lr) for name, w in params.items()}


@pytest.fixture
def problem(rng):
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 3, size=40)
    X_val, y_val = rng.normal(size=(15, 3)), rng.integers(0, 3, size=15)
    return _params([3, 8, 3], rng), X, y, X_val, y_val


def test_history_has_one_loss_per_epoch_measured_after_it(problem):
    params, X, y, X_val, y_val = problem
    trained, history = train_loop(params, _sgd(0.1), X, y, X_val, y_val, 4, 16, np.random.default_rng(0))
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == len(history["val_loss"]) == 4
    assert history["loss"][-1] == pytest.approx(softmax_cross_entropy(mlp_forward(trained, X)[0], y), rel=1e-12)
    assert history["val_loss"][-1] == pytest.approx(softmax_cross_entropy(mlp_forward(trained, X_val)[0], y_val), rel=1e-12)
    assert all(isinstance(value, float) for value in history["loss"] + history["val_loss"])


def test_the_same_seed_gives_the_same_run_and_another_seed_another(problem):
    params, X, y, X_val, y_val = problem
    run = lambda seed: train_loop(params, _sgd(0.1), X, y, X_val, y_val, 3, 8, np.random.default_rng(seed))[1]
    assert run(5) == run(5)
    assert run(5)["loss"] != run(6)["loss"]


def test_each_epoch_draws_new_batches_from_the_one_generator(problem, monkeypatch):
    params, X, y, X_val, y_val = problem
    drawn = []

    def recording(X, y, batch_size, rng=None, shuffle=True):
        batches = minibatches(X, y, batch_size, rng=rng, shuffle=shuffle)
        drawn.append((rng, [tuple(yb) for _, yb in batches]))
        return batches

    # (``nnlib.train_loop`` is the function, re-exported over its module's name)
    monkeypatch.setattr(sys.modules["nnlib.train_loop"], "minibatches", recording)
    generator = np.random.default_rng(1)
    train_loop(params, _sgd(0.1), X, y, X_val, y_val, 3, 8, generator)
    assert len(drawn) == 3 and all(rng is generator for rng, _ in drawn)
    assert drawn[0][1] != drawn[1][1] != drawn[2][1]


def test_the_loop_takes_one_update_per_batch_and_leaves_the_params_alone(problem):
    params, X, y, X_val, y_val = problem
    before = {name: value.copy() for name, value in params.items()}
    steps = []

    def counting(params, grads):
        steps.append(set(grads))
        return _sgd(0.1)(params, grads)

    train_loop(params, counting, X, y, X_val, y_val, 2, 16, np.random.default_rng(0))
    assert len(steps) == 2 * 3  # 40 examples in batches of 16: 16, 16, 8
    assert all(keys == set(params) for keys in steps)
    assert all(np.array_equal(params[name], before[name]) for name in params)


def test_training_fits_a_separable_problem(rng):
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    params = _params([2, 8, 2], rng)
    trained, history = train_loop(params, _sgd(0.5), X, y, X, y, 30, 10, np.random.default_rng(0))
    assert history["loss"][-1] < 0.3 * history["loss"][0]
    assert np.mean(mlp_forward(trained, X)[0].argmax(axis=1) == y) >= 0.95
