"""Metrics computed with numpy, cross-checked against empyrical (empyrical-reloaded) on the
same equity curves, plus hand-worked trade statistics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.backtest import run_backtest
from app.backtest.metrics import curve_metrics, periods_per_year, trade_metrics
from app.dsl import load_spec
from app.execution.portfolio import Trade
from app.market.data_source import load_for_spec
from app.market.synthetic import synthetic_market
from tests.conftest import DATA, STRATEGIES


def _curves() -> list[pd.Series]:
    spec = load_spec(STRATEGIES / "sma_crossover.strategy")
    goog = run_backtest(spec, load_for_spec(spec, DATA / "GOOG.csv"))
    noisy = synthetic_market(1, 1500, seed=5)["SYN000"]["close"] * 10
    return [goog.equity, goog.buy_and_hold, noisy]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_curve_metrics_agree_with_empyrical(which: int) -> None:
    ep = pytest.importorskip("empyrical")
    equity = _curves()[which]
    ppy = periods_per_year(pd.DatetimeIndex(equity.index))
    ours = curve_metrics(equity, ppy)
    rets = equity.pct_change().dropna()
    assert ours["sharpe"] == pytest.approx(ep.sharpe_ratio(rets, annualization=ppy), rel=1e-9)
    assert ours["sortino"] == pytest.approx(ep.sortino_ratio(rets, annualization=ppy), rel=1e-9)
    assert ours["volatility_pct"] / 100 == pytest.approx(
        ep.annual_volatility(rets, annualization=ppy), rel=1e-9
    )
    assert ours["annual_return_pct"] / 100 == pytest.approx(
        ep.annual_return(rets, annualization=ppy), rel=1e-9
    )
    assert ours["max_drawdown_pct"] / 100 == pytest.approx(ep.max_drawdown(rets), rel=1e-9)
    assert ours["calmar"] == pytest.approx(ep.calmar_ratio(rets, annualization=ppy), rel=1e-9)


def test_daily_stock_data_annualises_near_252() -> None:
    index = pd.DatetimeIndex(
        load_for_spec(load_spec(STRATEGIES / "sma_crossover.strategy"), DATA / "GOOG.csv")[
            "GOOG"
        ].index
    )
    assert 250 < periods_per_year(index) < 254


def _trade(pnl: float, pct: float, bars: int) -> Trade:
    return Trade("X", "long", 0, 100.0, 1, 100.0, 1.0, pnl, pct, bars, "exit_rule", 0.0, 0, 1)


def test_trade_statistics_by_hand() -> None:
    m = trade_metrics([_trade(30, 3, 4), _trade(-10, -1, 2), _trade(20, 2, 6), _trade(-5, -0.5, 1)])
    assert m["trades"] == 4 and m["win_rate_pct"] == 50
    assert m["profit_factor"] == pytest.approx(50 / 15)
    assert m["avg_trade_pct"] == pytest.approx(0.875)
    assert m["avg_bars_held"] == pytest.approx(3.25)
    assert trade_metrics([])["win_rate_pct"] is None


def test_exposure_and_flat_curve() -> None:
    flat = pd.Series(np.full(300, 1000.0), index=pd.bdate_range("2020-01-01", periods=300))
    m = curve_metrics(flat, 252)
    assert m["total_return_pct"] == 0 and m["max_drawdown_pct"] == 0
    assert m["sharpe"] is None and m["calmar"] is None
    spec = load_spec(STRATEGIES / "sma_crossover.strategy")
    result = run_backtest(spec, load_for_spec(spec, DATA / "GOOG.csv"))
    (still_open,) = result.open_positions
    held_bars = sum(t.bars_held for t in result.trades) + (
        len(result.equity) - still_open.entry_bar
    )
    assert result.metrics["exposure_time_pct"] == pytest.approx(
        100 * held_bars / len(result.equity), abs=0.2
    )
