"""How many shares a new position gets, from the spec's sizing rule.

Sizes are computed on the signal bar's close, the last price known when the decision is
made; the order then fills at the next open, so the dollar size drifts by the overnight
move. Stocks trade whole shares (rounded down); crypto pairs (``BTC/USD``) trade
fractions, to 1e-8.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from app.execution.fill_model import Bracket
from app.instruments import instrument
from app.spec.models import AtrLevel, Level, Sizing, StrategySpec
from app.spec.checks import DEFAULT_SIZING_PCT
from app.spec.expr import number

DEFAULT_SIZING = Sizing(kind="pct_equity", value=DEFAULT_SIZING_PCT)
_CRYPTO_STEP = 1e-8


def is_fractional(symbol: str) -> bool:
    """Whether the symbol trades in fractions (crypto; :mod:`app.instruments` says)."""
    return instrument(symbol).fractional


def round_qty(qty: float, fractional: bool) -> float:
    """Round a size down to what the venue trades (whole shares, or 1e-8 of a coin)."""
    if qty <= 0 or not math.isfinite(qty):
        return 0.0
    if fractional:
        return math.floor(qty / _CRYPTO_STEP + 1e-9) * _CRYPTO_STEP
    return float(math.floor(qty + 1e-9))


def raw_quantity(
    sizing: Sizing | None, equity: float, price: float, stop_distance: float | None
) -> float:
    """Unrounded size for one new position.

    ``risk_pct`` sizes so that hitting the stop loses ``value`` percent of equity:
    ``equity * value% / stop_distance`` shares. Without a stop distance it sizes nothing
    (the spec checker already refuses risk sizing without a stop).
    """
    s = sizing or DEFAULT_SIZING
    value = number(s.value)
    if s.kind == "fixed_shares":
        return value
    if price <= 0:
        return 0.0
    if s.kind == "fixed_usd":
        return value / price
    if s.kind == "pct_equity":
        return max(equity, 0.0) * value / 100.0 / price
    if not stop_distance or stop_distance <= 0:
        return 0.0
    return max(equity, 0.0) * value / 100.0 / stop_distance


def needs_equity(spec: StrategySpec) -> bool:
    """Whether sizing or the caps need the portfolio's equity at each decision (a spec
    that shorts always does: the gross-exposure cap checks it, :mod:`app.execution.risk`)."""
    s = spec.sizing or DEFAULT_SIZING
    lim = spec.limits
    return (
        s.kind in ("pct_equity", "risk_pct")
        or lim.max_exposure_pct is not None
        or lim.max_position_pct is not None
        or spec.short_entry is not None
    )


def bracket_for(spec: StrategySpec, atr_at: Callable[[int], float | None]) -> Bracket | None:
    """The protective exits a new position of ``spec`` gets.

    ``atr_at(period)`` gives the ATR of the signal bar; an ATR level whose ATR is not
    defined yet (warm-up) is left out rather than guessed.
    """
    levels = (spec.stop_loss, spec.take_profit, spec.trailing_stop)
    if all(level is None for level in levels):
        return None
    parts: list[float | None] = []
    for level in levels:
        parts += _pct_or_distance(level, atr_at)
    return Bracket(*parts)


def _pct_or_distance(
    level: Level | None, atr_at: Callable[[int], float | None]
) -> tuple[float | None, float | None]:
    if level is None:
        return None, None
    if isinstance(level, AtrLevel):
        value = atr_at(level.period)
        if value is None or not math.isfinite(value):
            return None, None
        return None, level.atr * value
    return level.pct, None


def stop_distance(spec: StrategySpec, price: float, bracket: Bracket | None) -> float | None:
    """The stop's distance in dollars per share at ``price``, for risk sizing."""
    if bracket is None or spec.stop_loss is None:
        return None
    if bracket.stop_pct is not None:
        return price * bracket.stop_pct / 100.0
    return bracket.stop_distance
