"""Data sets for the course, all offline.

Toy 2-D classification sets, generated from a seed (two classes, labels 0 and 1):

    make_moons      two interleaving half circles
    make_circles    a small circle inside a large one
    make_spirals    two spiral arms wound around each other
    make_xor        opposite quadrants share a class

Each returns ``X: (n, 2) float64`` points and ``y: (n,) int64`` labels, with the classes
balanced (sizes differ by at most one, class 0 gets the odd point) and the rows in random
order. ``noise`` is the standard deviation of the Gaussian noise added to each coordinate,
in the same units as the points (every clean shape fits in the square [-2, 2]^2).

One real data set, shipped in ``assets/digits.npz``:

    load_digits     1797 handwritten digits as 8x8 images (UCI, CC BY 4.0)
"""

from pathlib import Path

import numpy as np

__all__ = [
    "DATASETS",
    "DIGITS_PATH",
    "make_moons",
    "make_circles",
    "make_spirals",
    "make_xor",
    "make_dataset",
    "load_digits",
]

DATASETS = ("moons", "circles", "spirals", "xor")

# nnlib/../assets/digits.npz: the assets folder sits next to the nnlib package.
DIGITS_PATH = Path(__file__).resolve().parent.parent / "assets" / "digits.npz"


def _check_size_and_noise(n: int, noise: float) -> None:
    """Raise ValueError unless n is a whole number >= 2 and noise is finite and >= 0."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an integer number of points, got {type(n).__name__}")
    if n < 2:
        raise ValueError(f"n must be at least 2 (one point per class), got {n}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite standard deviation >= 0, got {noise}")


def _class_sizes(n: int) -> tuple[int, int]:
    """Split n points into two classes whose sizes differ by at most one."""
    n1 = n // 2
    return n - n1, n1


def _finish(X0: np.ndarray, X1: np.ndarray, noise: float,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Stack the clean points of both classes, add noise, shuffle the rows.

    X0: (n0, 2) points of class 0; X1: (n1, 2) points of class 1.
    Returns X: (n0 + n1, 2) float64 and y: (n0 + n1,) int64.
    """
    X = np.concatenate([X0, X1]).astype(np.float64)
    y = np.concatenate([np.zeros(len(X0), dtype=np.int64), np.ones(len(X1), dtype=np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(X))
    return X[order], y[order]


def make_moons(n: int = 200, noise: float = 0.1,
               rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles ("moons") of radius 1.

    Class 0 is the upper half of the unit circle centred at (0, 0); class 1 is the lower half
    of the unit circle centred at (1, 0.5), so each moon reaches into the other's hollow.

    n: number of points; noise: std of the Gaussian noise on each coordinate.
    Returns X: (n, 2) float64 points and y: (n,) int64 labels in {0, 1}.
    """
    _check_size_and_noise(n, noise)
    rng = np.random.default_rng() if rng is None else rng
    n0, n1 = _class_sizes(n)
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    return _finish(upper, lower, noise, rng)


def make_circles(n: int = 200, noise: float = 0.1, factor: float = 0.5,
                 rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one, both centred at the origin.

    Class 0 lies on the circle of radius 1, class 1 on the circle of radius ``factor``.

    n: number of points; noise: std of the Gaussian noise on each coordinate;
    factor: radius of the inner circle, 0 < factor < 1.
    Returns X: (n, 2) float64 points and y: (n,) int64 labels in {0, 1}.
    """
    _check_size_and_noise(n, noise)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor (inner radius) must be strictly between 0 and 1, got {factor}")
    rng = np.random.default_rng() if rng is None else rng
    n0, n1 = _class_sizes(n)
    t0 = np.linspace(0.0, 2.0 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0.0, 2.0 * np.pi, n1, endpoint=False)
    outer = np.column_stack([np.cos(t0), np.sin(t0)])
    inner = factor * np.column_stack([np.cos(t1), np.sin(t1)])
    return _finish(outer, inner, noise, rng)


def make_spirals(n: int = 200, noise: float = 0.1, turns: float = 1.25,
                 rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two spiral arms wound around each other (the second is the first turned by 180 degrees).

    Along an arm the angle grows from 0 to ``turns`` full turns while the radius grows
    linearly from 0.2 to 2, so the clean points lie at distance 0.2..2 from the origin.
    (The arms are larger than the other shapes so that the default noise keeps them apart.)

    n: number of points; noise: std of the Gaussian noise on each coordinate;
    turns: how many times each arm winds around the origin (> 0).
    Returns X: (n, 2) float64 points and y: (n,) int64 labels in {0, 1}.
    """
    _check_size_and_noise(n, noise)
    if not np.isfinite(turns) or turns <= 0:
        raise ValueError(f"turns must be a positive number, got {turns}")
    rng = np.random.default_rng() if rng is None else rng
    n0, n1 = _class_sizes(n)
    arms = []
    for size, offset in ((n0, 0.0), (n1, np.pi)):
        s = np.linspace(0.0, 1.0, size)           # position along the arm, 0 at the centre
        radius = 0.2 + 1.8 * s
        angle = 2.0 * np.pi * turns * s + offset
        arms.append(radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]))
    return _finish(arms[0], arms[1], noise, rng)


def make_xor(n: int = 200, noise: float = 0.1,
             rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The XOR pattern: points in the square [-1, 1]^2, labelled by the quadrant.

    Class 0 fills the quadrants where x and y have the same sign (upper right, lower left),
    class 1 those where the signs differ; each class is split evenly between its two quadrants.
    No linear boundary separates the classes.

    n: number of points; noise: std of the Gaussian noise on each coordinate.
    Returns X: (n, 2) float64 points and y: (n,) int64 labels in {0, 1}.
    """
    _check_size_and_noise(n, noise)
    rng = np.random.default_rng() if rng is None else rng
    n0, n1 = _class_sizes(n)
    classes = []
    for size, y_sign in ((n0, 1.0), (n1, -1.0)):
        corner = rng.uniform(0.0, 1.0, size=(size, 2))          # in the upper-right quadrant
        flip = np.where(np.arange(size) % 2 == 0, 1.0, -1.0)    # half go to the opposite one
        corner[:, 0] *= flip
        corner[:, 1] *= flip * y_sign
        classes.append(corner)
    return _finish(classes[0], classes[1], noise, rng)


def make_dataset(name: str, n: int = 200, noise: float = 0.1,
                 rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Make the toy data set called ``name`` (one of ``DATASETS``) with default shape options.

    Returns X: (n, 2) float64 points and y: (n,) int64 labels in {0, 1}.
    """
    if name == "moons":
        return make_moons(n, noise, rng=rng)
    if name == "circles":
        return make_circles(n, noise, rng=rng)
    if name == "spirals":
        return make_spirals(n, noise, rng=rng)
    if name == "xor":
        return make_xor(n, noise, rng=rng)
    raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")


def load_digits(dtype: type = np.float64,
                path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits (UCI "Optical Recognition of Handwritten Digits", CC BY 4.0).

    Each image is 8x8 blocks of a 32x32 scan; a pixel counts the ink in its block (0..16).
    The counts are divided by 16 so that pixels lie in [0, 1].

    dtype: floating dtype of X (np.float32 for fast training);
    path: the .npz file to read (default: ``DIGITS_PATH``, assets/digits.npz beside nnlib).
    Returns X: (1797, 64) pixels in [0, 1], each row an image read row by row, and
    y: (1797,) int64 digits 0..9.
    """
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating type such as np.float32, got {dtype}")
    path = DIGITS_PATH if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"digits data set not found at {path}; it ships with the course in assets/ "
            "(see assets/README.md)")
    with np.load(path) as data:
        pixels = data["X"]
        labels = data["y"]
    X = pixels.astype(dtype) / dtype.type(16)
    y = labels.astype(np.int64)
    return X, y
