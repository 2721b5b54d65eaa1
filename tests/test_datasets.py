"""nnlib.datasets: the toy 2-D sets and the shipped digits."""

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnlib.datasets import (DATASETS, DIGITS_PATH, load_digits, make_circles, make_dataset,
                            make_moons, make_spirals, make_xor)

# sha256 of assets/digits.npz as shipped (see assets/README.md), and of its arrays' bytes
# (the arrays' hashes stay the same if the file is ever re-extracted by assets/make_digits.py).
DIGITS_FILE_SHA256 = "dff739c317c3d7a561cd1d11ae22ab4ac7f0557489c9e3935e97bec510d05737"
DIGITS_X_SHA256 = "8f26b2bd9d135c256808f68f14fdabddde6d9c7f869ae419704b051f0f14b3b3"
DIGITS_Y_SHA256 = "8ba4f891220f5e4c9c819638d1602d74b83618f167043c6da52a2a247841ddf0"

MAKERS = {"moons": make_moons, "circles": make_circles, "spirals": make_spirals, "xor": make_xor}


def _rng(seed=0):
    return np.random.default_rng(seed)


def test_datasets_lists_every_toy_set():
    assert DATASETS == ("moons", "circles", "spirals", "xor")


@pytest.mark.parametrize("name", DATASETS)
def test_toy_set_has_float64_points_and_int64_labels(name):
    X, y = make_dataset(name, 50, 0.1, rng=_rng())
    assert X.shape == (50, 2) and X.dtype == np.float64
    assert y.shape == (50,) and y.dtype == np.int64
    assert set(np.unique(y).tolist()) == {0, 1}
    assert np.all(np.isfinite(X))


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(DATASETS), n=st.integers(2, 301),
       noise=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_toy_set_classes_are_balanced_for_any_size(name, n, noise, seed):
    X, y = make_dataset(name, n, noise, rng=_rng(seed))
    assert X.shape == (n, 2) and y.shape == (n,)
    assert np.bincount(y, minlength=2).tolist() == [n - n // 2, n // 2]


@pytest.mark.parametrize("name", DATASETS)
def test_toy_set_same_seed_gives_same_data(name):
    X1, y1 = make_dataset(name, 80, 0.2, rng=_rng(7))
    X2, y2 = make_dataset(name, 80, 0.2, rng=_rng(7))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize("name", DATASETS)
def test_toy_set_different_seeds_give_different_data(name):
    X1, _ = make_dataset(name, 80, 0.2, rng=_rng(1))
    X2, _ = make_dataset(name, 80, 0.2, rng=_rng(2))
    assert not np.allclose(X1, X2)


@pytest.mark.parametrize("name", DATASETS)
def test_toy_set_without_rng_is_random(name):
    X1, _ = make_dataset(name, 80, 0.2)
    X2, _ = make_dataset(name, 80, 0.2)
    assert not np.allclose(X1, X2)


@pytest.mark.parametrize("name", DATASETS)
def test_toy_set_rows_are_shuffled(name):
    _, y = make_dataset(name, 200, 0.1, rng=_rng(3))
    # Not all of class 0 first: a shuffled order has many label changes.
    assert np.count_nonzero(np.diff(y)) > 20


@pytest.mark.parametrize("name", DATASETS)
def test_toy_set_noise_is_gaussian_with_the_given_std(name):
    # Same seed: the same clean points in the same order, so the difference is the noise.
    clean, y_clean = make_dataset(name, 4000, 0.0, rng=_rng(11))
    noisy, y_noisy = make_dataset(name, 4000, 0.25, rng=_rng(11))
    np.testing.assert_array_equal(y_clean, y_noisy)
    diff = noisy - clean
    assert abs(diff.mean()) < 0.02
    assert diff.std() == pytest.approx(0.25, rel=0.05)


def test_make_dataset_matches_the_named_function():
    for name, maker in MAKERS.items():
        X1, y1 = make_dataset(name, 30, 0.05, rng=_rng(5))
        X2, y2 = maker(30, 0.05, rng=_rng(5))
        np.testing.assert_array_equal(X1, X2)
        np.testing.assert_array_equal(y1, y2)


def test_make_dataset_rejects_unknown_name_and_lists_the_choices():
    with pytest.raises(ValueError, match="unknown data set 'swirl'.*moons, circles, spirals, xor"):
        make_dataset("swirl", 10, 0.1)


@pytest.mark.parametrize("name", DATASETS)
@pytest.mark.parametrize("n", [0, 1, -5])
def test_toy_set_rejects_too_few_points(name, n):
    with pytest.raises(ValueError, match="n must be at least 2"):
        make_dataset(name, n, 0.1)


@pytest.mark.parametrize("n", [10.0, "10", True])
def test_toy_set_rejects_non_integer_size(n):
    with pytest.raises(TypeError, match="n must be an integer"):
        make_moons(n)


@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf")])
def test_toy_set_rejects_bad_noise(noise):
    with pytest.raises(ValueError, match="noise"):
        make_xor(10, noise)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = make_moons(101, noise=0.0, rng=_rng())
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(upper, axis=1), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.linalg.norm(lower - [1.0, 0.5], axis=1), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


@pytest.mark.parametrize("factor", [0.3, 0.5, 0.8])
def test_circles_without_noise_have_radii_one_and_factor(factor):
    X, y = make_circles(60, noise=0.0, factor=factor, rng=_rng())
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 1], axis=1), factor)


