"""Tests of nnlib.layers: each layer's forward, its gradients (central differences), the
live params/grads arrays, dtypes, inference mode, layers built on given functions, and bad
arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnlib.activations import leaky_relu, leaky_relu_backward, relu, relu_backward
from nnlib.batchnorm import batchnorm_backward, batchnorm_forward
from nnlib.dropout import dropout_backward, dropout_forward
from nnlib.gradcheck import numerical_gradient, relative_error
from nnlib.layers import Activation, BatchNorm, Dense, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh

ACTIVATIONS = [ReLU, lambda: LeakyReLU(0.1), Sigmoid, Tanh]
ACTIVATION_IDS = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh"]


def _check_layer_gradients(layer, x: np.ndarray, rng: np.random.Generator, before_forward=None) -> None:
    """Compare backward's dx and every grads[name] with central differences of
    ``sum(dout * layer.forward(x))`` for a random upstream gradient ``dout``."""
    dout = rng.normal(size=layer.forward(x).shape)

    def f() -> float:
        if before_forward is not None:
            before_forward()
        return float(np.sum(dout * layer.forward(x)))

    f()
    dx = layer.backward(dout)
    analytic = {"x": dx, **{name: grad.copy() for name, grad in layer.grads.items()}}
    targets = {"x": x, **layer.params}
    for name, target in targets.items():
        numeric = numerical_gradient(f, target)
        assert analytic[name].shape == target.shape, name
        assert relative_error(analytic[name], numeric) < 1e-7, name


def test_dense_forward_is_x_at_W_plus_b(rng):
    layer = Dense(4, 3, rng=rng)
    layer.params["b"][:] = rng.normal(size=3)
    x = rng.normal(size=(5, 4))
    np.testing.assert_allclose(layer.forward(x), x @ layer.params["W"] + layer.params["b"], rtol=1e-12)


def test_dense_gradients_match_central_differences(rng):
    layer = Dense(4, 3, rng=rng)
    layer.params["b"][:] = rng.normal(size=3)
    _check_layer_gradients(layer, rng.normal(size=(5, 4)), rng)


def test_dense_without_input_grad_gives_the_same_parameter_gradients(rng):
    layer = Dense(4, 3, rng=rng)
    x, dout = rng.normal(size=(5, 4)), rng.normal(size=(5, 3))
    layer.forward(x)
    layer.backward(dout)
    full = {name: grad.copy() for name, grad in layer.grads.items()}
    layer.grads["W"][:] = 0
    layer.grads["b"][:] = 0
    assert layer.backward(dout, input_grad=False) is None
    for name in full:
        np.testing.assert_allclose(layer.grads[name], full[name], rtol=1e-12)


def test_dense_starts_with_zero_bias_and_the_chosen_init(rng):
    n_in, n_out = 400, 300
    he = Dense(n_in, n_out, init="he", rng=rng)
    xavier = Dense(n_in, n_out, init="xavier", rng=rng)
    small = Dense(n_in, n_out, init="small", rng=rng)
    zeros = Dense(n_in, n_out, init="zeros", rng=rng)
    assert np.std(he.params["W"]) == pytest.approx(np.sqrt(2 / n_in), rel=0.02)
    assert np.std(xavier.params["W"]) == pytest.approx(np.sqrt(2 / (n_in + n_out)), rel=0.02)
    assert np.std(small.params["W"]) == pytest.approx(0.01, rel=0.02)
    assert not zeros.params["W"].any()
    for layer in (he, xavier, small, zeros):
        assert layer.params["W"].shape == (n_in, n_out)
        assert layer.params["b"].shape == (n_out,) and not layer.params["b"].any()


def test_dense_same_seed_gives_the_same_weights():
    a = Dense(5, 4, rng=np.random.default_rng(3))
    b = Dense(5, 4, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.params["W"], b.params["W"])


@pytest.mark.parametrize("make", ACTIVATIONS, ids=ACTIVATION_IDS)
def test_activation_gradients_match_central_differences(make, rng):
    x = rng.normal(size=(6, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from ReLU's kink, where differences are meaningless
    layer = make()
    assert layer.params == {} and layer.grads == {}
    _check_layer_gradients(layer, x, rng)


def test_batchnorm_gradients_match_central_differences_in_training(rng):
    layer = BatchNorm(4)
    layer.params["gamma"][:] = rng.normal(size=4)
    layer.params["beta"][:] = rng.normal(size=4)
    _check_layer_gradients(layer, rng.normal(2.0, 3.0, size=(8, 4)), rng)


def test_dropout_gradient_matches_central_differences_with_a_fixed_mask(rng):
    layer = Dropout(0.5)

    def same_mask() -> None:
        layer.rng = np.random.default_rng(7)

    same_mask()
    _check_layer_gradients(layer, rng.normal(size=(6, 5)), rng, before_forward=same_mask)


def test_backward_writes_into_the_same_grads_arrays(rng):
    for layer, x in [(Dense(3, 2, rng=rng), rng.normal(size=(4, 3))), (BatchNorm(3), rng.normal(size=(4, 3)))]:
        before = {name: id(grad) for name, grad in layer.grads.items()}
        for _ in range(2):
            out = layer.forward(x)
            layer.backward(rng.normal(size=out.shape))
        assert {name: id(grad) for name, grad in layer.grads.items()} == before
        assert any(grad.any() for grad in layer.grads.values())


def test_backward_before_forward_raises(rng):
    for layer in [Dense(2, 2, rng=rng), ReLU(), Tanh(), Dropout(0.5), BatchNorm(2)]:
        with pytest.raises(RuntimeError, match="before forward"):
            layer.backward(np.ones((3, 2)))


def test_dropout_is_identity_at_test_time(rng):
    layer = Dropout(0.5, rng=rng)
    x = rng.normal(size=(10, 8))
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    dout = rng.normal(size=x.shape)
    np.testing.assert_array_equal(layer.backward(dout), dout)


def test_dropout_drops_about_p_and_keeps_the_mean(rng):
    layer = Dropout(0.3, rng=rng)
    out = layer.forward(np.ones((400, 250)))
    assert np.mean(out == 0) == pytest.approx(0.3, abs=0.01)
    assert np.mean(out) == pytest.approx(1.0, abs=0.02)


def test_batchnorm_updates_running_stats_only_in_training(rng):
    layer = BatchNorm(3, momentum=0.9)
    x = rng.normal(5.0, 2.0, size=(50, 3))
    layer.forward(x, training=False)
    np.testing.assert_array_equal(layer.running_mean, np.zeros(3))
    np.testing.assert_array_equal(layer.running_var, np.ones(3))
    layer.forward(x, training=True)
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, 0.9 + 0.1 * x.var(axis=0), rtol=1e-12)


def test_batchnorm_output_is_standardised_in_training(rng):
    out = BatchNorm(4).forward(rng.normal(3.0, 5.0, size=(64, 4)))
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layers_keep_their_dtype_even_for_other_input_dtypes(dtype, rng):
    x = rng.normal(size=(6, 4))  # float64 data
    for layer in [Dense(4, 4, rng=rng, dtype=dtype), BatchNorm(4, dtype=dtype)]:
        out = layer.forward(x)
        dx = layer.backward(np.ones_like(out))
        assert out.dtype == dtype and dx.dtype == dtype
        for array in [*layer.params.values(), *layer.grads.values()]:
            assert array.dtype == dtype
    bn = BatchNorm(4, dtype=dtype)
    assert bn.running_mean.dtype == dtype and bn.running_var.dtype == dtype


@given(arrays(np.float32, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=st.floats(-50, 50, width=32)))
def test_activation_layers_keep_float32_and_shape(x):
    for make in ACTIVATIONS + [lambda: Dropout(0.5, rng=np.random.default_rng(0))]:
        layer = make()
        out = layer.forward(x)
        dx = layer.backward(np.ones_like(out))
        assert out.dtype == np.float32 and out.shape == x.shape
        assert dx.dtype == np.float32 and dx.shape == x.shape


def test_bad_arguments_raise_with_a_message():
    with pytest.raises(ValueError, match="init"):
        Dense(2, 3, init="glorot")
    with pytest.raises(ValueError, match="n_in"):
        Dense(0, 3)
    with pytest.raises(TypeError, match="dtype"):
        Dense(2, 3, dtype=np.int64)
    with pytest.raises(ValueError, match="p"):
        Dropout(1.0)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=1.5)
    with pytest.raises(ValueError, match="n_features"):
        BatchNorm(0)
    with pytest.raises(ValueError, match="eps"):
        BatchNorm(3, eps=0.0)


# --- layers built on the functions they are given ------------------------------------------


def _spy(function, calls: list):
    """``function`` that also appends its name to ``calls`` each time it is called."""

    def spy(*args, **kwargs):
        calls.append(function.__name__)
        return function(*args, **kwargs)

    return spy


def _run(layer, x: np.ndarray, dout: np.ndarray, training: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(out, dx) of one forward and one backward pass."""
    out = layer.forward(x, training=training)
    return out, layer.backward(dout)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_calls_the_functions_it_is_given_and_gets_the_same_numbers(training, rng):
    calls: list = []
    given = BatchNorm(4, forward=_spy(batchnorm_forward, calls), backward=_spy(batchnorm_backward, calls))
    default = BatchNorm(4)
    for layer in (given, default):
        layer.params["gamma"][:] = np.arange(1.0, 5.0)
    x, dout = rng.normal(2.0, 3.0, size=(8, 4)), rng.normal(size=(8, 4))
    for _ in range(2):
        for got, expected in zip(_run(given, x, dout, training), _run(default, x, dout, training)):
            np.testing.assert_array_equal(got, expected)
    assert calls == ["batchnorm_forward", "batchnorm_backward"] * 2
    for name in ("gamma", "beta"):
        np.testing.assert_array_equal(given.grads[name], default.grads[name])
    np.testing.assert_array_equal(given.running_mean, default.running_mean)
    np.testing.assert_array_equal(given.running_var, default.running_var)


