"""Tests of nnlib.initializers: shapes, scale, distribution, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.initializers import he, small_random, xavier, zeros

RANDOM_INITS = {"xavier": xavier, "he": he, "small_random": small_random}


@pytest.mark.parametrize("name", ["xavier", "he"])
def test_shape_and_dtype(name):
    W = RANDOM_INITS[name](7, 3, rng=np.random.default_rng(0))
    assert W.shape == (7, 3)
    assert W.dtype == np.float64


@pytest.mark.parametrize(
    "name, expected_std",
    [
        ("xavier", np.sqrt(2 / (800 + 300))),
        ("he", np.sqrt(2 / 800)),  # fan_in, not fan_out (which would give sqrt(2 / 300))
    ],
)
def test_std_matches_the_formula_on_a_large_draw(name, expected_std):
    W = RANDOM_INITS[name](800, 300, rng=np.random.default_rng(1))
    # 240,000 samples: the sample std is within about 0.15% of the true one
    assert abs(W.std() / expected_std - 1) < 0.01
    assert abs(W.mean()) < 0.01 * expected_std


@pytest.mark.parametrize("name", ["xavier", "he"])
def test_samples_are_normal_not_uniform(name):
    # a uniform law with the same std never goes beyond sqrt(3) std; a normal one does, in
    # about 4.6% of samples beyond 2 std
    W = RANDOM_INITS[name](400, 250, rng=np.random.default_rng(2))
    beyond = np.mean(np.abs(W) > 2 * W.std())
    assert 0.04 < beyond < 0.052


@pytest.mark.parametrize("name", sorted(RANDOM_INITS))
def test_same_seed_same_weights_and_other_seed_other_weights(name):
    init = RANDOM_INITS[name]
    first = init(5, 4, rng=np.random.default_rng(42))
    again = init(5, 4, rng=np.random.default_rng(42))
    other = init(5, 4, rng=np.random.default_rng(43))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize("name", sorted(RANDOM_INITS))
def test_rng_is_optional(name):
    W = RANDOM_INITS[name](3, 2)
    assert W.shape == (3, 2) and np.all(np.isfinite(W))


def test_zeros_and_small_random():
    np.testing.assert_array_equal(zeros(3, 4), np.zeros((3, 4)))
    assert zeros(3, 4).dtype == np.float64
    W = small_random(500, 400, rng=np.random.default_rng(3))
    assert W.shape == (500, 400)
    assert abs(W.std() / 0.01 - 1) < 0.01
    assert abs(small_random(500, 400, rng=np.random.default_rng(3), scale=0.5).std() / 0.5 - 1) < 0.01


@pytest.mark.parametrize("init", [zeros, small_random, xavier, he])
@pytest.mark.parametrize("fans", [(0, 3), (3, 0), (-1, 2), (2.5, 3)])
def test_fans_must_be_positive_integers(init, fans):
    with pytest.raises(ValueError, match="fan_"):
        init(*fans)
