"""``run_sweep``: search a spec's parameters, with the overfitting guards built in.

The search (a full grid, or optuna's TPE for ``trials`` variants) proposes parameter
values; each variant is bound to a plain spec and run (:mod:`app.sweep.evaluate`) on the
chosen backend. Without walk-forward the whole period is in-sample, and CSCV measures how
far the in-sample winner falls out of sample. With ``walk_forward=K`` each anchored fold
picks its winner on the bars before it and is scored on its own bars; the stitched
out-of-sample curve is the honest figure.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from app.backtest.metrics import periods_per_year
from app.execution.costs import ZERO, CostModel
from app.spec.models import StrategySpec
from app.sweep.backends import run_batches
from app.sweep.evaluate import Context, Outcome
from app.sweep.folds import Fold, make_folds, stitched, window_score
from app.sweep.objectives import OBJECTIVES, Score, best_index, objective_fn, score
from app.sweep.overfit import PBO, deflated_sharpe, pbo
from app.sweep.panel import build_panel
from app.sweep.space import Dimension, grid_size, grid_values, suggest

Values = dict[str, float]
Bind = Callable[[Values], StrategySpec]


@dataclass(frozen=True)
class Settings:
    objective: str = "sharpe"
    min_trades: int = 1
    walk_forward: int = 0
    search: str = "grid"
    trials: int = 100
    seed: int = 0
    backend: str = "local"
    workers: int | None = None
    address: str | None = None
    cash: float = 10_000.0
    commission: CostModel = ZERO
    slippage: CostModel = ZERO
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    symbol_shards: int = 0
    """Groups of symbols each variant runs in apart, then merged (0 or 1: none)."""
    start_method: str | None = None
    """How the local pool starts its processes (None: fork where there is one)."""


@dataclass
class Variant:
    values: Values
    outcome: Outcome
    in_sample: Score
    folds: list[Score] = field(default_factory=list)
    """Out-of-sample figures on each walk-forward fold."""


@dataclass
class FoldResult:
    start: pd.Timestamp
    end: pd.Timestamp
    chosen: Values
    in_sample: Score
    out_sample: Score


@dataclass
class SweepResult:
    name: str
    dimensions: list[Dimension]
    settings: Settings
    variants: list[Variant]
    best: int
    """Index of the in-sample (whole period) winner."""
    folds: list[FoldResult]
    stitched: Score | None
    deflated_sharpe: float
    pbo: PBO
    periods_per_year: float
    period: tuple[pd.Timestamp, pd.Timestamp]
    seconds: float
    notes: list[str]

    @property
    def chosen(self) -> Values:
        """The parameters to use: the last fold's winner with walk-forward, else the best."""
        return self.folds[-1].chosen if self.folds else self.variants[self.best].values


