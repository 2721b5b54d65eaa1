"""Tests of nnlib.ewa: exponentially weighted averages with and without bias correction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib.ewa import ewa


def _reference(values, beta, bias_correction):
    """The definition, written out: v_0 = 0, v_t = beta v_(t-1) + (1 - beta) x_t."""
    out, v = [], 0.0
    for t, x in enumerate(values, start=1):
        v = beta * v + (1 - beta) * x
        out.append(v / (1 - beta**t) if bias_correction else v)
    return np.array(out)


def test_small_worked_example():
    # v = 0.5, 1.25, 2.125; corrected by 1 - 0.5^t = 0.5, 0.75, 0.875
    np.testing.assert_allclose(ewa(np.array([1.0, 2.0, 3.0]), 0.5, bias_correction=False), [0.5, 1.25, 2.125])
    np.testing.assert_allclose(ewa(np.array([1.0, 2.0, 3.0]), 0.5), [1.0, 1.25 / 0.75, 2.125 / 0.875])


@pytest.mark.parametrize("bias_correction", [True, False])
@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_matches_the_definition_on_a_noisy_series(beta, bias_correction, rng):
    values = np.sin(np.linspace(0, 6, 80)) + rng.normal(scale=0.3, size=80)
    out = ewa(values, beta, bias_correction=bias_correction)
    assert out.shape == (80,)
    np.testing.assert_allclose(out, _reference(values, beta, bias_correction), rtol=1e-12)


@given(c=st.floats(-1e6, 1e6), beta=st.floats(0.0, 0.999), n=st.integers(1, 100))
def test_bias_corrected_average_of_a_constant_is_that_constant(c, beta, n):
    np.testing.assert_allclose(ewa(np.full(n, c), beta), c, rtol=1e-9, atol=1e-300)


@given(c=st.floats(-1e3, 1e3), beta=st.floats(0.0, 0.999), n=st.integers(1, 50))
def test_uncorrected_average_of_a_constant_starts_biased_towards_zero(c, beta, n):
    t = np.arange(1, n + 1)
    expected = c * (1 - beta**t)
    np.testing.assert_allclose(ewa(np.full(n, c), beta, bias_correction=False), expected, rtol=1e-9, atol=1e-12)


def test_bias_correction_t_starts_at_1():
    # with t from 0 the first value would divide by 1 - beta^0 = 0
    out = ewa(np.array([4.0, 4.0]), 0.9)
    np.testing.assert_allclose(out, [4.0, 4.0], rtol=1e-14)


def test_beta_zero_returns_the_series_itself(rng):
    values = rng.normal(size=12)
    np.testing.assert_allclose(ewa(values, 0.0), values, rtol=1e-15)


def test_float32_in_float32_out_and_lists_accepted():
    assert ewa(np.ones(5, dtype=np.float32), 0.9).dtype == np.float32
    out = ewa([1, 2, 3], 0.5)
    assert out.dtype == np.float64 and out.shape == (3,)


def test_empty_series_gives_empty_result():
    assert ewa(np.array([]), 0.9).shape == (0,)


def test_input_is_not_modified(rng):
    values = rng.normal(size=10)
    before = values.copy()
    ewa(values, 0.8)
    np.testing.assert_array_equal(values, before)


@pytest.mark.parametrize("beta", [-0.1, 1.0, 1.5])
def test_beta_outside_0_1_is_rejected(beta):
    with pytest.raises(ValueError, match="beta"):
        ewa(np.ones(3), beta)


def test_values_must_be_one_dimensional():
    with pytest.raises(ValueError, match="1-D"):
        ewa(np.ones((3, 2)), 0.9)
