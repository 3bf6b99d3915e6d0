"""What can be wrong with a backtest request, each with a message naming the culprit."""

from __future__ import annotations

from app.errors import ParleyError


class BacktestError(ParleyError):
    """A backtest that cannot run as asked."""


class NoDataError(BacktestError):
    """The universe has no bars at all."""


class EmptyRangeError(BacktestError):
    """The date range holds no bars (for a symbol, or at all)."""


class NotEnoughHistoryError(BacktestError):
    """A rule needs more bars before its first value than the data has."""
