"""Tests of nnlib.optimizers: in-place updates, agreement with the update functions of
nnlib.updates over several steps, state allocated once in the parameters' dtype, lr."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.optimizers import SGD, Adam, Momentum, RMSprop
from nnlib.updates import adam_update, momentum_update, rmsprop_update, sgd_update

OPTIMIZERS = {
    "SGD": lambda: SGD(lr=0.1),
    "Momentum": lambda: Momentum(lr=0.1, beta=0.8),
    "RMSprop": lambda: RMSprop(lr=0.01, beta=0.9),
    "Adam": lambda: Adam(lr=0.01, beta1=0.8, beta2=0.95),
}


def _params(rng: np.random.Generator, dtype=np.float64) -> dict[str, np.ndarray]:
    return {"0.W": rng.normal(size=(3, 4)).astype(dtype), "0.b": rng.normal(size=4).astype(dtype)}


def _function_form(name: str, w0: np.ndarray, gradients: list[np.ndarray]) -> np.ndarray:
    """w after len(gradients) steps of nnlib.updates' rule, with the hyper-parameters of OPTIMIZERS."""
    w = w0.copy()
    state1, state2 = np.zeros_like(w), np.zeros_like(w)
    for t, dw in enumerate(gradients, start=1):
        if name == "SGD":
            w = sgd_update(w, dw, 0.1)
        elif name == "Momentum":
            w, state1 = momentum_update(w, dw, state1, 0.1, beta=0.8)
        elif name == "RMSprop":
            w, state1 = rmsprop_update(w, dw, state1, 0.01, beta=0.9)
        else:
            w, state1, state2 = adam_update(w, dw, state1, state2, t, lr=0.01, beta1=0.8, beta2=0.95)
    return w


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_agrees_with_the_update_function_over_several_steps(name, rng):
    optimizer = OPTIMIZERS[name]()
    params = _params(rng)
    start = {key: w.copy() for key, w in params.items()}
    history = {key: [] for key in params}
    for _ in range(8):
        grads = {key: rng.normal(size=w.shape) for key, w in params.items()}
        for key in params:
            history[key].append(grads[key])
        optimizer.step(params, grads)
    for key in params:
        np.testing.assert_allclose(params[key], _function_form(name, start[key], history[key]), rtol=1e-12, atol=1e-15)


def _rule_step(name: str, hyper: dict, w: np.ndarray, dw: np.ndarray, state: list, t: int) -> np.ndarray:
    """One step of nnlib.updates' rule for optimizer ``name``; ``state`` is updated in the list."""
    if name == "SGD":
        return sgd_update(w, dw, hyper["lr"])
    if name == "Momentum":
        w, state[0] = momentum_update(w, dw, state[0], hyper["lr"], beta=hyper["beta"])
    elif name == "RMSprop":
        w, state[0] = rmsprop_update(w, dw, state[0], hyper["lr"], beta=hyper["beta"], eps=hyper["eps"])
    else:
        w, state[0], state[1] = adam_update(w, dw, state[0], state[1], t, lr=hyper["lr"], beta1=hyper["beta1"],
                                            beta2=hyper["beta2"], eps=hyper["eps"])
    return w