def run_sweep(
    base: StrategySpec,
    dims: list[Dimension],
    bind: Bind,
    frames: Mapping[str, pd.DataFrame],
    settings: Settings,
    source: str = "the data",
    progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run the search and everything the report needs."""
    if settings.objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {settings.objective!r}")
    t0 = time.perf_counter()
    panel = build_panel(base, frames, settings.start, settings.end, source)
    ctx = Context(
        panel,
        frames,
        settings.cash,
        settings.commission,
        settings.slippage,
        settings.start,
        settings.end,
        source,
    )
    index = pd.DatetimeIndex(panel.union.astype("datetime64[ns]"))
    ppy = periods_per_year(index)
    folds = make_folds(panel.union.size, settings.walk_forward) if settings.walk_forward else []
    value_of = objective_fn(settings.objective, settings.min_trades)
    values, outcomes, searched = _search(
        dims, bind, ctx, settings, ppy, value_of, progress, folds, index
    )
    variants = _score_all(values, outcomes, ppy, folds)
    best = best_index([v.in_sample for v in variants], settings.objective, settings.min_trades)
    fold_results = _walk_forward(variants, folds, ppy, index, settings)
    rets = _returns(variants)
    dsr = _dsr(rets, best)
    guard = pbo(rets)
    return SweepResult(
        base.name,
        dims,
        settings,
        variants,
        best,
        fold_results,
        _stitch(variants, fold_results, folds, ppy),
        dsr,
        guard,
        ppy,
        (index[0], index[-1]),
        time.perf_counter() - t0,
        searched
        + _notes(variants)
        + _short_notes(variants[best] if variants else None, fold_results, settings.min_trades),
    )


def _search(
    dims: list[Dimension],
    bind: Bind,
    ctx: Context,
    settings: Settings,
    ppy: float,
    value_of: Callable[[Score], float],
    progress: Callable[[int, int], None] | None,
    folds: list[Fold],
    index: pd.DatetimeIndex,
) -> tuple[list[Values], list[Outcome], list[str]]:
    """The variants run, their outcomes, and a note on the search where it needs one.

    With walk-forward folds a TPE search is guided by the first fold's in-sample bars
    alone: guided by the whole period, the variants it chose to try would already reflect
    every out-of-sample fold, and the stitched result would not be out of sample.
    """
    size = grid_size(dims)
    notes = []
    if settings.search == "tpe" and settings.trials < size:
        if folds:
            cut = folds[0].split

            def guide(o: Outcome) -> float:
                return value_of(window_score(o.equity, o.exit_t, o.pnl, 0, cut, ppy))

            notes.append(
                f"TPE was guided by the bars before {index[cut]:%Y-%m-%d} (the "
                "first fold's in-sample) only, so no out-of-sample bar chose the "
                "variants tried"
            )
        else:

            def guide(o: Outcome) -> float:
                return value_of(_whole(o, ppy))

        values, outcomes = suggest(dims, bind, ctx, settings, guide, progress)
        if len(values) < settings.trials:
            notes.append(
                f"TPE found {len(values)} distinct variants in "
                f"{50 * settings.trials} proposals, fewer than the "
                f"{settings.trials} trials asked"
            )
        return values, outcomes, notes
    if settings.search == "tpe":
        notes.append(
            f"{settings.trials} trials cover the whole grid of {size} variants: ran the grid"
        )
    grid = grid_values(dims)
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        if progress is not None:
            progress(done[0], len(grid))

    specs = [bind(v) for v in grid]
    outcomes = run_batches(
        ctx,
        specs,
        settings.backend,
        settings.workers,
        settings.address,
        tick,
        settings.start_method,
        settings.symbol_shards,
    )
    return grid, outcomes, notes


def _whole(o: Outcome, ppy: float) -> Score:
    return score(o.equity, o.pnl, ppy)


def _score_all(
    values: list[Values], outcomes: list[Outcome], ppy: float, folds: list[Fold]
) -> list[Variant]:
    out = []
    for v, o in zip(values, outcomes):
        fs = [window_score(o.equity, o.exit_t, o.pnl, f.split, f.end, ppy) for f in folds]
        out.append(Variant(v, o, _whole(o, ppy), fs))
    return out


def _walk_forward(
    variants: list[Variant],
    folds: list[Fold],
    ppy: float,
    index: pd.DatetimeIndex,
    settings: Settings,
) -> list[FoldResult]:
    out = []
    for f in folds:
        ins = [
            window_score(v.outcome.equity, v.outcome.exit_t, v.outcome.pnl, 0, f.split, ppy)
            for v in variants
        ]
        k = best_index(ins, settings.objective, settings.min_trades)
        oos = window_score(
            variants[k].outcome.equity,
            variants[k].outcome.exit_t,
            variants[k].outcome.pnl,
            f.split,
            f.end,
            ppy,
        )
        out.append(FoldResult(index[f.split], index[f.end - 1], variants[k].values, ins[k], oos))
    return out


def _stitch(
    variants: list[Variant], results: list[FoldResult], folds: list[Fold], ppy: float
) -> Score | None:
    if not folds:
        return None
    by_values = {tuple(sorted(v.values.items())): v for v in variants}
    curves, pnls = [], []
    for f, r in zip(folds, results):
        o = by_values[tuple(sorted(r.chosen.items()))].outcome
        curves.append(o.equity[f.split - 1 : f.end])
        pnls.append(o.pnl[(o.exit_t >= f.split) & (o.exit_t < f.end)])
    return score(stitched(curves), np.concatenate(pnls), ppy)


def _returns(variants: list[Variant]) -> np.ndarray:
    eq = np.stack([v.outcome.equity for v in variants], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rets = eq[1:] / eq[:-1] - 1.0
    out: np.ndarray = np.nan_to_num(rets, nan=0.0, posinf=0.0, neginf=0.0)
    return out


def _dsr(rets: np.ndarray, best: int) -> float:
    sd = rets.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        srs = np.where(sd > 0, rets.mean(axis=0) / sd, np.nan)
    return deflated_sharpe(rets[:, best], srs)


def _short_notes(best: Variant | None, folds: list[FoldResult], min_trades: int) -> list[str]:
    """Say where no variant made the minimum number of trades (the winner is then the
    one with the most)."""
    notes = []
    if best is not None and best.in_sample.trades < min_trades:
        notes.append(
            f"no variant made {min_trades} trade(s) over the whole period; the "
            f"best has the most trades ({best.in_sample.trades})"
        )
    for i, f in enumerate(folds):
        if f.in_sample.trades < min_trades:
            notes.append(
                f"walk-forward fold {i + 1}: no variant made {min_trades} trade(s) "
                f"in sample (before {f.start:%Y-%m-%d}); it uses the one with the "
                f"most ({f.in_sample.trades})"
            )
    return notes


def _notes(variants: list[Variant]) -> list[str]:
    notes: list[str] = []
    via: dict[str, int] = {}
    for v in variants:
        via[v.outcome.via] = via.get(v.outcome.via, 0) + 1
    if via.get("engine"):
        notes.append(
            f"{via['engine']} variant(s) ran through the full backtest engine (gates, "
            "screens, limits or the PDT rule the compiled path leaves to it)"
        )
    merged = sum(v.outcome.shards == "merged" for v in variants)
    fallback = sum(v.outcome.shards == "fallback" for v in variants)
    if merged and not fallback:
        notes.append(f"symbol shards: all {merged} variant(s) merged exactly from their shards")
    elif fallback:
        notes.append(
            f"symbol shards: {merged} variant(s) merged exactly from their shards; "
            f"{fallback} ran again over the whole universe, their symbols having "
            "competed for cash, a cap or the position limit"
        )
    skipped = [v for v in variants if v.outcome.skipped]
    if skipped:
        notes.append(f"{len(skipped)} variant(s) could not run: {skipped[0].outcome.skipped}")
    return notes


def summary(result: SweepResult) -> dict[str, Any]:
    """Counts for a progress line or a test."""
    return {
        "variants": len(result.variants),
        "best": result.variants[result.best].values,
        "seconds": result.seconds,
    }
