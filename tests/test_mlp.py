"""Tests of nnlib.mlp: the L-layer network's forward and backward passes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward
from nnlib.mlp import mlp_backward, mlp_depth, mlp_forward


def _params(sizes: list[int], rng: np.random.Generator, dtype=np.float64) -> dict[str, np.ndarray]:
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(n_in, n_out)).astype(dtype)
        params[f"b{layer}"] = rng.normal(scale=0.1, size=n_out).astype(dtype)
    return params


@pytest.mark.parametrize("sizes", [[3, 2], [4, 6, 3], [4, 6, 5, 4, 3], [2, 1, 1, 2]])
def test_every_parameter_passes_a_gradient_check(sizes, rng):
    params = _params(sizes, rng)
    x = rng.normal(size=(7, sizes[0]))
    y = rng.integers(0, sizes[-1], size=7)
    logits, caches = mlp_forward(params, x)
    grads = mlp_backward(softmax_cross_entropy_backward(logits, y), caches)
    loss = lambda: softmax_cross_entropy(mlp_forward(params, x)[0], y)
    assert set(grads) == set(params)
    for name, value in params.items():
        assert grads[name].shape == value.shape
        assert relative_error(grads[name], numerical_gradient(loss, value)) < 1e-7, name


def test_backward_matches_a_random_upstream_gradient_numerically(rng):
    # L = sum(g * logits) for a random g, so dlogits = g: no loss in the way.
    params = _params([3, 5, 4, 2], rng)
    x = rng.normal(size=(6, 3))
    g = rng.normal(size=(6, 2))
    _, caches = mlp_forward(params, x)
    grads = mlp_backward(g, caches)
    f = lambda: float(np.sum(g * mlp_forward(params, x)[0]))
    for name, value in params.items():
        assert relative_error(grads[name], numerical_gradient(f, value)) < 1e-8, name


def test_a_one_layer_network_is_a_dense_layer_without_activation(rng):
    params = _params([4, 3], rng)
    x = rng.normal(size=(5, 4))
    logits, caches = mlp_forward(params, x)
    np.testing.assert_allclose(logits, x @ params["W1"] + params["b1"])
    assert len(caches) == 1 and caches[0][1] is logits


def test_the_logits_keep_their_negative_values(rng):
    params = _params([2, 8, 3], rng)
    logits, _ = mlp_forward(params, rng.normal(size=(50, 2)))
    assert (logits < 0).any(), "no ReLU after the last layer"


def test_caches_hold_each_layers_input_weights_and_pre_activation(rng):
    params = _params([3, 4, 2], rng)
    x = rng.normal(size=(5, 3))
    logits, caches = mlp_forward(params, x)
    (x1, W1), z1 = caches[0]
    (a1, W2), z2 = caches[1]
    assert x1 is x and W1 is params["W1"] and W2 is params["W2"]
    np.testing.assert_allclose(z1, x @ params["W1"] + params["b1"])
    np.testing.assert_allclose(a1, np.maximum(z1, 0))
    assert z2 is logits


def test_float32_stays_float32(rng):
    params = _params([3, 4, 2], rng, dtype=np.float32)
    x = rng.normal(size=(5, 3)).astype(np.float32)
    logits, caches = mlp_forward(params, x)
    grads = mlp_backward(np.ones_like(logits), caches)
    assert logits.dtype == np.float32
    assert all(grad.dtype == np.float32 for grad in grads.values())


def test_nothing_is_modified(rng):
    params = _params([3, 4, 2], rng)
    x = rng.normal(size=(5, 3))
    before = {name: value.copy() for name, value in params.items()}, x.copy()
    logits, caches = mlp_forward(params, x)
    dlogits = rng.normal(size=logits.shape)
    dlogits_before = dlogits.copy()
    mlp_backward(dlogits, caches)
    assert all(np.array_equal(params[name], before[0][name]) for name in params)
    assert np.array_equal(x, before[1]) and np.array_equal(dlogits, dlogits_before)


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        (["W1", "b1", "W2"], "missing ['b2']"),
        (["W1", "b1", "W3", "b3"], "missing ['W2', 'b2']"),
        (["W1", "b1", "gamma1"], "unexpected ['gamma1']"),
        ([], "missing nothing"),
    ],
)
def test_depth_names_what_is_wrong_with_the_keys(keys, named):
    with pytest.raises(ValueError, match="W1, b1, ..., WL, bL") as error:
        mlp_depth({key: np.zeros(1) for key in keys})
    assert named in str(error.value)


def test_forward_rejects_a_params_dict_with_a_gap(rng):
    params = _params([3, 4, 2], rng)
    del params["b2"]
    with pytest.raises(ValueError, match=r"missing \['b2'\]"):
        mlp_forward(params, rng.normal(size=(2, 3)))


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    m=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradients_of_a_linear_probe_match_the_chain_rule_for_any_shape(sizes, m, seed):
    """For any layer sizes and batch size, the backward pass agrees with an independent one
    written with explicit masks (the chain rule, top layer first)."""
    rng = np.random.default_rng(seed)
    params = _params(sizes, rng)
    x = rng.normal(size=(m, sizes[0]))
    logits, caches = mlp_forward(params, x)
    assert logits.shape == (m, sizes[-1]) and len(caches) == len(sizes) - 1
    g = rng.normal(size=logits.shape)
    grads = mlp_backward(g, caches)
    activations, zs, a = [x], [], x
    for layer in range(1, len(sizes)):
        zs.append(a @ params[f"W{layer}"] + params[f"b{layer}"])
        a = np.maximum(zs[-1], 0.0)
        activations.append(a)
    dz = g
    for layer in range(len(sizes) - 1, 0, -1):
        np.testing.assert_allclose(grads[f"W{layer}"], activations[layer - 1].T @ dz, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grads[f"b{layer}"], dz.sum(axis=0), rtol=1e-10, atol=1e-12)
        dz = (dz @ params[f"W{layer}"].T) * (zs[layer - 2] > 0) if layer > 1 else None
