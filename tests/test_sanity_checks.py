"""Tests of nnlib.sanity_checks: the initial loss, over-fitting a few examples, the gradient check."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.losses import softmax_cross_entropy
from nnlib.mlp import mlp_forward
from nnlib.sanity_checks import gradient_check, initial_loss_check, overfit_small_set


def _params(sizes, rng, output_scale=1.0):
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        scale = output_scale if layer == len(sizes) - 1 else 1.0
        params[f"W{layer}"] = rng.normal(scale=scale / np.sqrt(n_in), size=(n_in, n_out))
        params[f"b{layer}"] = rng.normal(scale=0.1, size=n_out)
    return params


def _descent(lr):
    return lambda params, grads: {name: params[name] - lr * grads[name] for name in params}


def test_a_network_with_a_zero_output_layer_starts_at_exactly_log_k(rng):
    params = _params([4, 6, 5], rng)
    params["W2"][:], params["b2"][:] = 0.0, 0.0
    loss, log_k = initial_loss_check(params, rng.normal(size=(9, 4)), np.zeros(9, dtype=int))
    assert log_k == pytest.approx(np.log(5)) and loss == pytest.approx(np.log(5), rel=1e-12)


def test_large_output_weights_start_far_above_log_k(rng):
    X, y = rng.normal(size=(200, 4)), rng.integers(0, 3, size=200)
    small, _ = initial_loss_check(_params([4, 8, 3], rng, output_scale=0.01), X, y)
    large, log_k = initial_loss_check(_params([4, 8, 3], rng, output_scale=30.0), X, y)
    assert abs(small - log_k) < 0.01 and large > 3 * log_k


def test_initial_loss_is_the_mean_cross_entropy(rng):
    params = _params([3, 5, 4], rng)
    X, y = rng.normal(size=(7, 3)), rng.integers(0, 4, size=7)
    loss, _ = initial_loss_check(params, X, y)
    assert isinstance(loss, float) and loss == pytest.approx(softmax_cross_entropy(mlp_forward(params, X)[0], y))


def test_a_network_memorises_twenty_random_labels(rng):
    X, y = rng.normal(size=(20, 5)), rng.integers(0, 4, size=20)
    trained, accuracy = overfit_small_set(_params([5, 64, 4], rng), _descent(0.5), X, y, 300)
    assert accuracy == 1.0
    assert softmax_cross_entropy(mlp_forward(trained, X)[0], y) < 0.1


def test_overfit_takes_one_full_batch_step_per_epoch_and_zero_epochs_changes_nothing(rng):
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, size=10)
    params = _params([3, 4, 2], rng)
    batch_sizes = []

    def recording(params, grads):
        batch_sizes.append(len(grads))
        return _descent(0.1)(params, grads)

    overfit_small_set(params, recording, X, y, 7)
    assert len(batch_sizes) == 7
    same, accuracy = overfit_small_set(params, recording, X, y, 0)
    assert same is params
    assert accuracy == pytest.approx(np.mean(mlp_forward(params, X)[0].argmax(axis=1) == y))


@pytest.mark.parametrize("sizes", [[3, 2], [4, 6, 3], [3, 5, 4, 4, 2]])
def test_gradient_check_passes_the_reference_network_and_restores_params(sizes, rng):
    params = _params(sizes, rng)
    before = {name: value.copy() for name, value in params.items()}
    errors = gradient_check(params, rng.normal(size=(6, sizes[0])), rng.integers(0, sizes[-1], size=6))
    assert set(errors) == set(params) and max(errors.values()) < 1e-7
    assert all(np.array_equal(params[name], before[name]) for name in params)


def test_gradient_check_errors_grow_with_a_coarse_step(rng):
    params = _params([3, 5, 3], rng)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 3, size=6)
    fine, coarse = gradient_check(params, X, y), gradient_check(params, X, y, eps=0.5)
    assert max(coarse.values()) > 1e3 * max(fine.values())
