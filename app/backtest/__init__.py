"""Backtests: a spec over history on the shared execution path, with metrics and reports."""

from __future__ import annotations

from app.backtest.engine import run_backtest
from app.backtest.errors import (
    BacktestError,
    EmptyRangeError,
    NoDataError,
    NotEnoughHistoryError,
)
from app.backtest.result import BacktestResult

__all__ = [
    "BacktestError",
    "BacktestResult",
    "EmptyRangeError",
    "NoDataError",
    "NotEnoughHistoryError",
    "run_backtest",
]
