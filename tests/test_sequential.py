"""Tests of nnlib.sequential: a whole network's gradients against central differences,
flat parameter/gradient dicts (unique keys, live arrays), predict in inference mode."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import BatchNorm, Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from nnlib.losses import softmax_cross_entropy, softmax_cross_entropy_backward
from nnlib.sequential import Sequential


def _net(rng: np.random.Generator, dtype=np.float64) -> Sequential:
    return Sequential(
        Dense(4, 6, rng=rng, dtype=dtype),
        BatchNorm(6, dtype=dtype),
        ReLU(),
        Dropout(0.3, rng=rng),
        Dense(6, 5, init="xavier", rng=rng, dtype=dtype),
        Tanh(),
        Dense(5, 3, init="xavier", rng=rng, dtype=dtype),
    )


def test_whole_network_gradients_match_central_differences(rng):
    model = _net(rng)
    bn, dropout = model[1], model[3]
    bn.params["gamma"][:] = rng.uniform(0.5, 1.5, size=6)
    bn.params["beta"][:] = rng.normal(0, 0.5, size=6)
    x = rng.normal(size=(8, 4))
    y = rng.integers(0, 3, size=8)

    def loss() -> float:
        dropout.rng = np.random.default_rng(99)  # the same mask at every forward
        return softmax_cross_entropy(model.forward(x, training=True), y)

    dropout.rng = np.random.default_rng(99)
    logits = model.forward(x, training=True)
    assert 0 < np.mean(dropout._cache["mask"] == 0) < 1  # dropout really drops some units
    dx = model.backward(softmax_cross_entropy_backward(logits, y))
    analytic = {"x": dx, **{key: grad.copy() for key, grad in model.gradients().items()}}
    targets = {"x": x, **model.parameters()}
    assert set(targets) == {"x", "0.W", "0.b", "1.gamma", "1.beta", "4.W", "4.b", "6.W", "6.b"}
    for key, target in targets.items():
        numeric = numerical_gradient(loss, target)
        if key == "0.b":
            # batch norm subtracts the batch mean, so the bias in front of it has no effect at
            # all: its true gradient is 0 and the relative error of two ~0 arrays is noise
            assert np.abs(analytic[key]).max() < 1e-12 and np.abs(numeric).max() < 1e-8
            continue
        error = relative_error(analytic[key], numeric)
        assert error < 1e-7, f"{key}: relative error {error:.2e}"


def test_whole_network_gradients_with_a_random_upstream_gradient(rng):
    model = Sequential(Dense(3, 5, rng=rng), LeakyReLU(0.2), Dense(5, 4, rng=rng), Sigmoid(), Dense(4, 2, rng=rng))
    x = rng.normal(size=(6, 3))
    dout = rng.normal(size=(6, 2))

    def f() -> float:
        return float(np.sum(dout * model.forward(x)))

    model.forward(x)
    dx = model.backward(dout)
    analytic = {"x": dx, **{key: grad.copy() for key, grad in model.gradients().items()}}
    for key, target in {"x": x, **model.parameters()}.items():
        assert relative_error(analytic[key], numerical_gradient(f, target)) < 1e-7, key


FIRST_LAYERS = {  # Dense skips dx when input_grad is False; the other layers compute it anyway
    "Dense": lambda rng: Sequential(Dense(3, 4, rng=rng), ReLU(), Dense(4, 2, rng=rng)),
    "BatchNorm": lambda rng: Sequential(BatchNorm(3), Tanh(), Dense(3, 2, rng=rng)),
}


@pytest.mark.parametrize("first", FIRST_LAYERS)
def test_backward_without_input_grad_returns_none_and_the_same_gradients(first, rng):
    model = FIRST_LAYERS[first](rng)
    x, dout = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    model.forward(x)
    model.backward(dout)
    full = {key: grad.copy() for key, grad in model.gradients().items()}
    model.forward(x)
    assert model.backward(dout, input_grad=False) is None
    for key, grad in model.gradients().items():
        np.testing.assert_array_equal(grad, full[key])


def test_weights_are_the_live_weight_matrices_of_the_dense_layers(rng):
    model = _net(rng)
    weights = model.weights()
    assert list(weights) == ["0.W", "4.W", "6.W"]
    for key, W in weights.items():
        assert W is model.parameters()[key]


def test_keys_are_unique_and_the_same_in_parameters_and_gradients(rng):
    model = _net(rng)
    params, grads = model.parameters(), model.gradients()
    assert list(params) == list(grads) == ["0.W", "0.b", "1.gamma", "1.beta", "4.W", "4.b", "6.W", "6.b"]
    for key in params:
        assert params[key].shape == grads[key].shape and params[key].dtype == grads[key].dtype


def test_parameters_are_the_live_arrays_of_the_layers(rng):
    model = _net(rng)
    x = rng.normal(size=(5, 4))
    before = model.predict(x)
    params = model.parameters()
    assert params["0.W"] is model[0].params["W"]
    assert model.gradients()["6.b"] is model[6].grads["b"]
    params["6.b"] += 1.0  # an in-place change of the dict's array changes the model
    np.testing.assert_allclose(model.predict(x), before + 1.0, rtol=1e-12)


def test_gradients_hold_the_latest_backward(rng):
    model = Sequential(Dense(3, 2, rng=rng))
    grads = model.gradients()  # taken once, before any backward
    x = rng.normal(size=(4, 3))
    model.forward(x)
    dout = rng.normal(size=(4, 2))
    model.backward(dout)
    np.testing.assert_allclose(grads["0.W"], x.T @ dout, rtol=1e-12)


def test_predict_is_inference_mode(rng):
    model = _net(rng)
    bn = model[1]
    x = rng.normal(size=(16, 4))
    model.forward(x, training=True)  # move the running statistics away from 0 and 1
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    first = model.predict(x)
    np.testing.assert_array_equal(model.predict(x), first)  # no dropout noise
    np.testing.assert_array_equal(bn.running_mean, mean)  # statistics untouched
    np.testing.assert_array_equal(bn.running_var, var)
    # one example alone gets the same output as inside the batch: running statistics are used
    np.testing.assert_allclose(model.predict(x[:1]), first[:1], rtol=1e-12)


def test_float32_network_stays_float32(rng):
    model = _net(rng, dtype=np.float32)
    x = rng.normal(size=(8, 4))  # float64 input is converted by the first layer
    out = model.forward(x)
    model.backward(np.ones_like(out))
    assert out.dtype == np.float32 and model.predict(x).dtype == np.float32
    for array in [*model.parameters().values(), *model.gradients().values()]:
        assert array.dtype == np.float32


def test_repr_lists_the_layers(rng):
    text = repr(Sequential(Dense(2, 3, rng=rng), ReLU(), Dense(3, 1, rng=rng), Sigmoid()))
    assert "13 parameters" in text
    assert "(0) Dense(2 -> 3" in text and "(3) Sigmoid()" in text


def test_a_list_of_layers_works_too(rng):
    model = Sequential([Dense(2, 3, rng=rng), ReLU()])
    assert len(model) == 2 and isinstance(model[1], ReLU)


def test_non_layers_are_rejected():
    with pytest.raises(TypeError, match="layer 1"):
        Sequential(ReLU(), np.tanh)