CLASSES = {"SGD": SGD, "Momentum": Momentum, "RMSprop": RMSprop, "Adam": Adam}
HYPER = {
    "SGD": {"lr": 0.05},
    "Momentum": {"lr": 0.05, "beta": 0.85},
    "RMSprop": {"lr": 0.003, "beta": 0.95, "eps": 1e-6},
    "Adam": {"lr": 0.003, "beta1": 0.85, "beta2": 0.99, "eps": 1e-6},
}
STATE_NAMES = {"SGD": (), "Momentum": ("v",), "RMSprop": ("s",), "Adam": ("m", "v")}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_many_steps_equal_the_update_rule_to_1e12(name, rng):
    # The optimizers call their rule in nnlib.updates, except Adam, which rewrites it in
    # place (optimizers.py says why): after every step, weights and state must agree.
    hyper = dict(HYPER[name])
    optimizer = CLASSES[name](**hyper)
    params = {"0.W": rng.normal(size=(7, 5)), "0.b": rng.normal(size=5), "1.gamma": rng.normal(size=(3, 2, 4))}
    expected = {key: w.copy() for key, w in params.items()}
    states = {key: [np.zeros_like(w), np.zeros_like(w)] for key, w in params.items()}
    for t in range(1, 301):
        if t == 150:  # a schedule changes the learning rate between steps
            optimizer.lr = hyper["lr"] = hyper["lr"] / 3
        grads = {key: rng.normal(scale=rng.uniform(0.01, 10.0), size=w.shape) for key, w in params.items()}
        optimizer.step(params, grads)
        for key in params:
            expected[key] = _rule_step(name, hyper, expected[key], grads[key], states[key], t)
            np.testing.assert_allclose(params[key], expected[key], rtol=1e-12, atol=1e-12)
            for slot, state in zip(STATE_NAMES[name], states[key]):
                np.testing.assert_allclose(optimizer.state[key][slot], state, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_updates_the_same_arrays_in_place(name, rng):
    optimizer = OPTIMIZERS[name]()
    params = _params(rng)
    arrays = dict(params)
    before = {key: w.copy() for key, w in params.items()}
    grads = {key: np.ones_like(w) for key, w in params.items()}
    grads_before = {key: g.copy() for key, g in grads.items()}
    optimizer.step(params, grads)
    for key in params:
        assert params[key] is arrays[key]
        assert not np.allclose(params[key], before[key])
        np.testing.assert_array_equal(grads[key], grads_before[key])  # gradients untouched


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_state_is_allocated_once_in_the_parameters_dtype(name, rng):
    optimizer = OPTIMIZERS[name]()
    params = _params(rng, dtype=np.float32)
    grads = {key: rng.normal(size=w.shape).astype(np.float32) for key, w in params.items()}
    optimizer.step(params, grads)
    ids = {key: {slot: id(array) for slot, array in slots.items()} for key, slots in optimizer.state.items()}
    for _ in range(3):
        optimizer.step(params, grads)
    assert set(optimizer.state) == set(params)
    assert {key: {slot: id(array) for slot, array in slots.items()} for key, slots in optimizer.state.items()} == ids
    for key, slots in optimizer.state.items():
        for array in slots.values():
            assert array.dtype == np.float32 and array.shape == params[key].shape
    for w in params.values():
        assert w.dtype == np.float32


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizer_minimises_a_quadratic(name, rng):
    # f(w) = 0.5 * sum(a * w**2) with very different curvatures a, minimum at w = 0
    a = np.array([0.5, 1.0, 4.0])
    params = {"w": np.array([2.0, -3.0, 1.0])}
    start = 0.5 * np.sum(a * params["w"] ** 2)
    optimizer = OPTIMIZERS[name]()
    optimizer.lr = {"SGD": 0.2, "Momentum": 0.2, "RMSprop": 0.05, "Adam": 0.1}[name]
    for _ in range(300):
        optimizer.step(params, {"w": a * params["w"]})
    assert 0.5 * np.sum(a * params["w"] ** 2) < 1e-3 * start


def test_lr_can_be_changed_between_steps():
    params = {"w": np.zeros(2)}
    optimizer = SGD(lr=0.1)
    optimizer.step(params, {"w": np.ones(2)})
    optimizer.lr = 0.5
    optimizer.step(params, {"w": np.ones(2)})
    np.testing.assert_allclose(params["w"], [-0.6, -0.6])
    assert isinstance(optimizer.lr, float)


def test_numpy_float64_hyper_parameters_keep_float32_weights(rng):
    params = _params(rng, dtype=np.float32)
    grads = {key: np.ones_like(w) for key, w in params.items()}
    optimizer = Adam(lr=np.float64(0.01), beta1=np.float64(0.9))
    optimizer.lr = np.float64(0.02)
    optimizer.step(params, grads)
    assert all(w.dtype == np.float32 for w in params.values())
    assert all(a.dtype == np.float32 for slots in optimizer.state.values() for a in slots.values())


def test_adam_counts_steps_from_one(rng):
    optimizer = Adam(lr=0.1)
    params = {"w": np.zeros(3)}
    optimizer.step(params, {"w": np.array([1.0, -2.0, 0.5])})
    assert optimizer.t == 1
    # bias correction makes the first step lr * sign(dw), whatever the scale of dw
    np.testing.assert_allclose(params["w"], [-0.1, 0.1, -0.1], rtol=1e-6)


def test_mismatched_keys_raise():
    with pytest.raises(KeyError, match="same keys"):
        SGD(0.1).step({"a": np.zeros(2)}, {"b": np.zeros(2)})


def test_bad_hyper_parameters_raise():
    with pytest.raises(ValueError, match="lr"):
        SGD(lr=-0.1)
    with pytest.raises(ValueError, match="beta"):
        Momentum(0.1, beta=1.0)
    with pytest.raises(ValueError, match="eps"):
        RMSprop(0.1, eps=0.0)
    with pytest.raises(ValueError, match="beta2"):
        Adam(beta2=-0.5)
    with pytest.raises(ValueError, match="lr"):
        Adam().lr = float("nan")
