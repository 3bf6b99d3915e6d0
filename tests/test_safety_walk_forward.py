"""Walk-forward folds are checked before any runs, and a symbol whose data starts late
joins the folds once its warm-up is met."""

from __future__ import annotations

import pytest

from app.backtest.errors import BacktestError
from app.backtest.walk_forward import walk_forward
from app.dsl import parse_spec
from app.market.data_source import load_for_spec

TEXT = (
    'strategy "gc"\nuniverse GOOG, ORCL\ntimeframe 1d\n'
    "long when sma(close, 50) crosses above sma(close, 200)\n"
    "exit when sma(close, 50) crosses below sma(close, 200)\nsize 10 shares\n"
)


def test_a_late_symbol_joins_once_warmed_up():
    spec = parse_spec(TEXT)
    folds = walk_forward(spec, load_for_spec(spec), 4, agents="none")
    assert [f["fold"] for f in folds] == [1, 2, 3, 4]  # GOOG starts in 2004: fold 2 ends then


def test_too_many_folds_say_so_up_front(monkeypatch):
    import app.backtest.engine as engine

    monkeypatch.setattr(engine, "run_backtest", lambda *a, **k: pytest.fail("ran a fold"))
    spec = parse_spec(TEXT)
    with pytest.raises(BacktestError, match="too many") as err:
        walk_forward(spec, load_for_spec(spec), 999, agents="none")
    assert "at most" in (err.value.hint or "")
