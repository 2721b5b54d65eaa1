"""Tests of nnlib.weight_decay: AdamW's decoupled weight decay against its formula and Adam."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib.regularization import l2_grad
from nnlib.updates import adam_update
from nnlib.weight_decay import adamw_update


def _adamw_written_out(w, dw, m, v, t, lr, weight_decay, beta1=0.9, beta2=0.999, eps=1e-8):
    """AdamW from its paper's formula, independently of nnlib's adam_update."""
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    step = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return w - lr * weight_decay * w - lr * step, m, v


def test_adamw_matches_its_formula_over_twenty_steps(rng):
    w = rng.normal(size=(4, 3))
    m, v = np.zeros_like(w), np.zeros_like(w)
    ours = (w, m, v)
    reference = (w.copy(), m.copy(), v.copy())
    for t in range(1, 21):
        dw = rng.normal(scale=2.0, size=w.shape)
        ours = adamw_update(*ours[:1], dw, *ours[1:], t, lr=0.02, weight_decay=0.3, beta1=0.8, beta2=0.95)
        reference = _adamw_written_out(reference[0], dw, *reference[1:], t, 0.02, 0.3, 0.8, 0.95)
    for got, want in zip(ours, reference):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_adamw_without_decay_is_adam(rng):
    w, dw, m = rng.normal(size=(3, 5))
    v = np.abs(rng.normal(size=5))
    for got, want in zip(adamw_update(w, dw, m, v, 4, lr=0.01, weight_decay=0.0), adam_update(w, dw, m, v, 4, lr=0.01)):
        np.testing.assert_array_equal(got, want)


def test_moments_see_the_data_gradient_only(rng):
    w, dw = rng.normal(size=(2, 6))
    _, m, v = adamw_update(w, dw, np.zeros(6), np.zeros(6), 1, lr=0.1, weight_decay=5.0)
    np.testing.assert_allclose(m, 0.1 * dw, rtol=1e-15)
    np.testing.assert_allclose(v, 0.001 * dw**2, rtol=1e-15)


def test_with_a_zero_gradient_every_weight_shrinks_by_the_same_factor(rng):
    w = rng.normal(scale=5.0, size=10)
    out, _, _ = adamw_update(w, np.zeros(10), np.zeros(10), np.zeros(10), 1, lr=0.1, weight_decay=0.2)
    np.testing.assert_allclose(out, 0.98 * w, rtol=1e-15)


def test_adamw_differs_from_l2_under_adam_where_gradients_differ_in_size():
    """L2 under Adam pulls a weight with a large gradient less than one with a small gradient;
    AdamW pulls both by the same lr * weight_decay * w."""
    w = np.array([1.0, 1.0])
    dw = np.array([100.0, 0.001])
    m = np.array([0.0, 0.0])
    v = np.array([1e4, 1e-6])  # each weight's history matches its gradient's size
    lr, wd = 0.01, 0.5
    decoupled = adamw_update(w, dw, m, v, 5, lr=lr, weight_decay=wd)[0]
    no_decay = adam_update(w, dw, m, v, 5, lr=lr)[0]
    coupled = adam_update(w, dw + l2_grad(w, wd, 1), m, v, 5, lr=lr)[0]
    np.testing.assert_allclose(no_decay - decoupled, lr * wd * w, rtol=1e-12)
    pull = no_decay - coupled
    assert pull[0] < 0.01 * lr * wd < lr * wd < pull[1], pull


@given(st.floats(1e-4, 0.5), st.floats(0.0, 10.0), st.integers(1, 50))
def test_float32_stays_float32_and_nothing_changes_in_place(lr, weight_decay, t):
    rng = np.random.default_rng(t)
    w, dw, m = (rng.normal(size=(3, 2)).astype(np.float32) for _ in range(3))
    v = np.abs(rng.normal(size=(3, 2))).astype(np.float32)
    copies = [a.copy() for a in (w, dw, m, v)]
    out = adamw_update(w, dw, m, v, t, lr=lr, weight_decay=weight_decay)
    assert all(a.dtype == np.float32 for a in out)
    for before, after in zip(copies, (w, dw, m, v)):
        np.testing.assert_array_equal(before, after)


def test_negative_weight_decay_is_refused_with_its_name():
    with pytest.raises(ValueError, match="weight_decay"):
        adamw_update(np.ones(2), np.ones(2), np.zeros(2), np.zeros(2), 1, weight_decay=-0.1)


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="same shape"):
        adamw_update(np.ones(2), np.ones(3), np.zeros(2), np.zeros(2), 1)
