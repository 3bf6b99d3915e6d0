"""What indicators the strategy language knows: names, parameters, outputs.

This table is the single source of truth shared by the grammar's checker (arity and
parameter ranges), the read-back (how an indicator is said in English), the LLM prompt
and the computation in :mod:`app.indicators.compute`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    """One numeric parameter of an indicator."""

    name: str
    default: float
    integer: bool = True
    low: float = 1
    """Smallest allowed value (inclusive)."""
    high: float = 10_000
    """Largest allowed value (inclusive)."""


@dataclass(frozen=True)
class IndicatorDef:
    """An indicator as the language sees it."""

    name: str
    phrase: str
    """How the read-back names it, e.g. "simple moving average"."""
    params: tuple[Param, ...]
    takes_source: bool = False
    """True when the first argument is a price series (``sma(close, 20)``)."""
    outputs: tuple[str, ...] = ()
    """Named outputs (``macd(...).signal``); empty for a single-valued indicator."""
    intraday_only: bool = False

    @property
    def default_output(self) -> str | None:
        return self.outputs[0] if self.outputs else None


def _period(default: int) -> Param:
    return Param("period", default)


CATALOG: dict[str, IndicatorDef] = {
    d.name: d
    for d in (
        IndicatorDef("sma", "simple moving average", (_period(20),), takes_source=True),
        IndicatorDef("ema", "exponential moving average", (_period(20),), takes_source=True),
        IndicatorDef("wma", "weighted moving average", (_period(20),), takes_source=True),
        IndicatorDef("rsi", "RSI", (_period(14),), takes_source=True),
        IndicatorDef("roc", "rate of change (%)", (_period(10),), takes_source=True),
        IndicatorDef("highest", "highest", (_period(20),), takes_source=True),
        IndicatorDef("lowest", "lowest", (_period(20),), takes_source=True),
        IndicatorDef("stddev", "standard deviation", (_period(20),), takes_source=True),
        IndicatorDef(
            "bollinger",
            "Bollinger band",
            (_period(20), Param("k", 2.0, integer=False, low=0.1, high=10)),
            takes_source=True,
            outputs=("middle", "upper", "lower"),
        ),
        IndicatorDef(
            "macd",
            "MACD",
            (Param("fast", 12, low=2), Param("slow", 26, low=2), Param("signal", 9)),
            takes_source=True,
            outputs=("line", "signal", "hist"),
        ),
        IndicatorDef(
            "stoch",
            "stochastic",
            (Param("k_period", 14), Param("k_smooth", 3), Param("d_period", 3)),
            outputs=("k", "d"),
        ),
        IndicatorDef("atr", "ATR", (_period(14),)),
        IndicatorDef("adx", "ADX", (_period(14),)),
        IndicatorDef("vwap", "volume-weighted average price", (_period(20),)),
        IndicatorDef("avg_volume", "average volume", (_period(20),)),
        IndicatorDef("opening_high", "opening-range high", (Param("bars", 6),), intraday_only=True),
        IndicatorDef("opening_low", "opening-range low", (Param("bars", 6),), intraday_only=True),
    )
}

PRICE_FIELDS: tuple[str, ...] = ("open", "high", "low", "close", "volume")


def lookback(name: str, params: tuple[float, ...]) -> int:
    """Number of leading NaN bars of the indicator on gap-free input (TA-Lib's lookback).

    This is exact, not a bound: ``compute`` returns a first value at index ``lookback``.
    Nested indicators add up (``ema(sma(close, 10), 5)`` starts at 9 + 4). The EMA family
    (ema, rsi, macd, atr, adx) still depends on its seed for a while after that; this
    number says when a value exists, not when it has converged. For the opening range it
    is the earliest possible first value (a first session with at least ``bars`` bars).
    """
    p = [int(v) for v in params]
    if name == "macd":
        return max(p[0], p[1]) + p[2] - 2
    if name == "stoch":
        return p[0] + p[1] + p[2] - 3
    if name in ("rsi", "roc", "atr"):
        return p[0]
    if name == "adx":
        return 2 * p[0] - 1
    return p[0] - 1
