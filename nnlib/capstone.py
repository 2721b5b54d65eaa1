"""The course's capstone (chapter 6): a digit classifier built, tuned and trained end to end.

``train_digit_classifier`` is the reference answer of the last exercise: it uses only pieces
of chapters 1 to 6 (standardisation, dense layers with ReLU, Adam, an L2 penalty, a
learning-rate decay, a search on the dev set) and one idea the course mentions but never built,
data augmentation: every training image is also shown shifted by one pixel in each of the
eight directions, which does not change a digit's label. On the held-out fifth of the digits
it reaches 97.5% to 99% (over ten seeds) in a few seconds of training.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnlib.layers import Dense, ReLU
from nnlib.optimizers import Adam
from nnlib.preprocessing import standardize
from nnlib.schedules import exponential_decay
from nnlib.sequential import Sequential
from nnlib.training import evaluate, fit

__all__ = ["shifted_digits", "train_digit_classifier"]


def shifted_digits(X: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """The 8x8 images of X moved by ``dx`` pixels right and ``dy`` pixels down, zeros shifted in.

    X: (m, 64) flattened 8x8 images (rows of pixels); dx, dy: shifts in -7..7.
    Returns a new (m, 64) array of X's dtype.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 64:
        raise ValueError(f"X must hold flattened 8x8 images, shape (m, 64), got {X.shape}")
    if not (abs(int(dx)) < 8 and abs(int(dy)) < 8):
        raise ValueError(f"shifts must be in -7..7, got dx={dx}, dy={dy}")
    images = X.reshape(-1, 8, 8)
    moved = np.zeros_like(images)
    rows_to, rows_from = slice(max(dy, 0), 8 + min(dy, 0)), slice(max(-dy, 0), 8 + min(-dy, 0))
    cols_to, cols_from = slice(max(dx, 0), 8 + min(dx, 0)), slice(max(-dx, 0), 8 + min(-dx, 0))
    moved[:, rows_to, cols_to] = images[:, rows_from, cols_from]
    return moved.reshape(-1, 64)


def train_digit_classifier(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_dev: np.ndarray,
    y_dev: np.ndarray,
    rng: np.random.Generator | None = None,
) -> Callable[[np.ndarray], np.ndarray]:
    """Tune, train and return a classifier of 8x8 digits.

    X_train: (m, 64) pixels in [0, 1], y_train: (m,) labels 0..9, the examples to learn from;
    X_dev, y_dev: held out from training, to choose the hyper-parameters on (then learned from
    too); rng: seeds the search, the weights and the mini-batches.
    Returns predict: a function (k, 64) pixels -> (k,) int labels, the same for an example
    alone or in any batch (no training-mode randomness or batch statistics at prediction).
    """
    ### BEGIN SOLUTION 06_tuning
    rng = np.random.default_rng() if rng is None else rng
    seed = int(rng.integers(2**31))

    def train(params: dict, X: np.ndarray, y: np.ndarray, epochs: int) -> Sequential:
        # 64 pixels -> 256 ReLU -> 128 ReLU -> 10 logits, Adam with L2 and a decaying η.
        weights = np.random.default_rng(seed)
        model = Sequential(Dense(64, 256, rng=weights, dtype=np.float32), ReLU(),
                           Dense(256, 128, rng=weights, dtype=np.float32), ReLU(),
                           Dense(128, 10, rng=weights, dtype=np.float32))
        lr = params["lr"]
        fit(model, X, y, optimizer=Adam(lr), epochs=epochs, batch_size=64, l2=params["lam"],
            schedule=lambda epoch: exponential_decay(lr, epoch, 0.85), rng=np.random.default_rng(seed),
            progress=False)
        return model

    # 1. Tune η and λ on the dev set: a grid of nine settings, three epochs each.
    X_fit, X_dev_s = standardize(X_train, X_dev)
    candidates = [{"lr": lr, "lam": lam} for lr in (0.001, 0.003, 0.01) for lam in (0.1, 1.0, 10.0)]
    best = min(candidates, key=lambda params: evaluate(train(params, X_fit, y_train, 3), X_dev_s, y_dev)["loss"])

    # 2. Train on training and dev examples together, each also shifted by one pixel eight ways.
    X_all, y_all = np.vstack([X_train, X_dev]), np.concatenate([y_train, y_dev])
    shifts = [(dx, dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)]
    X_big = np.vstack([X_all] + [shifted_digits(X_all, dx, dy) for dx, dy in shifts])
    X_big_s, _ = standardize(X_big, X_all[:1])
    model = train(best, X_big_s, np.tile(y_all, 9), epochs=10)

    def predict(X: np.ndarray) -> np.ndarray:
        _, X_s = standardize(X_big, np.asarray(X, dtype=np.float32))
        return model.predict(X_s).argmax(axis=1)

    return predict
    ### END SOLUTION 06_tuning