def test_batchnorm_on_given_functions_writes_gradients_into_its_own_arrays():
    # Moved from the batch-norm explorer's tests (its FunctionBatchNorm is this layer now).
    rng = np.random.default_rng(0)
    layer = BatchNorm(4, forward=batchnorm_forward, backward=batchnorm_backward)
    gamma_grad, beta_grad = layer.grads["gamma"], layer.grads["beta"]
    x, dout = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
    out = layer.forward(x)
    assert np.allclose(out.mean(axis=0), 0, atol=1e-12)
    assert not np.allclose(layer.running_mean, 0), "training forward updates the running mean"
    dx = layer.backward(dout)
    assert dx.shape == (10, 4)
    assert layer.grads["gamma"] is gamma_grad and layer.grads["beta"] is beta_grad
    assert np.allclose(beta_grad, dout.sum(axis=0))


@pytest.mark.parametrize("training", [True, False])
def test_dropout_calls_the_functions_it_is_given_and_gets_the_same_numbers(training, rng):
    calls: list = []
    given = Dropout(0.4, rng=np.random.default_rng(3), forward=_spy(dropout_forward, calls),
                    backward=_spy(dropout_backward, calls))
    default = Dropout(0.4, rng=np.random.default_rng(3))
    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    for _ in range(2):  # a new mask each time, the same in both layers
        for got, expected in zip(_run(given, x, dout, training), _run(default, x, dout, training)):
            np.testing.assert_array_equal(got, expected)
    assert calls == ["dropout_forward", "dropout_backward"] * 2


