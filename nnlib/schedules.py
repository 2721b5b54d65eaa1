"""Learning-rate schedules (chapter 3): large steps early, smaller steps later.

Each takes the initial learning rate ``lr0`` and the epoch (0-based: epoch 0 uses lr0) and
returns the learning rate for that epoch as a python float.
"""

from __future__ import annotations

__all__ = ["inverse_time_decay", "exponential_decay", "step_decay"]


def _check_epoch(epoch: int, name: str) -> None:
    """Raise ValueError for a negative epoch."""
    if epoch < 0:
        raise ValueError(f"{name}: epoch must be >= 0 (epochs count from 0), got {epoch}")


def inverse_time_decay(lr0: float, epoch: int, decay_rate: float) -> float:
    """``lr0 / (1 + decay_rate * epoch)``: halved once ``epoch = 1 / decay_rate``."""
    ### BEGIN SOLUTION 03_optimizers
    _check_epoch(epoch, "inverse_time_decay")
    return float(lr0 / (1 + decay_rate * epoch))
    ### END SOLUTION 03_optimizers


def exponential_decay(lr0: float, epoch: int, rate: float) -> float:
    """``lr0 * rate ** epoch``: multiplied by ``rate`` (e.g. 0.95) every epoch."""
    ### BEGIN SOLUTION 03_optimizers
    _check_epoch(epoch, "exponential_decay")
    return float(lr0 * rate**epoch)
    ### END SOLUTION 03_optimizers


def step_decay(lr0: float, epoch: int, drop: float = 0.5, every: int = 10) -> float:
    """``lr0 * drop ** (epoch // every)``: multiplied by ``drop`` once every ``every`` epochs.

    With the defaults, epochs 0-9 use lr0, epochs 10-19 use lr0 / 2, and so on.
    """
    ### BEGIN SOLUTION 03_optimizers
    _check_epoch(epoch, "step_decay")
    if every < 1:
        raise ValueError(f"step_decay: every must be >= 1, got {every}")
    return float(lr0 * drop ** (epoch // every))
    ### END SOLUTION 03_optimizers
