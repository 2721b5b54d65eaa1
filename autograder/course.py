"""The chapters of the course, in teaching order.

Each chapter is one nbgrader assignment whose source notebook is
``notebooks/<chapter>/<chapter>.ipynb``; its id is also the label of its solution
regions in nnlib (see ``autograder.strip``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CHAPTERS", "EXERCISES", "REPO_ROOT", "NOTEBOOKS_DIR", "NNLIB_DIR", "chapter_index", "source_notebook"]

CHAPTERS: tuple[str, ...] = (
    "01_feedforward",
    "02_backprop",
    "03_optimizers",
    "04_regularization",
    "05_batchnorm",
    "06_tuning",
)

# The graded exercises of each chapter: nnlib function names (API.md). In a chapter's
# notebook each one is a solution cell with grade_id <name>, followed by its test cell
# with grade_id test_<name>.
EXERCISES: dict[str, tuple[str, ...]] = {
    "01_feedforward": (
        "sigmoid", "tanh", "relu", "leaky_relu", "softmax", "dense_forward", "xavier", "he",
        "standardize", "mse", "mae", "huber", "binary_cross_entropy", "softmax_cross_entropy",
    ),
    "02_backprop": (
        "sigmoid_backward", "tanh_backward", "relu_backward", "leaky_relu_backward",
        "dense_backward", "mse_backward", "mae_backward", "huber_backward",
        "binary_cross_entropy_backward", "softmax_cross_entropy_backward",
        "numerical_gradient", "relative_error", "mlp_forward", "mlp_backward",
    ),
    "03_optimizers": (
        "minibatches", "ewa", "sgd_update", "momentum_update", "nesterov_update", "rmsprop_update",
        "adam_update", "inverse_time_decay", "exponential_decay", "step_decay", "train_loop",
        "initial_loss_check", "overfit_small_set", "gradient_check",
    ),
    "04_regularization": (
        "l2_penalty", "l2_grad", "adamw_update", "l1_penalty", "l1_grad", "dropout_forward",
        "dropout_backward", "early_stopping_epoch",
    ),
    "05_batchnorm": (
        "batchnorm_forward", "batchnorm_backward", "layernorm_forward", "layernorm_backward",
    ),
    "06_tuning": (
        "log_uniform", "grid_search", "random_search", "successive_halving", "diagnose",
        "train_digit_classifier",
    ),
}

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
NNLIB_DIR = REPO_ROOT / "nnlib"


def chapter_index(chapter: str) -> int:
    """Position of ``chapter`` in the course (0-based); ValueError names the known chapters."""
    try:
        return CHAPTERS.index(chapter)
    except ValueError:
        raise ValueError(f"unknown chapter {chapter!r}; the chapters are {', '.join(CHAPTERS)}") from None


def source_notebook(chapter: str) -> Path:
    """Path of the nbgrader source notebook of ``chapter``."""
    chapter_index(chapter)
    return NOTEBOOKS_DIR / chapter / f"{chapter}.ipynb"
