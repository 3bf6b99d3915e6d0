"""The detector against markets whose regimes are known, real events, and the demo.

Floors are the measured figures (seeds 11-13 pooled, 2,520 bars each, first 250 skipped;
the default switching model, whose settings were chosen on ``switching_garch`` seeds 1-10),
rounded down by about two points -- not the targets of >= 85% right on firm bars, which no
detector here reaches on these markets (``benchmarks/bench_regime.py`` prints all figures,
and the oracle's ceiling):

=================  ========  ==========  ========  ==========================
family             right     transition  down->up  baseline right / transition
=================  ========  ==========  ========  ==========================
switching_garch    67.3%     13.9%       3.8%      56.2% / 12.0%
fat_flat           75.4%     16.9%       3.9%      57.1% / 13.4%
weak_long          66.3%     13.9%       2.7%      53.8% / 12.9%
project generator  73.7%     12.0%       3.3%      54.8% / 12.8%
=================  ========  ==========  ========  ==========================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from regime_markets import FAMILIES
from regime_markets.real import load_spy
from regime_markets.scoring import Score, pooled

from app.cli.regime_demo import run_demo
from app.market.synthetic import synthetic_regime_series
from app.regime import RegimeConfig, detect_regimes
from app.regime.baseline import baseline_regimes

pytestmark = pytest.mark.slow

N_BARS, SKIP, SEEDS = 2520, 250, (11, 12, 13)
ALL = {**FAMILIES, "project": synthetic_regime_series}
FLOORS = {  # family: (right at least, transition at most, down->up at most)
    "switching_garch": (0.65, 0.15, 0.05),
    "fat_flat": (0.73, 0.19, 0.05),
    "weak_long": (0.64, 0.16, 0.04),
    "project": (0.71, 0.14, 0.05),
}


@pytest.fixture(scope="module")
def runs() -> dict[str, list[tuple[pd.Series, pd.Series, pd.Series]]]:
    """Family -> [(switching labels, baseline labels, truth)] over SEEDS."""
    out = {}
    for name, family in ALL.items():
        rows = []
        for seed in SEEDS:
            frame, truth = family(N_BARS, seed)
            base = pd.Series(baseline_regimes(frame["close"].to_numpy()), index=frame.index)
            rows.append((detect_regimes(frame)["regime"], base, truth))
        out[name] = rows
    return out


def _score(rows: list[tuple[pd.Series, pd.Series, pd.Series]], which: int) -> Score:
    return pooled([(r[which], r[2]) for r in rows], SKIP)


@pytest.mark.parametrize("family", list(FLOORS))
def test_floors_on_every_family(runs, family: str) -> None:
    right, transition, down_up = FLOORS[family]
    s = _score(runs[family], 0)
    assert s.firm_right >= right
    assert s.transition <= transition
    assert s.down_called_up <= down_up


def test_switching_beats_the_baseline_over_the_families(runs) -> None:
    ours = [_score(rows, 0).firm_right for rows in runs.values()]
    base = [_score(rows, 1).firm_right for rows in runs.values()]
    assert np.mean(ours) > np.mean(base) + 0.10  # measured 70.7% against 55.5%
    assert sum(o > b for o, b in zip(ours, base, strict=True)) >= 3


def test_every_regime_is_found_on_every_family(runs) -> None:
    """Per true regime, the share of its firm bars given its name (measured minimum 0.315:
    pricing the opposite trend sends doubtful trend bars to mean reverting)."""
    for name, rows in runs.items():
        labels = np.concatenate([r[0].to_numpy()[SKIP:] for r in rows])
        truth = np.concatenate([r[2].to_numpy()[SKIP:] for r in rows])
        firm = labels != "transition"
        for regime in ("trending_up", "trending_down", "mean_reverting", "high_volatility"):
            own = firm & (truth == regime)
            assert (labels[own] == regime).mean() >= 0.29, (name, regime)


def test_the_families_differ_from_each_other() -> None:
    """Fat tails, flat ranges, long weak spells: the families are not one market."""
    (g, _), (f, _), (w, _) = (fam(N_BARS, 1) for fam in FAMILIES.values())
    kurt = [pd.Series(np.diff(np.log(x["close"]))).kurt() for x in (g, f, w)]
    assert kurt[1] > 5  # Student-t(3) shocks
    corr = [_wick_vol_corr(x) for x in (g, f, w)]
    assert corr[0] > 0.6 and corr[1] < 0.3  # wicks track volatility, or do not


def _wick_vol_corr(bars: pd.DataFrame) -> float:
    """Correlation of 20-bar mean wick (range beyond the body) with 20-bar mean |return|."""
    body_hi = np.log(bars[["open", "close"]].max(axis=1))
    body_lo = np.log(bars[["open", "close"]].min(axis=1))
    wick = (np.log(bars["high"]) - body_hi) + (body_lo - np.log(bars["low"]))
    vol = np.log(bars["close"]).diff().abs()
    return float(wick.rolling(20).mean().corr(vol.rolling(20).mean()))


@pytest.fixture(scope="module")
def spy_labels() -> pd.Series:
    spy = load_spy()
    if spy is None:
        pytest.skip("SPY data (../shared/data/extra) not present")
    return detect_regimes(spy)["regime"]


def test_real_crash_of_2008_is_not_called_an_up_trend(spy_labels: pd.Series) -> None:
    window = spy_labels["2008-09-01":"2009-03-31"].value_counts(normalize=True)
    assert window.get("trending_up", 0.0) <= 0.02  # measured 0.0%
    assert window.get("high_volatility", 0.0) + window.get("trending_down", 0.0) >= 0.74


def test_real_sell_off_of_2020_is_not_called_an_up_trend(spy_labels: pd.Series) -> None:
    """From the first fall (2020-02-24) to April's end: high volatility (measured 100%).
    Over 2020-02..04 as a whole 1.6% read trending_up: 2020-02-20, the day after SPY's
    high, before the sell-off."""
    after = spy_labels["2020-02-24":"2020-04-30"].value_counts(normalize=True)
    assert after.get("trending_up", 0.0) == 0.0
    assert after.get("high_volatility", 0.0) >= 0.95
    window = spy_labels["2020-02-01":"2020-04-30"]
    assert (window[window == "trending_up"].index <= "2020-02-21").all()


def test_the_fitted_hmm_stays_available(runs) -> None:
    frame, truth = synthetic_regime_series(N_BARS, 7)
    labels = detect_regimes(frame, config=RegimeConfig(model="fitted"))["regime"]
    assert pooled([(labels, truth)], SKIP).firm_right >= 0.84  # its tuning market


def test_regime_filter_cuts_the_breakout_rules_drawdown() -> None:
    result = run_demo(seed=7)
    plain, gated, hold = result.runs
    assert gated.max_drawdown > plain.max_drawdown + 0.15  # measured -48.8% -> -24.0%
    assert gated.sharpe > plain.sharpe
    assert gated.trades < plain.trades
    assert result.blocked_entries > 0
    assert hold.name == "buy and hold"


def test_demo_is_repeatable() -> None:
    a, b = run_demo(seed=3, n_bars=800), run_demo(seed=3, n_bars=800)
    assert a == b


def test_the_shipped_settings_are_the_choice_familys_choice() -> None:
    """No constant tuned on another family: the benchmark's coordinate ascent on
    switching_garch seeds 1-10 alone gives exactly the shipped defaults."""
    import importlib.util

    from app.regime.switching import SwitchingConfig
    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location(
        "bench_regime", ROOT / "benchmarks" / "bench_regime.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert list(bench.CHOOSE_SEEDS) == list(range(1, 11))
    assert set(bench.CHOOSE_SEEDS).isdisjoint(bench.REPORT_SEEDS) and set(SEEDS) <= set(
        bench.REPORT_SEEDS
    )
    market = [FAMILIES[bench.CHOOSE_FAMILY](N_BARS, seed) for seed in bench.CHOOSE_SEEDS]
    assert bench.choose_switching(market) == SwitchingConfig()
