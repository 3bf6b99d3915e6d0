"""The real market data shipped inside the package, so Parley works offline.

The CSV files in ``app/data/`` are byte-identical copies of ``/work/shared/data``; their
provenance (sources, bar counts, date ranges) is ``app/data/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.market.errors import DataError


@dataclass(frozen=True)
class BundledSeries:
    """One bundled instrument."""

    symbol: str
    file: str
    """File name inside :func:`bundled_dir`."""
    timeframe: str
    """Bar spacing code, as :func:`app.market.loader.infer_timeframe` reports it."""
    description: str


_BUNDLED: tuple[BundledSeries, ...] = (
    BundledSeries("GOOG", "GOOG.csv", "1d", "Alphabet, daily, 2004-08-19 to 2013-03-01"),
    BundledSeries("NVDA", "NVDA.csv", "1d", "NVIDIA, daily, 1999-01-22 to 2014-12-31"),
    BundledSeries("ORCL", "ORCL.csv", "1d", "Oracle, daily, 1995-01-03 to 2014-12-31"),
    BundledSeries("YHOO", "YHOO.csv", "1d", "Yahoo, daily, 1996-04-12 to 2014-12-31"),
    BundledSeries("EURUSD", "EURUSD-1h.csv", "1h", "EUR/USD, hourly, 2017-04-19 to 2018-02-07"),
    BundledSeries("BTCUSD", "BTCUSD-1mo.csv", "1mo", "Bitcoin in USD, monthly, 2012 to 2024"),
    BundledSeries(
        "INDEX", "INDEX-2006-5min.csv", "5m", "a stock index, 5-minute bars, January 2006"
    ),
)


def bundled_dir() -> Path:
    """The folder holding the bundled CSV files (``app/data``), wherever the package lives."""
    return Path(__file__).resolve().parent.parent / "data"


def bundled_symbols() -> dict[str, BundledSeries]:
    """Every bundled symbol with its file, in a stable order (the four stocks first)."""
    return {s.symbol: s for s in _BUNDLED}


def bundled_path(symbol: str) -> Path:
    """The CSV file of one bundled symbol (any letter case; ``BTC/USD`` finds ``BTCUSD``).

    Raises:
        DataError: the symbol is not bundled; the message lists those that are.
    """
    key = symbol.strip().upper().replace("/", "")
    series = bundled_symbols().get(key)
    if series is None:
        known = ", ".join(bundled_symbols())
        raise DataError(
            f"No bundled data for {symbol!r}. Bundled symbols: {known}. "
            "Pass --data with a CSV file or folder to use other symbols."
        )
    return bundled_dir() / series.file