@pytest.mark.parametrize("factor", [0.0, 1.0, -0.5, 2.0])
def test_circles_reject_factor_outside_zero_one(factor):
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=factor)


def test_spirals_without_noise_are_one_arm_and_its_half_turn():
    X, y = make_spirals(200, noise=0.0, turns=1.5, rng=_rng())
    radius = np.linalg.norm(X, axis=1)
    assert radius.min() == pytest.approx(0.2) and radius.max() == pytest.approx(2.0)
    # Turning arm 0 by 180 degrees (x -> -x) gives arm 1, point for point.
    arm0 = np.sort(np.round(-X[y == 0], 9).view("f8,f8").ravel())
    arm1 = np.sort(np.round(X[y == 1], 9).view("f8,f8").ravel())
    np.testing.assert_array_equal(arm0, arm1)


def test_spirals_wind_the_requested_number_of_turns():
    X, y = make_spirals(2000, noise=0.0, turns=2.0, rng=_rng())
    arm = X[y == 0]
    arm = arm[np.argsort(np.linalg.norm(arm, axis=1))]        # from the centre outwards
    angle = np.unwrap(np.arctan2(arm[:, 1], arm[:, 0]))
    assert (angle[-1] - angle[0]) / (2 * np.pi) == pytest.approx(2.0, abs=1e-6)


@pytest.mark.parametrize("turns", [0.0, -1.0, float("nan")])
def test_spirals_reject_non_positive_turns(turns):
    with pytest.raises(ValueError, match="turns"):
        make_spirals(10, turns=turns)


def test_xor_without_noise_puts_each_class_in_its_two_quadrants():
    X, y = make_xor(400, noise=0.0, rng=_rng())
    assert np.all(np.abs(X) <= 1.0)
    product = X[:, 0] * X[:, 1]
    assert np.all(product[y == 0] >= 0) and np.all(product[y == 1] <= 0)
    # Each class is split evenly between its two quadrants.
    assert np.count_nonzero(X[y == 0, 0] > 0) == 100
    assert np.count_nonzero(X[y == 1, 0] > 0) == 100


def test_digits_file_is_the_shipped_one():
    assert DIGITS_PATH.name == "digits.npz" and DIGITS_PATH.parent.name == "assets"
    assert hashlib.sha256(DIGITS_PATH.read_bytes()).hexdigest() == DIGITS_FILE_SHA256
    with np.load(DIGITS_PATH) as data:
        assert sorted(data.files) == ["X", "y"]
        assert data["X"].dtype == np.uint8 and data["y"].dtype == np.uint8
        assert hashlib.sha256(data["X"].tobytes()).hexdigest() == DIGITS_X_SHA256
        assert hashlib.sha256(data["y"].tobytes()).hexdigest() == DIGITS_Y_SHA256


def test_digits_shape_range_and_classes():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    # Pixels are ink counts 0..16 divided by 16.
    np.testing.assert_array_equal(X * 16, np.round(X * 16))
    counts = np.bincount(y)
    assert counts.size == 10 and counts.min() >= 170 and counts.sum() == 1797


def test_digits_first_image_is_a_zero():
    X, y = load_digits()
    assert y[0] == 0
    image = X[0].reshape(8, 8)
    # A zero: ink on the left and right of the middle rows, a hole in the centre.
    assert image[3:5, 2].min() > 0.4 and image[3:5, 5].min() > 0.4
    assert image[3:5, 3:5].max() < 0.1


def test_digits_float32_keeps_float32_and_the_same_values():
    X32, y32 = load_digits(np.float32)
    X64, y64 = load_digits()
    assert X32.dtype == np.float32
    np.testing.assert_array_equal(X32, X64.astype(np.float32))
    np.testing.assert_array_equal(y32, y64)


def test_digits_rejects_integer_dtype():
    with pytest.raises(TypeError, match="floating"):
        load_digits(np.int64)


def test_digits_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "digits.npz"
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_digits(path=missing)
