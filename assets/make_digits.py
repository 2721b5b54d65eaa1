"""One-off script that produced assets/digits.npz (kept to document where the file came from).

The course ships the 8x8 handwritten digits of the UCI "Optical Recognition of Handwritten
Digits" data set (Alpaydin & Kaynak, 1998; CC BY 4.0). scikit-learn bundles the 1797 test-set
images as sklearn/datasets/data/digits.csv.gz; this script reads them with
sklearn.datasets.load_digits and stores them as compact uint8 arrays:

    digits.npz
        X: (1797, 64) uint8, pixel counts 0..16, each row an 8x8 image read row by row
        y: (1797,)    uint8, the digit 0..9 of each row

scikit-learn is NOT a dependency of the course: run this in a throwaway environment, e.g.

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn numpy
    /tmp/skl/bin/python assets/make_digits.py

nnlib.datasets.load_digits reads the result and scales the pixels to [0, 1].
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parent / "digits.npz"


def main() -> None:
    bunch = load_digits()
    data = np.asarray(bunch.data)
    target = np.asarray(bunch.target)

    # The pixel values are whole counts 0..16, so uint8 holds them exactly.
    if data.shape != (1797, 64) or target.shape != (1797,):
        raise ValueError(f"unexpected shapes {data.shape} and {target.shape}")
    if not np.array_equal(data, np.round(data)) or data.min() < 0 or data.max() > 16:
        raise ValueError("pixel values are not whole numbers in 0..16")
    if set(np.unique(target).tolist()) != set(range(10)):
        raise ValueError("labels are not the digits 0..9")

    X = data.astype(np.uint8)
    y = target.astype(np.uint8)
    np.savez_compressed(OUT, X=X, y=y)
    print(f"wrote {OUT}: X {X.shape} {X.dtype}, y {y.shape} {y.dtype}")


if __name__ == "__main__":
    main()
