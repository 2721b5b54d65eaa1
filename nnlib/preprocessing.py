"""Preparing data for a network: standardisation (chapter 1), one-hot labels, train/test split.

``standardize`` is an exercise of chapter 1; ``one_hot`` and ``train_test_split`` are
building blocks that every chapter may use.
"""

from __future__ import annotations

import numpy as np

__all__ = ["standardize", "one_hot", "train_test_split"]


def _as_float_matrix(X: np.ndarray, name: str) -> np.ndarray:
    """X as a 2-D float array (float32 stays float32; integers become float64)."""
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"standardize: {name} must have shape (m, n_features), got shape {X.shape}")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    return X


def standardize(X_train: np.ndarray, X_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Give every feature mean 0 and std 1, using statistics of the TRAINING set only.

    Each column becomes ``(x - mean) / std`` with the training set's per-feature mean and
    population std (ddof=0, like scikit-learn's StandardScaler); the test set is transformed
    with the same numbers, so no information about it leaks into the model. A feature that
    is constant in the training set (std 0) is divided by 1 instead of 0: it is centred only.

    X_train: (m_train, n) features; X_test: (m_test, n) features, same n.
    Returns (X_train_s, X_test_s): new float arrays of the same shapes (float32 in,
    float32 out); the inputs are not modified.
    """
    ### BEGIN SOLUTION 01_feedforward
    X_train = _as_float_matrix(X_train, "X_train")
    X_test = _as_float_matrix(X_test, "X_test")
    if X_train.shape[0] == 0:
        raise ValueError("standardize: X_train has no rows")
    if X_test.shape[1] != X_train.shape[1]:
        raise ValueError(
            f"standardize: X_train has {X_train.shape[1]} features but X_test has {X_test.shape[1]}"
        )
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    # A constant feature can still get a std like 1e-17 from rounding in the mean, so we
    # find constant features exactly (max == min) rather than by comparing std with 0.
    constant = X_train.max(axis=0) == X_train.min(axis=0)
    std[constant] = 1
    return (X_train - mean) / std, (X_test - mean) / std
    ### END SOLUTION 01_feedforward


def one_hot(y: np.ndarray, k: int, dtype: np.dtype | type = np.float64) -> np.ndarray:
    """Integer labels to one-hot rows: row i is all zeros except a 1 in column ``y[i]``.

    y: (m,) integer labels in [0, k); k: number of classes; dtype: of the result.
    Returns (m, k) array.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"one_hot: y must be a 1-D array of labels, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"one_hot: y must hold integer labels, got dtype {y.dtype} (use y.astype(int))")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"one_hot: k must be a positive integer number of classes, got {k!r}")
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"one_hot: labels must lie in [0, {k}), got min {y.min()}, max {y.max()}")
    encoded = np.zeros((y.shape[0], k), dtype=dtype)
    encoded[np.arange(y.shape[0]), y] = 1
    return encoded


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_size: float = 0.2,
    rng: np.random.Generator | None = None,
    stratify: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the examples and split them into a training set and a test set.

    X: (m, ...) examples; y: (m, ...) targets, row i of y belongs to row i of X.
    test_size: fraction of the examples for the test set, in (0, 1); the test set gets
    ``round(test_size * m)`` of them, at least 1 and at most m - 1.
    rng: source of randomness (same seed, same split).
    stratify: if True, y must be integer class labels (m,) and each class is split on its
    own (its test share rounded, at least one example of it left for training), so both sets
    keep about the class proportions of y; useful for small or unbalanced data sets.

    Returns (X_train, X_test, y_train, y_test), new arrays in a shuffled order, dtypes kept.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    m = X.shape[0] if X.ndim else 0
    if y.ndim == 0 or y.shape[0] != m:
        raise ValueError(f"train_test_split: X has {m} rows but y has shape {y.shape}")
    if not 0 < test_size < 1:
        raise ValueError(f"train_test_split: test_size must be a fraction in (0, 1), got {test_size!r}")
    if m < 2:
        raise ValueError(f"train_test_split: need at least 2 examples to split, got {m}")
    rng = np.random.default_rng() if rng is None else rng

    if stratify:
        if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            raise ValueError("train_test_split: stratify=True needs y to be integer labels of shape (m,)")
        test_parts = []
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            n_test = min(int(round(test_size * members.size)), members.size - 1)
            test_parts.append(members[:n_test])
        test_idx = np.concatenate(test_parts)
        if test_idx.size == 0:
            raise ValueError("train_test_split: test_size is too small, the test set would be empty")
    else:
        n_test = min(max(int(round(test_size * m)), 1), m - 1)
        test_idx = rng.permutation(m)[:n_test]

    in_test = np.zeros(m, dtype=bool)
    in_test[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~in_test))
    test_idx = rng.permutation(test_idx)
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]
