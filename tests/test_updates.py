"""Tests of nnlib.updates: the update rules of SGD, momentum, Nesterov, RMSprop and Adam."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib.updates import adam_update, momentum_update, nesterov_update, rmsprop_update, sgd_update


def _arrays(rng: np.random.Generator, n: int, shape=(3, 4), dtype=np.float64):
    return [rng.normal(size=shape).astype(dtype) for _ in range(n)]


def _all_updates(w, dw, state):
    """Call every rule once with the same weights, gradient and (non-negative) state."""
    s = np.abs(state)
    return {
        "sgd": sgd_update(w, dw, 0.1),
        "momentum": momentum_update(w, dw, state, 0.1),
        "nesterov": nesterov_update(w, dw, state, 0.1),
        "rmsprop": rmsprop_update(w, dw, s, 0.1),
        "adam": adam_update(w, dw, state, s, 3, lr=0.1),
    }


# --- values against the formulas -----------------------------------------------------------


def test_sgd_steps_against_the_gradient(rng):
    w, dw = _arrays(rng, 2)
    np.testing.assert_allclose(sgd_update(w, dw, 0.3), w - 0.3 * dw, rtol=1e-15)


def test_momentum_averages_with_one_minus_beta():
    # from v = 0 with dw = 1 and beta = 0.9: v = 0.1 (not 1, as without the 1 - beta factor)
    w, v = momentum_update(np.array([1.0]), np.array([1.0]), np.array([0.0]), lr=0.5, beta=0.9)
    np.testing.assert_allclose(v, [0.1])
    np.testing.assert_allclose(w, [1.0 - 0.05])


def test_momentum_matches_the_formula(rng):
    w, dw, v = _arrays(rng, 3)
    w_new, v_new = momentum_update(w, dw, v, lr=0.05, beta=0.8)
    np.testing.assert_allclose(v_new, 0.8 * v + 0.2 * dw, rtol=1e-14)
    np.testing.assert_allclose(w_new, w - 0.05 * (0.8 * v + 0.2 * dw), rtol=1e-14)


def test_momentum_velocity_tends_to_a_constant_gradient():
    w, v = np.zeros(2), np.zeros(2)
    dw = np.array([2.0, -3.0])
    for _ in range(200):
        w, v = momentum_update(w, dw, v, lr=0.01, beta=0.9)
    np.testing.assert_allclose(v, dw, rtol=1e-8)


def test_nesterov_first_step_is_one_plus_beta_times_momentums():
    # from v = 0: momentum moves lr (1 - beta) dw, Nesterov lr (1 - beta)(1 + beta) dw
    start, dw, v = np.array([1.0, 2.0]), np.array([1.0, -2.0]), np.zeros(2)
    w_momentum, _ = momentum_update(start, dw, v, lr=0.1, beta=0.9)
    w_nesterov, _ = nesterov_update(start, dw, v, lr=0.1, beta=0.9)
    np.testing.assert_allclose(w_nesterov - start, 1.9 * (w_momentum - start), rtol=1e-12)
    np.testing.assert_allclose(w_nesterov, [0.981, 2.038], rtol=1e-12)


def test_nesterov_and_momentum_share_the_velocity(rng):
    w, dw, v = _arrays(rng, 3)
    np.testing.assert_array_equal(nesterov_update(w, dw, v, 0.1, 0.7)[1], momentum_update(w, dw, v, 0.1, 0.7)[1])


def test_nesterov_equals_pytorchs_form_with_a_scaled_learning_rate(rng):
    # PyTorch: b = beta b + dw; w -= lr_t (dw + beta b). With lr_t = lr (1 - beta) and b = v / (1 - beta)
    # the steps agree (the crosscheck tests run PyTorch itself).
    lr, beta = 0.2, 0.9
    w = w_torch_form = rng.normal(size=5)
    v, b = np.zeros(5), np.zeros(5)
    for _ in range(20):
        dw = rng.normal(size=5)
        w, v = nesterov_update(w, dw, v, lr, beta)
        b = beta * b + dw
        w_torch_form = w_torch_form - lr * (1 - beta) * (dw + beta * b)
    np.testing.assert_allclose(w, w_torch_form, rtol=1e-12)
    np.testing.assert_allclose(v, (1 - beta) * b, rtol=1e-12)


def test_rmsprop_matches_the_formula(rng):
    w, dw = _arrays(rng, 2)
    s = np.abs(rng.normal(size=w.shape))
    w_new, s_new = rmsprop_update(w, dw, s, lr=0.01, beta=0.9, eps=1e-6)
    expected_s = 0.9 * s + 0.1 * dw**2
    np.testing.assert_allclose(s_new, expected_s, rtol=1e-14)
    np.testing.assert_allclose(w_new, w - 0.01 * dw / (np.sqrt(expected_s) + 1e-6), rtol=1e-14)


def test_rmsprop_puts_eps_outside_the_square_root():
    w, s = rmsprop_update(np.zeros(1), np.array([1e-6]), np.zeros(1), lr=1.0, beta=0.0, eps=1e-4)
    # sqrt(s) = 1e-6, so the step is 1e-6 / (1e-6 + 1e-4); inside the sqrt it would be ~1e-4
    np.testing.assert_allclose(w, [-1e-6 / (1e-6 + 1e-4)], rtol=1e-12)


def test_adam_matches_the_formula(rng):
    w, dw, m = _arrays(rng, 3)
    v = np.abs(rng.normal(size=w.shape))
    w_new, m_new, v_new = adam_update(w, dw, m, v, t=4, lr=0.01, beta1=0.8, beta2=0.95, eps=1e-7)
    expected_m = 0.8 * m + 0.2 * dw
    expected_v = 0.95 * v + 0.05 * dw**2
    m_hat, v_hat = expected_m / (1 - 0.8**4), expected_v / (1 - 0.95**4)
    np.testing.assert_allclose(m_new, expected_m, rtol=1e-14)  # the returned moments are uncorrected
    np.testing.assert_allclose(v_new, expected_v, rtol=1e-14)
    np.testing.assert_allclose(w_new, w - 0.01 * m_hat / (np.sqrt(v_hat) + 1e-7), rtol=1e-13)


def test_adam_first_step_is_lr_times_sign_thanks_to_bias_correction():
    # without bias correction the first step would be lr * 0.1 / sqrt(0.001), about 3.2 lr
    dw = np.array([0.3, -20.0, 1e-2])
    w, m, v = adam_update(np.zeros(3), dw, np.zeros(3), np.zeros(3), t=1, lr=0.01)
    np.testing.assert_allclose(w, -0.01 * np.sign(dw), rtol=1e-5)


def test_adam_puts_eps_outside_the_square_root():
    dw = np.array([1e-10])
    w, _, _ = adam_update(np.zeros(1), dw, np.zeros(1), np.zeros(1), t=1, lr=1.0, eps=1e-8)
    # m_hat = 1e-10 and sqrt(v_hat) = 1e-10: the step is 1e-10 / (1e-10 + 1e-8) = 1/101;
    # with eps inside the sqrt it would be 1e-10 / sqrt(1e-20 + 1e-8), about 1e-6
    np.testing.assert_allclose(w, [-1 / 101], rtol=1e-9)


def test_adam_rejects_a_step_count_from_zero():
    with pytest.raises(ValueError, match="from 1"):
        adam_update(np.zeros(2), np.ones(2), np.zeros(2), np.zeros(2), t=0)


@given(
    g=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3),
    lr=st.floats(1e-4, 1e-1),
    steps=st.integers(1, 30),
)
def test_adam_moves_each_weight_by_about_lr_per_step_for_a_constant_gradient(g, lr, steps):
    w = np.zeros(3)
    m, v = np.zeros(3), np.zeros(3)
    dw = np.array([g, -g, 2 * g])
    for t in range(1, steps + 1):
        w_new, m, v = adam_update(w, dw, m, v, t, lr=lr)
        # a step of lr * |g| / (|g| + eps) ~ lr (relative gap eps / |g| <= 1e-5), against the gradient
        np.testing.assert_allclose(w_new - w, -lr * np.sign(dw), rtol=1e-4)
        w = w_new


# --- shared behaviour ----------------------------------------------------------------------


def test_updates_return_new_arrays_and_leave_inputs_untouched(rng):
    w, dw, state = _arrays(rng, 3)
    before = w.copy(), dw.copy(), state.copy()
    results = _all_updates(w, dw, state)
    np.testing.assert_array_equal(w, before[0])
    np.testing.assert_array_equal(dw, before[1])
    np.testing.assert_array_equal(state, before[2])
    for result in results.values():
        for array in result if isinstance(result, tuple) else (result,):
            assert not np.shares_memory(array, w) and not np.shares_memory(array, state)


def test_float32_stays_float32_even_with_numpy_float64_hyperparameters(rng):
    w, dw, state = _arrays(rng, 3, dtype=np.float32)
    s = np.abs(state)
    lr, beta = np.float64(0.01), np.float64(0.9)  # e.g. drawn by a random search
    results = [
        sgd_update(w, dw, lr),
        *momentum_update(w, dw, state, lr, beta),
        *nesterov_update(w, dw, state, lr, beta),
        *rmsprop_update(w, dw, s, lr, beta, np.float64(1e-8)),
        *adam_update(w, dw, state, s, np.int64(2), lr, beta, np.float64(0.999), np.float64(1e-8)),
    ]
    assert all(r.dtype == np.float32 for r in results)
    assert all(r.dtype == np.float32 for r in _all_updates(w, dw, state)["adam"])


@pytest.mark.parametrize("rule", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
def test_mismatched_shapes_raise(rule):
    w, dw, bad = np.zeros((2, 3)), np.ones((2, 3)), np.zeros((3, 2))
    with pytest.raises(ValueError, match="shape"):
        if rule == "sgd":
            sgd_update(w, bad, 0.1)
        elif rule == "momentum":
            momentum_update(w, dw, bad, 0.1)
        elif rule == "nesterov":
            nesterov_update(w, dw, bad, 0.1)
        elif rule == "rmsprop":
            rmsprop_update(w, dw, bad, 0.1)
        else:
            adam_update(w, dw, np.zeros((2, 3)), bad, 1)


def test_adam_minimises_an_ill_conditioned_quadratic():
    # f(w) = 0.5 (100 w0^2 + w1^2), gradient (100 w0, w1): curvatures 100 apart
    scales = np.array([100.0, 1.0])
    w, m, v = np.array([1.0, 1.0]), np.zeros(2), np.zeros(2)
    for t in range(1, 2001):
        w, m, v = adam_update(w, scales * w, m, v, t, lr=0.01)
    assert np.all(np.abs(w) < 1e-2)
