"""`parley backtest` reproduces the trades backtrader and backtesting.py agree on."""

from __future__ import annotations

import csv
import json

import pytest

from app.backtest import run_backtest
from app.cli import main
from app.dsl import load_spec
from app.market.data_source import load_for_spec
from tests.conftest import DATA, STRATEGIES, TEST_DATA

SPEC = STRATEGIES / "sma_crossover.strategy"
GOOG = DATA / "GOOG.csv"


def _reference() -> list[dict[str, str]]:
    with open(TEST_DATA / "goog_sma_10_30_closed_trades.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _same_price(got: float, want: str) -> bool:
    """Equal as prices: the same cents, and within one float step.

    The reference file holds the peers' prices as *they* parsed GOOG.csv, with pandas'
    fast float parser, which can land one unit in the last place off the correctly
    rounded value (``484.68999999999994`` for the file's ``484.69``). Parley's loader
    reads ``484.69`` exactly, so equality is asserted at cent precision and to 1e-12.
    """
    return round(got, 2) == round(float(want), 2) and abs(got - float(want)) < 1e-12


def test_cli_reproduces_reference_trades(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", str(SPEC), "--data", str(GOOG), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = _reference()
    trades = out["trades"]
    assert len(trades) == len(ref) == 32
    for got, want in zip(trades, ref):
        assert got["entry_time"] == want["EntryTime"]
        assert got["exit_time"] == want["ExitTime"]
        assert _same_price(got["entry_price"], want["EntryPrice"])
        assert _same_price(got["exit_price"], want["ExitPrice"])
        assert got["qty"] == float(want["Size"])
        assert got["pnl"] == pytest.approx(float(want["PnL"]), abs=1e-9)
    (open_trade,) = out["open_positions"]
    assert open_trade["entry_time"] == "2012-12-04"
    assert open_trade["entry_price"] == 695.00
    assert open_trade["mark"] == 806.19
    assert round(out["metrics"]["final_equity"], 2) == 17_739.40
    assert out["equity"][-1]["equity"] == pytest.approx(17_739.40, abs=1e-9)
    assert sum(t["pnl"] for t in trades) == pytest.approx(6_627.50, abs=1e-9)


def test_library_call_matches_and_summary_reads_well(capsys: pytest.CaptureFixture[str]) -> None:
    spec = load_spec(SPEC)
    result = run_backtest(spec, load_for_spec(spec, GOOG), cash=10_000)
    assert len(result.trades) == 32 and len(result.open_positions) == 1
    assert result.final_equity == pytest.approx(17_739.40, abs=1e-9)
    assert main(["backtest", str(SPEC), "--data", str(GOOG)]) == 0
    text = capsys.readouterr().out
    assert "Buy & hold" in text and "17,739.40" in text
    assert "32 closed, 1 open" in text
    assert "GOOG long 10 from 2012-12-04 at 695.00, now 806.19" in text
