"""Early stopping (chapter 4, regularization).

Training longer first lowers the validation loss, then raises it again as the network starts
to memorise the training set. Early stopping watches the validation loss epoch by epoch,
stops once it has not reached a new lowest value for ``patience`` epochs in a row, and keeps
the weights of the best epoch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["early_stopping_epoch"]


def early_stopping_epoch(val_losses: Sequence[float] | np.ndarray, patience: int) -> int:
    """Epoch whose weights early stopping keeps, given the validation loss of every epoch.

    The epochs are scanned in order, as during training. An epoch improves when its loss is
    strictly lower than every loss before it (a tie is not an improvement; NaN never is).
    Training stops at the first epoch that makes ``patience`` consecutive epochs without an
    improvement; the epochs after it are never seen. This is Keras's
    ``EarlyStopping(patience=patience, min_delta=0, restore_best_weights=True)``.

    val_losses: (n_epochs,) validation loss after each epoch, epoch 0 first; not empty.
    patience: how many epochs in a row without improvement stop training (>= 1).
    Returns the 0-based index of the lowest loss seen up to the stopping epoch (up to the
    last epoch if training never stopped), as a python int.

    Example: losses [1.0, 0.8, 0.9, 0.85, 0.7] with patience 2 stop at epoch 3 (epochs 2 and
    3 do not beat 0.8) and return 1; the 0.7 of epoch 4 is never seen.
    """
    ### BEGIN SOLUTION 04_regularization
    if not patience >= 1:
        raise ValueError(f"patience must be >= 1, got {patience}")
    losses = np.asarray(val_losses, dtype=np.float64)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"val_losses must be a non-empty 1-D sequence, got shape {losses.shape}")
    best_loss = np.inf
    best_epoch = 0
    epochs_without_improvement = 0
    for epoch, loss in enumerate(losses):
        if loss < best_loss:
            best_loss = loss
            best_epoch = epoch
            epochs_without_improvement = 0
        else:
            epochs_without_improvement += 1
            if epochs_without_improvement >= patience:
                break
    return best_epoch
    ### END SOLUTION 04_regularization
