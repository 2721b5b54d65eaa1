"""Successive halving (chapter 6): a small budget for many settings, more for the promising.

Random search gives every setting the same training budget, and most of it goes to settings
that are visibly bad after one epoch. Successive halving (Jamieson and Talwalkar, 2016) trains
every candidate with a small budget, keeps the best ``1 / eta`` of them, multiplies the budget
by ``eta`` and repeats until one is left. With ``n = eta**s`` candidates every round costs
about the same, ``n * min_budget``, so the whole search costs about ``(s + 1)`` rounds of
that instead of ``n`` full runs. Hyperband (Li et al., 2018) runs several successive halvings
with different trade-offs between the number of candidates and the starting budget.

The scores at a small budget only estimate those at a large one: a setting that starts slowly
(a small learning rate) can be dropped too early. That is short-horizon bias.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nnlib.tuning import _best_first

__all__ = ["successive_halving"]


def successive_halving(
    candidates: Sequence[dict[str, Any]],
    objective: Callable[[dict[str, Any], int], float],
    min_budget: int = 1,
    eta: int = 3,
) -> list[tuple[int, list[tuple[dict[str, Any], float]]]]:
    """Successive halving over a list of settings; lower scores are better.

    candidates: the settings to compare (dicts of hyper-parameters, e.g. from random sampling).
    objective: ``objective(params, budget) -> score``: train with ``params`` for ``budget``
        units (epochs, say) from scratch and return the dev loss; it receives a copy of params.
    min_budget: the budget of the first round (>= 1); round k gets ``min_budget * eta**k``.
    eta: the reduction factor (>= 2): each round keeps the best ``len // eta`` (at least one).
    The rounds go on until a round has evaluated a single candidate.
    Returns the rounds in order: a list of ``(budget, results)`` with results the
    ``(params, score)`` of that round, best first (ties keep their order, NaN scores last);
    the winner is ``rounds[-1][1][0][0]``.
    """
    ### BEGIN SOLUTION 06_tuning
    if len(candidates) == 0:
        raise ValueError("successive_halving needs at least one candidate")
    if not (int(min_budget) == min_budget and min_budget >= 1):
        raise ValueError(f"min_budget must be a whole number >= 1, got {min_budget}")
    if not (int(eta) == eta and eta >= 2):
        raise ValueError(f"eta is the reduction factor and must be a whole number >= 2, got {eta}")
    survivors, budget, rounds = list(candidates), int(min_budget), []
    while True:
        results = _best_first([(params, float(objective(dict(params), budget))) for params in survivors])
        rounds.append((budget, results))
        if len(results) == 1:
            return rounds
        survivors = [params for params, _ in results[: max(1, len(results) // int(eta))]]
        budget *= int(eta)
    ### END SOLUTION 06_tuning
