"""Tests of nnlib.schedules: learning-rate decay."""

from __future__ import annotations

import numpy as np
import pytest

from nnlib.schedules import exponential_decay, inverse_time_decay, step_decay


@pytest.mark.parametrize(
    "schedule",
    [
        lambda lr0, epoch: inverse_time_decay(lr0, epoch, decay_rate=0.5),
        lambda lr0, epoch: exponential_decay(lr0, epoch, rate=0.9),
        lambda lr0, epoch: step_decay(lr0, epoch),
        lambda lr0, epoch: step_decay(lr0, epoch, drop=0.1, every=1),
    ],
)
def test_every_schedule_starts_at_lr0_and_never_increases(schedule):
    assert schedule(0.3, 0) == 0.3
    rates = [schedule(0.3, epoch) for epoch in range(40)]
    assert all(later <= earlier for earlier, later in zip(rates, rates[1:]))
    assert rates[-1] < 0.3


def test_inverse_time_decay_values():
    assert inverse_time_decay(1.0, 4, 0.25) == pytest.approx(0.5)
    assert inverse_time_decay(0.1, 10, 1.0) == pytest.approx(0.1 / 11)
    assert inverse_time_decay(0.2, 7, 0.0) == 0.2


def test_exponential_decay_values():
    assert exponential_decay(1.0, 3, 0.5) == pytest.approx(0.125)
    assert exponential_decay(0.01, 10, 0.95) == pytest.approx(0.01 * 0.95**10)


def test_step_decay_changes_only_at_multiples_of_every():
    assert [step_decay(1.0, e) for e in (0, 9, 10, 19, 20, 29, 30)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    assert [step_decay(0.8, e, drop=0.1, every=3) for e in (2, 3, 5, 6)] == pytest.approx([0.8, 0.08, 0.08, 0.008])


@pytest.mark.parametrize(
    "call",
    [
        lambda: inverse_time_decay(np.float64(0.1), np.int64(3), 0.5),
        lambda: exponential_decay(0.1, np.int64(3), np.float32(0.5)),
        lambda: step_decay(np.float32(0.1), np.int64(25)),
        lambda: step_decay(1, 0),
    ],
)
def test_schedules_return_python_floats_even_from_numpy_scalars(call):
    assert type(call()) is float


@pytest.mark.parametrize(
    "call",
    [
        lambda: inverse_time_decay(0.1, -1, 0.5),
        lambda: exponential_decay(0.1, -1, 0.5),
        lambda: step_decay(0.1, -1),
        lambda: step_decay(0.1, 5, every=0),
    ],
)
def test_bad_epoch_or_interval_raises(call):
    with pytest.raises(ValueError, match="epoch|every"):
        call()
