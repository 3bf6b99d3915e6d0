"""Walk-forward: the period cut into K folds, each fold's figures beside those of the
history before it.

A Parley spec has no fitted parameters -- its rules are written, not optimised -- so there
is nothing to train on the in-sample part. What "in-sample" and "out-of-sample" honestly
mean here:

* **in-sample** for fold k is the anchored window from the start of the data to the day
  before fold k: what a trader had seen of the strategy when deciding to run it on;
* **out-of-sample** is fold k itself, run fresh (its own cash, no positions carried in),
  with indicators warmed up on the bars before it.

A strategy whose out-of-sample figures fall well below the in-sample ones worked in one
period and not the next; it does not detect overfitting of parameters, because there are
none. Fold 1 has no history before it, so it has no in-sample column.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from app.backtest.errors import BacktestError
from app.spec.models import StrategySpec

KEYS = (
    "total_return_pct",
    "annual_return_pct",
    "sharpe",
    "max_drawdown_pct",
    "trades",
    "win_rate_pct",
)
"""The figures a fold reports for each side."""


def fold_bounds(
    frames: Mapping[str, pd.DataFrame], k: int, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """K contiguous windows with (near) equal numbers of bar times of the merged timeline."""
    if k < 2:
        raise BacktestError(f"--walk-forward needs at least 2 folds, not {k}")
    times = np.unique(
        np.concatenate([f.index.to_numpy("datetime64[ns]") for f in frames.values() if len(f)])
    )
    times = pd.DatetimeIndex(times)
    if start is not None:
        times = times[times >= start]
    if end is not None:
        times = times[times <= end]
    if len(times) < 2 * k:
        raise BacktestError(
            f"{len(times)} bar(s) in the range cannot make {k} walk-forward "
            "folds; use fewer folds or a longer range"
        )
    cuts = np.linspace(0, len(times), k + 1).round().astype(int)
    return [(times[a], times[b - 1]) for a, b in pairwise(cuts)]


def walk_forward(
    spec: StrategySpec, frames: Mapping[str, pd.DataFrame], k: int, **options: Any
) -> list[dict[str, Any]]:
    """Per fold: its dates, and the in-sample and out-of-sample figures side by side.

    ``options`` are :func:`run_backtest`'s (cash, costs, gate, start, end...);
    ``progress(fraction)``, when given, hears of each fold's backtests as they finish.
    """
    from app.backtest.engine import run_backtest, run_date
    from app.spec.params import runnable

    spec = runnable(spec)  # the folds and their warm-up read the parameters' defaults
    start, end = (
        run_date(options.pop("start", None), "--from"),
        run_date(options.pop("end", None), "--to"),
    )
    progress = options.pop("progress", None)
    bounds = fold_bounds(frames, k, start, end)
    joined = check_folds(spec, frames, bounds)  # up front: no fold starves after minutes
    folds = []
    runs, done = 2 * len(bounds) - 1, 0
    for i, ((a, b), present) in enumerate(zip(bounds, joined), start=1):
        oos = run_backtest(spec, present, start=a, end=b, allow_missing=True, **options)
        done += 1
        if progress is not None:
            progress(done / runs)
        ins = None
        if i > 1:
            before = a - pd.Timedelta(microseconds=1)
            ins = run_backtest(
                spec, joined[i - 2], start=start, end=before, allow_missing=True, **options
            )
            done += 1
            if progress is not None:
                progress(done / runs)
        folds.append(
            {
                "fold": i,
                "start": a.strftime("%Y-%m-%d"),
                "end": b.strftime("%Y-%m-%d"),
                "in_sample": None if ins is None else _pick(ins.metrics),
                "out_of_sample": _pick(oos.metrics),
            }
        )
    return folds


def check_folds(
    spec: StrategySpec,
    frames: Mapping[str, pd.DataFrame],
    bounds: list[tuple[pd.Timestamp, pd.Timestamp]],
) -> list[dict[str, pd.DataFrame]]:
    """The symbols each fold trades: those whose warm-up is met by the fold's end (a symbol
    whose data starts late joins the folds after it has enough history).

    Raises:
        BacktestError: a fold where no symbol has the history the rules need; the message
            says how many folds the data can make.
    """
    from app.market.data_source import history_bars

    need = history_bars(spec) + 1
    counts = {s: f.index for s, f in frames.items()}
    out = []
    for i, (a, b) in enumerate(bounds, start=1):
        present = {
            s: frames[s]
            for s, idx in counts.items()
            if idx.searchsorted(b, side="right") >= need and idx.searchsorted(a) < len(idx)
        }
        if not present:
            raise BacktestError(
                f"{len(bounds)} walk-forward folds are too many for this data: fold {i} "
                f"({a:%Y-%m-%d} to {b:%Y-%m-%d}) has no symbol with the {need} bars of "
                f"history the spec needs by its end",
                f"use at most {_max_folds(spec, frames, bounds, need)} folds, or a longer range",
            )
        out.append(present)
    return out


def _max_folds(
    spec: StrategySpec,
    frames: Mapping[str, pd.DataFrame],
    bounds: list[tuple[pd.Timestamp, pd.Timestamp]],
    need: int,
) -> int:
    """The most folds whose first one still has a symbol warmed up by its end."""
    first = bounds[0][0]
    total = sum(1 for _ in bounds)
    for k in range(total - 1, 1, -1):
        try:
            b = fold_bounds(frames, k, first, None)
        except BacktestError:
            continue
        end = b[0][1]
        if any(f.index.searchsorted(end, side="right") >= need for f in frames.values()):
            return k
    return 1


def _pick(metrics: dict[str, Any]) -> dict[str, Any]:
    return {key: metrics.get(key) for key in KEYS}
