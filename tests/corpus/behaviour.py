"""Behaviour of a spec on the bundled data: the bars where its rules fire.

A scorer compares a compiled spec with a record's expected spec bar for bar. Neither is
run on the symbols its text names (most are not bundled): both are moved onto the same
bundled series, chosen by timeframe, so the comparison is of the rules alone.

  1d (and a spec without a timeframe) -> GOOG, daily
  1h, 4h                              -> EURUSD, hourly (4h resampled)
  5m, 15m, 30m                        -> INDEX, 5-minute (resampled)
  1m                                  -> INDEX at 5m (no finer bars are bundled)
"""

from __future__ import annotations

from app.dsl import format_spec, parse_spec
from app.engine.signals import signals_table
from app.market.data_source import load_for_spec
from app.spec.models import StrategySpec

SERIES = {"1d": ("GOOG", "1d"), "1h": ("EURUSD", "1h"), "4h": ("EURUSD", "4h"),
          "5m": ("INDEX", "5m"), "15m": ("INDEX", "15m"), "30m": ("INDEX", "30m"),
          "1m": ("INDEX", "5m")}


def on_bundled(spec: StrategySpec) -> StrategySpec:
    """The same rules on the bundled series for the spec's timeframe (questions dropped)."""
    symbol, timeframe = SERIES.get(spec.timeframe or "1d", ("GOOG", "1d"))
    return spec.model_copy(update={"universe": (symbol,), "timeframe": timeframe,
                                   "screen": None, "questions": ()})


def signals(spec_text: str) -> list[tuple[str, str, str, str]]:
    """``(date, symbol, entry, exit)`` rows where the rules fire on the bundled series."""
    spec = on_bundled(parse_spec(spec_text))
    table = signals_table(spec, load_for_spec(spec))
    return [(str(d), str(s), str(e), str(x)) for d, s, e, x in table.itertuples(index=False)]


def same_behaviour(expected_text: str, compiled_text: str) -> bool:
    """True when both specs fire on exactly the same bars, entries and exits alike."""
    return signals(expected_text) == signals(compiled_text)


def bundled_text(spec_text: str) -> str:
    """The spec as it is run for the comparison (for reading a mismatch)."""
    return format_spec(on_bundled(parse_spec(spec_text)))
