"""Walk-forward folds over the union timeline, and a variant's figures on each.

A variant is simulated once over the whole period (its indicators warm up on all earlier
bars, as they would for a trader running it); a fold's figures come from the stretch of
its equity curve inside the fold and the trades that closed there. Anchored folds: fold
``k`` optimises on every bar before it and is tested on its own bars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.sweep.objectives import Score, score


@dataclass(frozen=True)
class Fold:
    """In-sample ``[0, split)`` and out-of-sample ``[split, end)`` as union indices."""

    split: int
    end: int


def make_folds(n_bars: int, k: int, min_bars: int = 20) -> list[Fold]:
    """``k`` anchored folds: the bars are cut into ``k + 1`` equal blocks; fold ``i``
    trains on blocks ``0..i`` and tests on block ``i + 1``.

    Raises:
        ValueError: when a block would hold fewer than ``min_bars`` bars.
    """
    if k < 1:
        raise ValueError("--walk-forward needs at least 1 fold")
    size = n_bars // (k + 1)
    if size < min_bars:
        most = max(n_bars // min_bars - 1, 0)
        raise ValueError(
            f"{k} walk-forward folds need {(k + 1) * min_bars} bars ({min_bars} a block) but "
            f"the data has {n_bars}; use at most {most} fold(s)"
            if most
            else f"the data has only {n_bars} bars: too few for a walk-forward test"
        )
    edges = [size * (i + 1) for i in range(k + 1)]
    edges[-1] = n_bars
    return [Fold(edges[i], edges[i + 1]) for i in range(k)]


def window_score(
    equity: np.ndarray, exit_t: np.ndarray, pnl: np.ndarray, lo: int, hi: int, ppy: float
) -> Score:
    """Figures of bars ``[lo, hi)``: returns from the close before ``lo`` (or ``lo``)."""
    start = max(lo - 1, 0)
    inside = (exit_t >= lo) & (exit_t < hi)
    return score(equity[start:hi], pnl[inside], ppy)


def stitched(curves: list[np.ndarray]) -> np.ndarray:
    """One equity curve from consecutive stretches (each rescaled to continue the last)."""
    out = [curves[0]]
    for c in curves[1:]:
        out.append(c[1:] / c[0] * out[-1][-1])
    return np.concatenate(out)