def test_activation_passes_its_options_to_both_functions_and_gets_the_same_numbers(rng):
    calls: list = []
    given = Activation(_spy(leaky_relu, calls), _spy(leaky_relu_backward, calls), alpha=0.2)
    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    out, dx = _run(given, x, dout)
    assert calls == ["leaky_relu", "leaky_relu_backward"]
    np.testing.assert_array_equal(out, leaky_relu(x, alpha=0.2))
    np.testing.assert_array_equal(dx, leaky_relu_backward(dout, x, alpha=0.2))
    for got, expected in zip((out, dx), _run(LeakyReLU(0.2), x, dout)):
        np.testing.assert_array_equal(got, expected)
    assert given.params == {} and given.grads == {}


def test_the_named_activations_are_activation_layers_with_their_reprs():
    layers = [ReLU(), LeakyReLU(), Sigmoid(), Tanh()]
    assert all(isinstance(layer, Activation) for layer in layers)
    assert [repr(layer) for layer in layers] == ["ReLU()", "LeakyReLU(alpha=0.01)", "Sigmoid()", "Tanh()"]
    assert LeakyReLU(0.3).alpha == 0.3
    assert repr(Activation(relu, relu_backward)) == "Activation(relu, relu_backward)"
    assert repr(Activation(leaky_relu, leaky_relu_backward, alpha=0.2)) == \
        "Activation(leaky_relu, leaky_relu_backward, alpha=0.2)"


def test_only_dense_names_a_weight_matrix(rng):
    assert Dense(2, 3, rng=rng).weight_names == ("W",)
    for layer in [ReLU(), Dropout(0.5), BatchNorm(2)]:
        assert layer.weight_names == ()


def test_every_layer_takes_input_grad_and_only_dense_skips_dx(rng):
    x = rng.normal(size=(4, 3))
    for layer in [ReLU(), Tanh(), Dropout(0.5, rng=rng), BatchNorm(3)]:
        out = layer.forward(x)
        dout = rng.normal(size=out.shape)
        assert layer.backward(dout, input_grad=False).shape == x.shape
