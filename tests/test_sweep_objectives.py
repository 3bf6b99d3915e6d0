"""Every objective's edge cases (0 trades, 0% drawdown, NaN), and winners that respect
the minimum trade count: in the whole period and on every walk-forward fold."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from app.dsl import parse_spec
from app.market.bundled import bundled_path
from app.market.loader import load_bars
from app.spec.models import StrategySpec
from app.sweep import Settings, run_sweep
from app.sweep.folds import make_folds, window_score
from app.sweep.objectives import OBJECTIVES, Score, best_index, objective_fn, rank_key
from app.sweep.space import Dimension

TEMPLATE = """strategy "objectives"
universe GOOG, NVDA
long when sma(close, {fast}) crosses above sma(close, {slow})
exit when sma(close, {fast}) crosses below sma(close, {slow})
size 40% of equity
"""
# the slowest variant first: on the old code a fold where no variant made the minimum
# took the first variant (every value was -inf), which here never trades in fold 1
DIMS = [Dimension("fast", (50.0, 30.0, 10.0), True), Dimension("slow", (250.0, 150.0, 60.0), True)]


def bind(values: dict[str, float]) -> StrategySpec:
    return parse_spec(TEMPLATE.format(fast=int(values["fast"]), slow=int(values["slow"])))


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    for s in ("GOOG", "NVDA"):
        out.update(load_bars(bundled_path(s)))
    return out


def _score(
    sharpe: float = 0.5, ret: float = 10.0, dd: float = -5.0, pf: float = 1.5, trades: int = 10
) -> Score:
    return Score(sharpe, ret, dd, pf, trades)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_a_variant_short_of_the_minimum_never_beats_one_that_has_it(objective: str) -> None:
    # the short one has a 0% drawdown, an infinite profit factor and a higher return
    short = _score(sharpe=9.0, ret=50.0, dd=0.0, pf=math.inf, trades=0)
    enough = _score(sharpe=-1.0, ret=-20.0, dd=-30.0, pf=0.5, trades=5)
    assert best_index([short, enough], objective, 5) == 1
    assert objective_fn(objective, 5)(short) < objective_fn(objective, 5)(enough)
    # with none enough, the most trades win; a 0-trade variant only when all have 0
    three = _score(sharpe=-2.0, ret=-40.0, dd=-50.0, pf=0.1, trades=3)
    assert best_index([short, three], objective, 5) == 1
    assert objective_fn(objective, 5)(short) < objective_fn(objective, 5)(three)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_nan_ranks_below_every_number(objective: str) -> None:
    nan = _score(sharpe=math.nan, ret=math.nan, dd=math.nan, pf=math.nan)
    poor = _score(sharpe=-5.0, ret=-90.0, dd=-95.0, pf=0.01)
    assert best_index([nan, poor], objective, 1) == 1
    assert math.isfinite(objective_fn(objective, 1)(nan))
    assert objective_fn(objective, 1)(nan) < objective_fn(objective, 1)(poor)


def test_zero_drawdown_is_the_best_ratio_only_with_a_gain() -> None:
    gain = _score(ret=4.0, dd=0.0)
    flat = _score(ret=0.0, dd=0.0)
    usual = _score(ret=30.0, dd=-10.0)
    assert gain.value("return_over_dd") == math.inf
    assert flat.value("return_over_dd") == 0.0
    assert best_index([usual, gain], "return_over_dd", 1) == 1
    assert best_index([flat, usual], "return_over_dd", 1) == 1
    # two unbounded ratios: the larger return wins
    assert best_index([gain, _score(ret=8.0, dd=0.0)], "return_over_dd", 1) == 1
    key = rank_key("return_over_dd", 1)
    assert key(gain) > key(usual) > key(flat)


def test_figures_of_a_variant_that_never_trades() -> None:
    import numpy as np

    s = window_score(np.full(50, 1000.0), np.zeros(0, np.int64), np.zeros(0), 0, 50, 252.0)
    assert (s.trades, s.total_return_pct, s.max_drawdown_pct, s.profit_factor) == (0, 0.0, 0.0, 0.0)
    assert s.sharpe == -math.inf
    assert {o: s.value(o) for o in OBJECTIVES} == {
        "sharpe": -math.inf,
        "return": 0.0,
        "return_over_dd": 0.0,
        "profit_factor": 0.0,
    }


@pytest.mark.parametrize("search", ["grid", "tpe"])
def test_no_fold_picks_a_variant_short_of_the_minimum(
    frames: dict[str, pd.DataFrame], search: str
) -> None:
    """The review's case: --min-trades 5 --objective return_over_dd with walk-forward. In
    fold 1 (the first 11th of 2 symbols' bars) no variant makes 5 trades; the old code
    took the first variant there, one that never traded (0 trades, 0% drawdown)."""
    result = run_sweep(
        bind({"fast": 10, "slow": 60}),
        DIMS,
        bind,
        frames,
        Settings(
            walk_forward=10,
            min_trades=5,
            objective="return_over_dd",
            search=search,
            trials=8,
            seed=1,
            workers=1,
        ),
    )
    ppy = result.periods_per_year
    folds = make_folds(result.variants[0].outcome.equity.size, 10)
    assert len(result.folds) == len(folds) == 10
    by_values = {tuple(sorted(v.values.items())): v for v in result.variants}
    for i, (fold, cut) in enumerate(zip(result.folds, folds)):
        counts = [
            window_score(
                v.outcome.equity, v.outcome.exit_t, v.outcome.pnl, 0, cut.split, ppy
            ).trades
            for v in result.variants
        ]
        chosen = by_values[tuple(sorted(fold.chosen.items()))]
        assert fold.in_sample.trades == counts[result.variants.index(chosen)]
        if max(counts) >= 5:
            assert fold.in_sample.trades >= 5, (i, fold.chosen, fold.in_sample)
        else:
            assert fold.in_sample.trades == max(counts), (i, fold.chosen, counts)
            assert any(f"fold {i + 1}: no variant made 5" in n for n in result.notes)
    assert 0 < result.folds[0].in_sample.trades < 5
