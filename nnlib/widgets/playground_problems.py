"""The Playground's problems: its data sets (classification and regression) and input features.

Classification data sets are nnlib's own (``nnlib.datasets``: moons, circles, spirals, xor;
labels 0/1). The two regression data sets are defined here, as in the Neural Network
Playground: ``plane`` (a tilted plane) and ``gaussians`` (four bumps, two up and two down).
Their points are uniform in the square [-2, 2]^2 and their targets lie in [-1, 1] before noise.

Input features: the network sees a chosen set of functions of the point (x1, x2), among
``FEATURES``: x1, x2, x1², x2², x1·x2, sin x1, sin x2 (``input_features``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from nnlib.datasets import DATASETS, make_dataset

__all__ = [
    "CLASSIFICATION",
    "REGRESSION",
    "FEATURES",
    "FEATURE_LABELS",
    "is_regression",
    "make_plane",
    "make_gaussians",
    "make_regression",
    "make_data",
    "input_features",
]

CLASSIFICATION = DATASETS
REGRESSION = ("plane", "gaussians")

# name -> the feature as a function of X: (m, 2) -> (m,); in the order the network view lists them.
_FEATURE_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1x2": lambda X: X[:, 0] * X[:, 1],
    "sin_x1": lambda X: np.sin(X[:, 0]),
    "sin_x2": lambda X: np.sin(X[:, 1]),
}
FEATURES = tuple(_FEATURE_FUNCTIONS)
FEATURE_LABELS = {"x1": "X₁", "x2": "X₂", "x1^2": "X₁²", "x2^2": "X₂²", "x1x2": "X₁X₂",
                  "sin_x1": "sin X₁", "sin_x2": "sin X₂"}

# The four bumps of "gaussians": centre (x1, x2) and height.
_BUMPS = (((-1.0, -1.0), 1.0), ((1.0, 1.0), 1.0), ((-1.0, 1.0), -1.0), ((1.0, -1.0), -1.0))
_BUMP_WIDTH = 0.6


def is_regression(dataset: str) -> bool:
    """True for the regression data sets (``REGRESSION``), False for nnlib's classification ones."""
    if dataset not in CLASSIFICATION + REGRESSION:
        raise ValueError(f"unknown data set {dataset!r}; choose one of "
                         f"{', '.join(CLASSIFICATION + REGRESSION)}")
    return dataset in REGRESSION


def _uniform_points(n: int, noise: float, rng: np.random.Generator) -> np.ndarray:
    """X: (n, 2) points uniform in [-2, 2]^2 (after nnlib's own checks of n and noise)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer number of points >= 2, got {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite standard deviation >= 0, got {noise}")
    return rng.uniform(-2.0, 2.0, size=(n, 2))


def make_plane(n: int = 200, noise: float = 0.1,
               rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A tilted plane: target ``(x1 + x2) / 4`` (in [-1, 1]) plus Gaussian noise of std ``noise``.

    Returns X: (n, 2) float64 points uniform in [-2, 2]^2 and y: (n, 1) float64 targets.
    """
    rng = np.random.default_rng() if rng is None else rng
    X = _uniform_points(n, noise, rng)
    y = (X[:, 0] + X[:, 1]) / 4
    return X, (y + noise * rng.standard_normal(n))[:, None]


def make_gaussians(n: int = 200, noise: float = 0.1,
                   rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian bumps at (±1, ±1): up (+1) where x1 and x2 have the same sign, down (-1)
    where they differ, each of width 0.6; plus Gaussian noise of std ``noise``.

    Returns X: (n, 2) float64 points uniform in [-2, 2]^2 and y: (n, 1) float64 targets.
    """
    rng = np.random.default_rng() if rng is None else rng
    X = _uniform_points(n, noise, rng)
    y = np.zeros(n)
    for centre, height in _BUMPS:
        squared_distance = np.sum((X - np.asarray(centre)) ** 2, axis=1)
        y += height * np.exp(-squared_distance / (2 * _BUMP_WIDTH ** 2))
    return X, (y + noise * rng.standard_normal(n))[:, None]


def make_regression(name: str, n: int = 200, noise: float = 0.1,
                    rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The regression data set called ``name`` (one of ``REGRESSION``).

    Returns X: (n, 2) float64 points and y: (n, 1) float64 targets.
    """
    if name == "plane":
        return make_plane(n, noise, rng=rng)
    if name == "gaussians":
        return make_gaussians(n, noise, rng=rng)
    raise ValueError(f"unknown regression data set {name!r}; choose one of {', '.join(REGRESSION)}")


def make_data(name: str, n: int, noise: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Any Playground data set: X: (n, 2); y: (n,) int64 labels or (n, 1) float64 targets."""
    if is_regression(name):
        return make_regression(name, n, noise, rng=rng)
    return make_dataset(name, n, noise, rng=rng)


def input_features(X: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The columns ``names`` (each one of ``FEATURES``) computed from the points X: (m, 2).

    Returns (m, len(names)) float64, one column per name, in the order given.
    """
    unknown = [name for name in names if name not in _FEATURE_FUNCTIONS]
    if unknown or not names:
        raise ValueError(f"input features must be a non-empty choice of {', '.join(FEATURES)}; "
                         f"got {list(names)}")
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"input_features needs points X of shape (m, 2), got {X.shape}")
    return np.column_stack([_FEATURE_FUNCTIONS[name](X) for name in names])
