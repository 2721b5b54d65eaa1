"""A short tour of nnlib: train a small network on handwritten digits in a few seconds.

    python -m nnlib.tour [--epochs N] [--out DIR] [--seed S]

The steps are the ones the course builds up chapter by chapter:

1. load the 8x8 digits shipped in assets/ (1797 images, 10 classes);
2. split them into a training and a test set (seeded, class proportions kept);
3. standardise every pixel with the training set's mean and std;
4. build a multi-layer perceptron 64 -> 64 -> 10 with ReLU and He initialisation, in float32;
5. train it with Adam on the softmax cross-entropy, in mini-batches, with a progress bar;
6. report the accuracy on the test set and save the loss curves as a PNG.
"""

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from nnlib.datasets import load_digits
from nnlib.layers import Dense, ReLU
from nnlib.optimizers import Adam
from nnlib.preprocessing import standardize, train_test_split
from nnlib.sequential import Sequential
from nnlib.training import History, evaluate, fit
from nnlib.viz import plot_history

# main() is the command line, not a library function, so it stays out of __all__.
__all__ = ["TourResult", "run_tour"]

DEFAULT_OUT = Path("_work") / "tour"
"""Where the figure goes by default, relative to the current directory (git-ignored)."""


@dataclass
class TourResult:
    """What the tour measured."""

    test_accuracy: float   # fraction of test images classified correctly
    test_loss: float       # mean softmax cross-entropy on the test set
    figure: Path           # the saved loss curves (PNG)
    seconds: float         # wall-clock time of the whole tour
    history: History       # per-epoch loss and accuracy, training and test
    model: Sequential      # the trained network


def run_tour(epochs: int = 20, out: str | Path = DEFAULT_OUT, seed: int = 0,
             progress: bool = True) -> TourResult:
    """Train a 64-64-10 network on the digits and save its loss curves in ``out``.

    epochs: passes over the training set; out: folder for loss_curve.png (created if needed);
    seed: seeds the split, the initial weights and the mini-batch order (same seed, same
    result); progress: show a progress bar while training.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)

    # 1-3. Data: pixels in [0, 1] as float32, a stratified 80/20 split, standardised.
    X, y = load_digits(dtype=np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, rng=rng,
                                                        stratify=True)
    X_train, X_test = standardize(X_train, X_test)

    # 4. Model: the last layer outputs 10 logits, one per digit (softmax is in the loss).
    model = Sequential(
        Dense(64, 64, init="he", rng=rng, dtype=np.float32),
        ReLU(),
        Dense(64, 10, init="he", rng=rng, dtype=np.float32),
    )

    # 5. Training. The test set is only watched (the "val" curves), never trained on.
    history = fit(model, X_train, y_train, loss="softmax_cross_entropy",
                  optimizer=Adam(lr=0.005), epochs=epochs, batch_size=32,
                  validation_data=(X_test, y_test), rng=rng, progress=progress)

    # 6. Results.
    scores = evaluate(model, X_test, y_test, loss="softmax_cross_entropy")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    figure = out / "loss_curve.png"
    axes = plot_history(history, metrics=("loss", "accuracy"))
    axes[0].set_title("Softmax cross-entropy per epoch")
    axes[1].set_title("Accuracy per epoch")
    for ax in axes:
        for line in ax.get_lines():
            if line.get_label() == "validation":
                line.set_label("test")
        ax.legend()
    fig = axes[0].figure
    fig.suptitle(f"nnlib tour: 64-64-10 MLP on the 8x8 digits "
                 f"(test accuracy {scores['accuracy']:.1%})")
    fig.savefig(figure, dpi=100)
    plt.close(fig)

    return TourResult(test_accuracy=scores["accuracy"], test_loss=scores["loss"],
                      figure=figure, seconds=time.perf_counter() - start,
                      history=history, model=model)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the tour and print what it found. Returns the exit status (0)."""
    parser = argparse.ArgumentParser(prog="python -m nnlib.tour", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=20, help="passes over the training set (default 20)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"folder for the figure (default {DEFAULT_OUT})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    # The command line only writes files: draw off-screen, whatever the default backend is.
    # (Not at import time, which would take the inline plots away from a notebook.)
    matplotlib.use("Agg")

    print("nnlib tour: a 64-64-10 network learns the 8x8 handwritten digits")
    result = run_tour(epochs=args.epochs, out=args.out, seed=args.seed)
    print(result.model)
    print(f"final training loss {result.history['loss'][-1]:.4f}, "
          f"test loss {result.test_loss:.4f}")
    print(f"test accuracy: {result.test_accuracy:.2%}")
    print(f"loss curves saved to {result.figure.resolve()}")
    print(f"done in {result.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
