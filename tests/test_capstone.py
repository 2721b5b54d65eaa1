"""Tests of nnlib.capstone: the shifted digits and the capstone's reference classifier."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from nnlib.capstone import shifted_digits, train_digit_classifier
from nnlib.datasets import load_digits
from nnlib.preprocessing import train_test_split


@lru_cache(maxsize=None)
def _chapter_6_split():
    """The split of chapter 6, section 1.2: (X_train, y_train, X_dev, y_dev, X_test, y_test)."""
    X, y = load_digits(np.float32)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, rng=np.random.default_rng(0), stratify=True)
    X_train, X_dev, y_train, y_dev = train_test_split(X_rest, y_rest, test_size=0.25,
                                                      rng=np.random.default_rng(1), stratify=True)
    return X_train, y_train, X_dev, y_dev, X_test, y_test


def test_a_shift_moves_every_pixel_and_fills_with_zeros():
    image = np.arange(1, 65, dtype=np.float32).reshape(1, 64)
    right = shifted_digits(image, 1, 0).reshape(8, 8)
    np.testing.assert_array_equal(right[:, 1:], image.reshape(8, 8)[:, :-1])
    np.testing.assert_array_equal(right[:, 0], 0)
    up = shifted_digits(image, 0, -1).reshape(8, 8)
    np.testing.assert_array_equal(up[:-1], image.reshape(8, 8)[1:])
    np.testing.assert_array_equal(up[-1], 0)
    assert right.dtype == np.float32


def test_shifting_there_and_back_keeps_the_inner_pixels():
    X = np.random.default_rng(0).random((5, 64))
    back = shifted_digits(shifted_digits(X, -1, 1), 1, -1).reshape(5, 8, 8)
    np.testing.assert_array_equal(back[:, :-1, 1:], X.reshape(5, 8, 8)[:, :-1, 1:])
    np.testing.assert_array_equal(shifted_digits(X, 0, 0), X)


@pytest.mark.parametrize(("X", "dx", "message"), [(np.zeros((2, 63)), 1, "shape"), (np.zeros((2, 64)), 8, "shifts")])
def test_bad_images_or_shifts_are_refused(X, dx, message):
    with pytest.raises(ValueError, match=message):
        shifted_digits(X, dx, 0)


def test_the_reference_reaches_97_percent_on_ten_seeds_and_at_most_99():
    """The module's docstring: 97.5% to 99% on the held-out fifth, over ten seeds."""
    X_train, y_train, X_dev, y_dev, X_test, y_test = _chapter_6_split()
    accuracies = []
    for seed in range(10):
        predict = train_digit_classifier(X_train, y_train, X_dev, y_dev, rng=np.random.default_rng(seed))
        accuracies.append(float(np.mean(predict(X_test) == y_test)))
    assert min(accuracies) >= 0.97 and round(min(accuracies), 3) >= 0.975 and max(accuracies) <= 0.995, accuracies


def test_the_same_rng_gives_the_same_classifier_and_an_example_its_label_alone():
    X_train, y_train, X_dev, y_dev, X_test, _ = _chapter_6_split()
    first = train_digit_classifier(X_train, y_train, X_dev, y_dev, rng=np.random.default_rng(3))
    second = train_digit_classifier(X_train, y_train, X_dev, y_dev, rng=np.random.default_rng(3))
    labels = first(X_test)
    np.testing.assert_array_equal(second(X_test), labels)
    alone = np.array([first(X_test[i:i + 1])[0] for i in range(0, len(X_test), 25)])
    np.testing.assert_array_equal(alone, labels[::25])
    assert labels.dtype.kind == "i"
