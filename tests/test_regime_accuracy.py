"""The detector against a market whose regimes are known, and the filter's worth on it.

Floors are set from measurement (default config, 2,520 bars; see the closing note of
issue 4): seed 7 gives 85.3% right on firm bars with 13.6% of post-warm-up bars marked
transition (17.7% counting the 120 warm-up bars); seed 1 87.3% / 11.4%; seed 2 91.2% /
11.0%. Over seeds 1-20 the mean is 88.8% / 10.0% (14.2% with warm-up), worst seed 81.3%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.market.synthetic import synthetic_regime_series
from app.regime import RegimeConfig, detect_regimes
from app.regime.demo import run_demo

pytestmark = pytest.mark.slow

N_BARS = 2520
CONFIG = RegimeConfig()


@pytest.fixture(scope="module")
def runs() -> dict[int, tuple[pd.Series, pd.Series]]:
    """Seed -> (detected labels, true regimes) on 2,520 bars."""
    out = {}
    for seed in (7, 1, 2):
        frame, truth = synthetic_regime_series(N_BARS, seed)
        out[seed] = (detect_regimes(frame)["regime"], truth)
    return out


@pytest.fixture(scope="module")
def scores(runs: dict[int, tuple[pd.Series, pd.Series]]) -> dict[int, tuple[float, float, float]]:
    """Seed -> (share right on firm bars, transition share after warm-up, transition share)."""
    out = {}
    for seed, (labels, truth) in runs.items():
        firm = labels != "transition"
        right = float((labels[firm] == truth[firm]).mean())
        after_warmup = float((labels.iloc[CONFIG.warmup :] == "transition").mean())
        out[seed] = (right, after_warmup, float(1.0 - firm.mean()))
    return out


def test_seed_7_floors(scores: dict[int, tuple[float, float, float]]) -> None:
    right, after_warmup, overall = scores[7]
    assert right >= 0.84
    assert after_warmup <= 0.15
    assert overall <= 0.19


def test_floors_hold_on_other_seeds(scores: dict[int, tuple[float, float, float]]) -> None:
    rights = [s[0] for s in scores.values()]
    assert min(rights) >= 0.84
    assert np.mean(rights) >= 0.86
    assert max(s[1] for s in scores.values()) <= 0.15


def test_every_regime_is_found(runs: dict[int, tuple[pd.Series, pd.Series]]) -> None:
    labels, truth = runs[7]
    firm = labels != "transition"
    floors = {"trending_up": 0.55, "trending_down": 0.75, "mean_reverting": 0.9,
              "high_volatility": 0.95}  # measured: 0.635, 0.852, 0.961, 0.996
    for regime, floor in floors.items():
        own = firm & (truth == regime)
        assert (labels[own] == regime).mean() >= floor, regime


def test_regime_filter_cuts_the_breakout_rules_drawdown() -> None:
    result = run_demo(seed=7)
    plain, gated, hold = result.runs
    assert gated.max_drawdown > plain.max_drawdown + 0.15  # less deep by 15 points or more
    assert gated.sharpe > plain.sharpe
    assert gated.trades < plain.trades
    assert result.blocked_entries > 0
    assert hold.name == "buy and hold"


def test_demo_is_repeatable() -> None:
    a, b = run_demo(seed=3, n_bars=800), run_demo(seed=3, n_bars=800)
    assert a == b


def test_settled_firm_labels_are_mostly_right(
    runs: dict[int, tuple[pd.Series, pd.Series]]
) -> None:
    """Thirty bars into a regime spell, the firm labels are right 88% of the time or more."""
    labels, truth = runs[1]  # measured 0.911 (seed 7: 0.908)
    segment = (truth != truth.shift()).cumsum()
    bar_in_segment = truth.groupby(segment).cumcount()
    settled = (bar_in_segment >= 30) & (labels != "transition") & (
        np.arange(N_BARS) >= CONFIG.warmup)
    assert (labels[settled] == truth[settled]).mean() >= 0.88
