"""Mini-batches (chapter 3): one pass over the data, cut into shuffled pieces.

Batch gradient descent uses every example for each step (accurate but slow steps);
stochastic gradient descent uses one (fast but noisy); mini-batch gradient descent uses a
few dozen to a few hundred, which gets most of the accuracy at a fraction of the cost and
keeps numpy's vectorised code busy.
"""

from __future__ import annotations

import numpy as np

__all__ = ["minibatches"]


def minibatches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None = None,
    shuffle: bool = True,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split (X, y) into mini-batches for one epoch.

    X: (m, ...) examples; y: (m, ...) targets, row i of y belongs to row i of X.
    batch_size: examples per batch (>= 1); the last batch holds the m % batch_size left
    over, if any (it is kept, not dropped).
    rng: source of randomness for the shuffle (same seed, same batches).
    shuffle: if True, one random permutation is applied to X and y together, so every pair
    stays matched; if False the batches follow the original order.

    Returns a list of (Xb, yb) pairs, Xb (b, ...) and yb (b, ...), new arrays with the
    dtypes of X and y; together they hold every example exactly once.
    """
    ### BEGIN SOLUTION 03_optimizers
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ValueError(
            f"minibatches: X and y must have the same number of rows, got shapes {X.shape} and {y.shape}"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"minibatches: batch_size must be an integer >= 1, got {batch_size!r}")
    m = X.shape[0]
    if shuffle:
        rng = np.random.default_rng() if rng is None else rng
        order = rng.permutation(m)
    else:
        order = np.arange(m)
    batches = []
    for start in range(0, m, batch_size):
        idx = order[start : start + batch_size]
        batches.append((X[idx], y[idx]))
    return batches
    ### END SOLUTION 03_optimizers
